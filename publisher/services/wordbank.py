"""``publisher wordbank search``: Welsh phrases and pre-translated templates (policy 8.4; docs/commands.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from publisher.config import Config
from publisher.content.post import normalise
from publisher.content.wordbank import Phrase, Template, load_wordbank


@dataclass(frozen=True)
class Matches:
    """What the word bank holds for a search."""

    phrases: list[Phrase]
    templates: list[Template]
    missing: Path | None = None  # the word bank file, when there is none to search


def search(config: Config, text: str) -> Matches:
    """Phrases and templates containing ``text`` in Welsh or English (names and descriptions too)."""
    if not config.wordbank.exists():
        return Matches(phrases=[], templates=[], missing=config.wordbank)
    bank = load_wordbank(config.wordbank, config.root)
    needle = normalise(text).casefold()
    phrases = [p for p in bank.phrases if needle in p.en.casefold() or needle in p.cy.casefold()]
    templates = [
        t for t in bank.templates.values() if any(needle in v.casefold() for v in (t.name, t.description, t.en, t.cy))
    ]
    return Matches(phrases=phrases, templates=templates)
