"""The language of a message from the public: Welsh, English, mixed or unknown (docs/inbox.md).

The same lingua detector as ``check`` (Welsh and English only). A message is
*mixed* when it has a sentence of three or more words in each language, so
"Ydy'r llyfrgell ar agor? Is the library open?" is mixed although the
detector, given the whole, calls it Welsh. A message too short or unclear to
tell in a thread under our Welsh post is Welsh (Standard 59 leans that way);
failing that, a Welsh language tag from the author's app decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.queue.states import MessageLanguage
from publisher.text.language import MIN_WORDS, WORD, detect, strip_non_language

_SENTENCE = re.compile(r"[.!?…\n]+")


@dataclass(frozen=True)
class Classified:
    """A message's language, and what decided it: ``detected``, ``thread``, ``platform`` or ``none``."""

    language: MessageLanguage
    basis: str
    confidence: float = 0.0


def _sentence_languages(text: str) -> set[str]:
    """The languages of the sentences long enough to judge."""
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        if len(WORD.findall(sentence)) >= MIN_WORDS:
            language = detect(sentence.strip()).language
            if language is not None:
                found.add(language)
    return found


def classify(text: str, thread_language: str | None = None, hint: str | None = None) -> Classified:
    """The language of ``text``; ``thread_language`` is our post's it answers, ``hint`` the author's app's tag."""
    cleaned = strip_non_language(text)
    if len(_sentence_languages(cleaned)) > 1:
        return Classified(MessageLanguage.MIXED, "detected")
    found = detect(cleaned)
    if found.language is not None:
        return Classified(MessageLanguage(found.language), "detected", found.confidence)
    if thread_language == "cy":
        return Classified(MessageLanguage.WELSH, "thread")
    if hint is not None and hint.lower().startswith("cy"):
        return Classified(MessageLanguage.WELSH, "platform")
    return Classified(MessageLanguage.UNKNOWN, "none")
