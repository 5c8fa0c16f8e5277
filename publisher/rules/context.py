"""What a rule may consult besides the post itself, and how ``check``, the daemon and the emergency path build it.

One builder for all three, so a post is judged the same way wherever it is
judged (docs/content.md "Rule codes").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from publisher.config import Config
from publisher.content.consent import ConsentForm, load_register
from publisher.content.schedules import load_schedules, schedule_names
from publisher.content.wordbank import WordBank, load_wordbank
from publisher.platforms.media import ImageFacts
from publisher.text.image_text import ImageText, ImageTextReader


@dataclass
class Context:
    """Everything a rule may consult besides the post itself."""

    config: Config
    now: datetime
    consent: dict[str, ConsentForm] = field(default_factory=dict)
    wordbank: WordBank | None = None
    schedules: frozenset[str] = frozenset()
    published: frozenset[str] = frozenset()  # post ids already published (not "late")
    # Slugs of the posts new or changed (docs/commands.md "check"): only they are held to the time rules.
    # None: every post is (nothing tells new from old); empty: none is (the daemon expires late posts itself).
    fresh: frozenset[str] | None = None
    schedule_accounts: dict[str, list[str]] = field(default_factory=dict)  # what a post naming a schedule takes
    image_text: ImageTextReader = field(default_factory=lambda: ImageTextReader(None))  # OCR, cached by hash
    # What the media files are, worked out once per check (several rules look at each image, and posts share
    # images) and afresh by the next, as files change between checks:
    media_paths: dict[tuple[str, str], Path | None] = field(default_factory=dict, repr=False)  # (folder, name)
    image_facts: dict[str, ImageFacts | str] = field(default_factory=dict, repr=False)  # or why it is unreadable
    image_texts: dict[str, ImageText | None] = field(default_factory=dict, repr=False)  # by real path

    def is_fresh(self, slug: str) -> bool:
        return self.fresh is None or slug in self.fresh

    @property
    def today(self) -> date:
        return self.now.astimezone(self.config.timezone).date()


def build_context(
    config: Config,
    now: datetime | None = None,
    published: Iterable[str] = (),
    fresh: Iterable[str] | None = None,
) -> Context:
    """The context rules consult: consent register, word bank, schedules, the time, what is already published."""
    return Context(
        config=config,
        now=now or datetime.now(UTC),
        consent=load_register(config.consent_register, config.root),
        wordbank=load_wordbank(config.wordbank, config.root),
        schedules=schedule_names(config.schedules_dir),
        published=frozenset(published),
        fresh=None if fresh is None else frozenset(fresh),
        schedule_accounts={
            name: list(schedule.accounts)
            for name, schedule in load_schedules(config.schedules_dir, config).items()
            if schedule.accounts
        },
        image_text=ImageTextReader(config.cache_dir),
    )
