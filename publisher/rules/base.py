"""What every rule module shares: its code, severity and fix hint, and the check context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from publisher.findings import Finding, Severity

if TYPE_CHECKING:
    from publisher.config import Config
    from publisher.content.consent import ConsentForm
    from publisher.content.post import Post, PostFile
    from publisher.content.wordbank import WordBank


@dataclass(frozen=True)
class Rule:
    """A rule's identity: its code (content.md), severity and a one-line fix hint."""

    code: str
    severity: Severity
    hint: str

    def at(self, post: Post, where: PostFile | str, line: int, message: str) -> Finding:
        """A finding of this rule in ``where`` (a post file or a display path) at ``line``."""
        file = where if isinstance(where, str) else where.display
        return Finding(file=file, line=max(1, line), code=self.code, severity=self.severity, post=post.id, message=message)


@dataclass
class Context:
    """Everything a rule may consult besides the post itself."""

    config: Config
    now: datetime
    consent: dict[str, ConsentForm] = field(default_factory=dict)
    wordbank: WordBank | None = None
    schedules: frozenset[str] = frozenset()
    published: frozenset[str] = frozenset()  # post ids already published (not "late")

    @property
    def today(self) -> date:
        return self.now.astimezone(self.config.timezone).date()
