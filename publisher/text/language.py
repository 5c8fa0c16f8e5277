"""Welsh/English language identification with lingua, restricted to the two languages.

The detector is built once, on first use, so commands that never detect
(``publisher --help``, a cached ``check``) do not pay for importing lingua.
URLs, @mentions and #hashtags are removed first: they are not language; and
the text is first folded to what a reader sees, so invisible characters and
look-alike letters cannot pass English as Welsh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from publisher.text.visible import visible_text

if TYPE_CHECKING:
    from lingua import LanguageDetector

Lang = Literal["cy", "en"]

URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
MENTION = re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
HASHTAG = re.compile(r"(?<![\w#])#\w+")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# Below this many words the detector's answer is a guess ("Diolch!"), not evidence.
MIN_WORDS = 3
# A verdict needs this much confidence before it can block a post.
MIN_CONFIDENCE = 0.75


@dataclass(frozen=True)
class Detection:
    """The detector's verdict: the language or None (undecided) and its confidence."""

    language: Lang | None
    confidence: float


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.WELSH, Language.ENGLISH).build()


def strip_non_language(text: str) -> str:
    """The text a reader sees (:mod:`publisher.text.visible`) without URLs, @mentions and #hashtags."""
    return HASHTAG.sub(" ", MENTION.sub(" ", URL.sub(" ", visible_text(text))))


def _code(language: object) -> Lang:
    return "cy" if getattr(language, "name", "") == "WELSH" else "en"


@lru_cache(maxsize=4096)
def detect(text: str) -> Detection:
    """Detect the language of ``text``; short or unclear text is undecided."""
    cleaned = strip_non_language(text)
    if len(WORD.findall(cleaned)) < MIN_WORDS:
        return Detection(None, 0.0)
    values = detector().compute_language_confidence_values(cleaned)
    if not values:
        return Detection(None, 0.0)
    best = values[0]
    if best.value < MIN_CONFIDENCE:
        return Detection(None, best.value)
    return Detection(_code(best.language), best.value)


def foreign_runs(text: str, expected: Lang, names: tuple[str, ...] = (), min_words: int = 4) -> list[str]:
    """Runs of ``min_words`` or more words in the other language inside ``text``.

    Proper names from the word bank are removed first (an English name such as
    "Brecon Beacons" inside Welsh is not mixing), as are URLs, mentions and hashtags.
    """
    cleaned = strip_non_language(text)
    for name in sorted(names, key=len, reverse=True):
        cleaned = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", cleaned, flags=re.I)
    if len(WORD.findall(cleaned)) < min_words:
        return []
    runs = []
    for result in detector().detect_multiple_languages_of(cleaned):
        segment = cleaned[result.start_index : result.end_index]
        if _code(result.language) != expected and len(WORD.findall(segment)) >= min_words:
            check = detector().compute_language_confidence_values(segment)
            if check and _code(check[0].language) != expected and check[0].value >= MIN_CONFIDENCE:
                runs.append(" ".join(segment.split()))
    return runs


# A line of text in a picture is short ("Ffordd ar gau"): two words can be told apart when the
# detector is this sure, with only Welsh and English to choose from.
LINE_MIN_WORDS = 2


def line_language(line: str) -> Lang | None:
    """The language of one short line (text in an image), or None when too short or unclear."""
    cleaned = strip_non_language(line)
    if len(WORD.findall(cleaned)) < LINE_MIN_WORDS:
        return None
    values = detector().compute_language_confidence_values(cleaned)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return _code(values[0].language)
