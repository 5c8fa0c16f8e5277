"""What every rule module shares: its code, severity and fix hint (docs/content.md "Rule codes")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from publisher.findings import Finding, Severity

if TYPE_CHECKING:
    from publisher.content.post import Post, PostFile


@dataclass(frozen=True)
class Rule:
    """A rule's identity: its code (docs/content.md), severity and a one-line fix hint.

    The hint is written in English and marked for the catalog (``N_()``); whoever shows it translates it,
    in the language of that command (docs/translation.md).
    """

    code: str
    severity: Severity
    hint: str

    def at(
        self, post: Post, where: PostFile | str, line: int, message: str, severity: Severity | None = None
    ) -> Finding:
        """A finding of this rule in ``where`` (a post file or a display path) at ``line``.

        ``severity`` overrides the rule's own for rules whose lesser cases are
        warnings (docs/content.md "Rule codes" lists both).
        """
        file = where if isinstance(where, str) else where.display
        return Finding(
            file=file,
            line=max(1, line),
            code=self.code,
            severity=severity or self.severity,
            post=post.id,
            message=message,
        )
