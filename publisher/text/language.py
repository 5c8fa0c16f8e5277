"""Welsh/English language identification with lingua, restricted to the two languages.

The detector is built once, on first use, so commands that never detect
(``publisher --help``, a cached ``check``) do not pay for importing lingua.
URLs, @mentions and #hashtags are removed first: they are not language; and
the text is first folded to what a reader sees, so invisible characters and
look-alike letters cannot pass English as Welsh.

A file is in the language most of its words are in (docs/content.md "Rule
codes"). lingua reads an English post with one Welsh sentence as Welsh as
a whole, Welsh spelling being so distinctive, though most of its words are
English: that is English with a Welsh run in it, not a swapped file. So each
word counts in the language lingua's multi-language scan puts it in, and
the runs are the scan's other-language sections and the other-language
sentences. Most texts are plainly one language, and those are decided
cheaply: the scan finds one section whenever the whole text and each of its
words of five letters or more are in the same language, and words, unlike
texts, repeat from post to post, so their verdicts are remembered. The
scan itself is only run where it can change the verdict.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import regex

from publisher.text.visible import visible_text

if TYPE_CHECKING:
    from lingua import LanguageDetector

Lang = Literal["cy", "en"]

# Each pattern begins with the character (or set) every match begins with, and looks behind it only there:
# a scan for that character is many times quicker than trying the look-behind at every position, and
# these run on every text many times over. "#(?<![\w#]#)" is "(?<![\w#])#" with the "#" read first.
URL = re.compile(r"[hw](?:(?<=h)ttps?://|(?<=w)ww\.)\S+", re.I)  # http://, https:// or www., in any case
MENTION = re.compile(r"@(?<![\w@]@)[\w.]+(?:@[\w.-]+)?")
HASHTAG = re.compile(r"#(?<![\w#]#)\w+")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# Below this many words the detector's answer is a guess ("Diolch!"), not evidence.
MIN_WORDS = 3
# A verdict needs this much confidence before it can block a post.
MIN_CONFIDENCE = 0.75
# A run of this many words in the other language is mixing.
RUN_WORDS = 4
# Where the whole text reads as its own language, this share of words in the other makes it a mismatch.
CLEAR_MAJORITY = 2 / 3

# The words lingua's multi-language scan identifies one by one: runs of five or more letters. Text in
# the Latin ranges below (Welsh ŵ and ŷ among them) is cut into such words exactly as lingua cuts it;
# any other text is scanned.
_SCANNED_WORD = regex.compile(r"\p{L}{5,}")
_ASCII_SCANNED_WORD = re.compile(r"[a-z]{5,}")  # the same words in lower-case ASCII text, found twice as quickly
_LATIN = regex.compile(r"[\x00-\u024f\u2000-\u206f]*")
# A sentence ends at a run of spaces after . ! ? or …, or at a line break, spaces around it included:
# "(?<=[.!?…])\s+|\s*\n\s*" with the space every break begins with read first (twice as quick).
_SENTENCE_BREAK = re.compile(r"\s(?:(?<=[.!?…]\s)\s*|(?<=\n)\s*|\s*\n\s*)")


@dataclass(frozen=True)
class Detection:
    """The detector's verdict: the language or None (undecided) and its confidence."""

    language: Lang | None
    confidence: float


@dataclass(frozen=True)
class Judgement:
    """A file's language judged against the language it should be in.

    ``mismatch`` is the other language when the file is in it: read so as a
    whole (``confidence``) unless most of its words are in its own language,
    or a clear majority of its words in it (``share``). Otherwise ``runs``
    holds the runs of :data:`RUN_WORDS` or more words in the other language.
    """

    mismatch: Lang | None = None
    confidence: float = 0.0
    share: float | None = None
    runs: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.WELSH, Language.ENGLISH).build()


def preload() -> None:
    """Load every model lingua uses (it loads them on first use), e.g. before forking workers that share them."""
    detector().detect_language_of("llyfrgell")


def strip_non_language(text: str) -> str:
    """The text a reader sees (:mod:`publisher.text.visible`) without URLs, @mentions and #hashtags."""
    text = URL.sub(" ", visible_text(text))
    if "@" in text:
        text = MENTION.sub(" ", text)
    return HASHTAG.sub(" ", text) if "#" in text else text


def _code(language: object) -> Lang:
    return "cy" if getattr(language, "name", "") == "WELSH" else "en"


def _other(language: Lang) -> Lang:
    return "en" if language == "cy" else "cy"


def _words(text: str) -> int:
    return len(WORD.findall(text))


@lru_cache(maxsize=4096)
def _whole(cleaned: str) -> Detection:
    """lingua's verdict on the whole of ``cleaned``: its top language (None on a tie) and confidence."""
    values = detector().compute_language_confidence_values(cleaned)
    if not values:
        return Detection(None, 0.0)
    if len(values) > 1 and values[1].value == values[0].value:
        return Detection(None, values[0].value)
    return Detection(_code(values[0].language), values[0].value)


def _detected(cleaned: str) -> Detection:
    if _words(cleaned) < MIN_WORDS:
        return Detection(None, 0.0)
    found = _whole(cleaned)
    if found.language is None or found.confidence < MIN_CONFIDENCE:
        return Detection(None, found.confidence)
    return found


@lru_cache(maxsize=4096)
def detect(text: str) -> Detection:
    """Detect the language of ``text`` as a whole; short or unclear text is undecided."""
    return _detected(strip_non_language(text))


_WORD_CACHE_SIZE = 100_000
_word_languages: dict[str, Lang | None] = {}


def _word(word: str) -> Lang | None:
    """lingua's verdict on one word, remembered (lingua ignores case, so the memory does too)."""
    key = word.lower()
    try:
        return _word_languages[key]
    except KeyError:
        pass
    if len(_word_languages) >= _WORD_CACHE_SIZE:
        _word_languages.clear()
    language = detector().detect_language_of(key)
    found: Lang | None = None if language is None else _code(language)
    _word_languages[key] = found
    return found


def _at_least(text: str, count: int) -> bool:
    """Whether ``text`` has ``count`` words or more (without finding them all)."""
    return count <= 0 or next(itertools.islice(WORD.finditer(text), count - 1, None), None) is not None


@lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


def without_names(cleaned: str, names: tuple[str, ...]) -> str:
    """``cleaned`` with the word bank's proper names blanked out ("Brecon Beacons" is no language)."""
    pattern = _names_pattern(names)
    return cleaned if pattern is None else pattern.sub(" ", cleaned)


@dataclass(frozen=True)
class _Section:
    """A stretch of text lingua's multi-language scan puts in one language."""

    start: int
    end: int
    language: Lang


def _plainly(cleaned: str, expected: Lang, words: list[Lang | None]) -> bool:
    """Whether lingua's multi-language scan of ``cleaned`` would find one section, in ``expected``.

    The scan takes the whole text's language and each five-letter word's
    (``words``), and finds a single section when they all agree.
    """
    if not (cleaned.isascii() or _LATIN.fullmatch(cleaned)) or _whole(cleaned).language != expected:
        return False
    return all(language in (expected, None) for language in words)


def _sections(cleaned: str, expected: Lang, words: list[Lang | None]) -> list[_Section]:
    """lingua's multi-language scan of ``cleaned``; a text plainly in ``expected`` is one section, unscanned."""
    if _plainly(cleaned, expected, words):
        return [_Section(0, len(cleaned), expected)]
    return [
        _Section(r.start_index, r.end_index, _code(r.language))
        for r in detector().detect_multiple_languages_of(cleaned)
    ]


def _confirmed(segment: str, expected: Lang) -> bool:
    """A stretch the scan put in the other language reads as it on its own, confidently."""
    check = detector().compute_language_confidence_values(segment)
    return bool(check) and _code(check[0].language) != expected and check[0].value >= MIN_CONFIDENCE


def _scanned_runs(cleaned: str, sections: list[_Section], expected: Lang) -> list[tuple[int, int]]:
    """The scan's other-language sections of :data:`RUN_WORDS` or more words, confirmed on their own."""
    return [
        (s.start, s.end)
        for s in sections
        if s.language != expected
        and _at_least(cleaned[s.start : s.end], RUN_WORDS)
        and _confirmed(cleaned[s.start : s.end], expected)
    ]


def foreign_runs(text: str, expected: Lang, names: tuple[str, ...] = ()) -> list[str]:
    """The runs of other-language words in ``text`` that lingua's multi-language scan finds.

    Proper names from the word bank are removed first (an English name such as
    "Brecon Beacons" inside Welsh is not mixing), as are URLs, mentions and hashtags.
    """
    cleaned = without_names(strip_non_language(text), names)
    if not _at_least(cleaned, RUN_WORDS):
        return []
    spans = _scanned_runs(cleaned, _sections(cleaned, expected, _long_word_languages(cleaned)), expected)
    return [" ".join(cleaned[start:end].split()) for start, end in spans]


def _sentence_spans(cleaned: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for found in _SENTENCE_BREAK.finditer(cleaned):
        spans.append((start, found.start()))
        start = found.end()
    spans.append((start, len(cleaned)))
    return spans


def _in_language(cleaned: str, sections: list[_Section], language: Lang, span: tuple[int, int]) -> int:
    """How many words of ``span`` lie in sections of ``language``."""
    total = 0
    for section in sections:
        start, end = max(section.start, span[0]), min(section.end, span[1])
        if section.language == language and start < end:
            total += _words(cleaned[start:end])
    return total


@lru_cache(maxsize=16384)
def _sentence_verdict(sentence: str) -> Detection:
    values = detector().compute_language_confidence_values(sentence)
    return Detection(_code(values[0].language), values[0].value) if values else Detection(None, 0.0)


def _foreign_sentence(cleaned: str, span: tuple[int, int], sections: list[_Section], expected: Lang) -> bool:
    """Whether the sentence at ``span`` is a run in the other language (see :func:`_foreign_sentences`)."""
    other = _other(expected)
    words = WORD.findall(cleaned[span[0] : span[1]])
    if len(words) < RUN_WORDS:
        return False
    by_sections = _in_language(cleaned, sections, other, span) * 2 > len(words)
    by_words = sum(_word(w) == other for w in words) * 2 >= len(words)
    if not (by_sections or by_words):
        return False
    verdict = _sentence_verdict(cleaned[span[0] : span[1]].strip())
    return verdict.language == other and (by_sections or verdict.confidence >= MIN_CONFIDENCE)


def _long_word_languages(cleaned: str) -> list[Lang | None]:
    if cleaned.isascii():  # most texts: their words found in lower case, each its own key in the memory
        known = _word_languages
        return [known[word] if word in known else _word(word) for word in _ASCII_SCANNED_WORD.findall(cleaned.lower())]
    return [_word(word) for word in _SCANNED_WORD.findall(cleaned)]


def _clearly(cleaned: str, words: list[Lang | None], expected: Lang) -> bool:
    """Whether every five-letter word of ``cleaned`` that lingua can place (three at least) is in ``expected``.

    Such a text is in its own language by its words, whatever the whole-text
    verdict, and the whole-text call (a third of what ``check`` spends) is spared.
    """
    if _other(expected) in words or words.count(expected) < MIN_WORDS:
        return False
    return cleaned.isascii() or bool(_LATIN.fullmatch(cleaned))


def _pure(sections: list[_Section], words: list[Lang | None], expected: Lang) -> bool:
    """One section in ``expected``, and every five-letter word in it too."""
    return len(sections) == 1 and sections[0].language == expected and words.count(expected) == len(words)


def _foreign_sentences(cleaned: str, sections: list[_Section], expected: Lang, pure: bool) -> list[tuple[int, int]]:
    """Sentences of :data:`RUN_WORDS` or more words in the other language that read as it.

    A sentence is in the other language when most of its words lie in the
    scan's other-language sections, or when at least half of its words look
    like the other language one by one (short words, which the scan passes
    over: "Back open at noon.") and it reads confidently as the other language.
    A sentence outside the other-language sections whose five-letter words are
    mostly in its own language is neither, and is passed over without lingua;
    in a ``pure`` text (every five-letter word in its own language) that is
    every sentence with a five-letter word.
    """
    other = _other(expected)
    found = []
    if pure:
        for span in _sentence_spans(cleaned):
            if not _SCANNED_WORD.search(cleaned, span[0], span[1]) and _foreign_sentence(
                cleaned, span, sections, expected
            ):
                found.append(span)
        return found
    scanned = [(m.start(), _word(m.group())) for m in _SCANNED_WORD.finditer(cleaned)]
    starts = [at for at, _ in scanned]
    for span in _sentence_spans(cleaned):
        if not any(s.language == other and s.start < span[1] and span[0] < s.end for s in sections):
            inside = scanned[bisect.bisect_left(starts, span[0]) : bisect.bisect_left(starts, span[1])]
            if sum(language == expected for _, language in inside) * 2 > len(inside):
                continue
        if _foreign_sentence(cleaned, span, sections, expected):
            found.append(span)
    return found


def _mismatch(cleaned: str, scan: str, sections: list[_Section], expected: Lang) -> Judgement | None:
    """The file reads as the other language as a whole, unless most of its words are in its own;
    or a clear majority of its words are in the other language."""
    other, whole = _other(expected), _whole(cleaned)
    if whole.confidence < MIN_CONFIDENCE or whole.language != other:
        if len(sections) == 1 and sections[0].language == expected:
            return None  # plainly its own language
        whole = Detection(None, whole.confidence)
    counts = {lang: _in_language(scan, sections, lang, (0, len(scan))) for lang in ("cy", "en")}
    decided = max(counts.values()) >= MIN_WORDS
    if whole.language == other and not (decided and counts[expected] > counts[other]):
        return Judgement(mismatch=other, confidence=whole.confidence)
    if decided and counts[other] >= CLEAR_MAJORITY * sum(counts.values()):
        return Judgement(mismatch=other, share=counts[other] / sum(counts.values()))
    return None


@lru_cache(maxsize=4096)
def judge(text: str, expected: Lang, names: tuple[str, ...] = ()) -> Judgement:
    """Judge ``text``, which should be in ``expected``: a mismatch (see :class:`Judgement`), else its runs.

    The runs are the scan's confirmed other-language sections, and the
    other-language sentences they do not already cover.
    """
    cleaned = strip_non_language(text)
    if not _at_least(cleaned, MIN_WORDS):
        return Judgement()
    scan = without_names(cleaned, names)
    words = _long_word_languages(scan)
    if _clearly(scan, words, expected):
        sections = [_Section(0, len(scan), expected)]
    else:
        sections = _sections(scan, expected, words)
        mismatch = _mismatch(cleaned, scan, sections, expected)
        if mismatch is not None:
            return mismatch
    if not _at_least(scan, RUN_WORDS):
        return Judgement()
    spans = _scanned_runs(scan, sections, expected)
    spans += [
        span
        for span in _foreign_sentences(scan, sections, expected, _pure(sections, words, expected))
        if not any(span[0] < end and start < span[1] for start, end in spans)
    ]
    return Judgement(runs=tuple(" ".join(scan[start:end].split()) for start, end in sorted(spans)))


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
