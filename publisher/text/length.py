"""Count a text's length the way each platform does, against the limit in the platform table.

How a platform counts and what its limit is come from
:mod:`publisher.platforms.specs`: X weighs characters and counts every URL
as 23 (twitter-text-parser); Bluesky counts graphemes; Mastodon counts
characters with every URL as 23 and a remote mention as its local part;
Threads counts characters but an emoji as its UTF-8 bytes; others count
characters. Counting our way instead of the platform's is how
posts that "fit" get rejected at 3 a.m.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from publisher.platforms.specs import Counting, spec
from publisher.text.language import HASHTAG, URL

_REMOTE_MENTION = re.compile(r"(@\w+)@[\w.-]+\w")


@dataclass(frozen=True)
class Measure:
    """A text's length as a platform counts it, and the platform's limit (None: no limit)."""

    length: int
    limit: int | None

    @property
    def fits(self) -> bool:
        return self.limit is None or self.length <= self.limit


def count(platform: str, text: str) -> int:
    """The length of ``text`` as ``platform`` counts it."""
    counting = spec(platform).counting
    if counting is Counting.X_WEIGHTED:
        light = _x_light_count(text)
        if light is not None:
            return light
        from twitter_text import parse_tweet

        return int(parse_tweet(text).weightedLength)
    if counting is Counting.GRAPHEMES:
        return len(regex.findall(r"\X", text))
    if counting is Counting.MASTODON:
        return len(URL.sub("x" * 23, _REMOTE_MENTION.sub(r"\1", text)))
    if counting is Counting.THREADS:
        return _threads_count(text)
    return len(text)


_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")


def _threads_count(text: str) -> int:
    """Threads' count: code points, except that each emoji (with its modifiers and joiners) weighs its UTF-8 bytes."""
    total = 0
    for cluster in regex.findall(r"\X", text):
        total += len(cluster.encode("utf-8")) if _PICTOGRAPHIC.search(cluster) else len(cluster)
    return total


def measure(platform: str, text: str) -> Measure:
    """``text``'s length as ``platform`` counts it, with the platform's limit."""
    return Measure(count(platform, text), spec(platform).text_limit)


# Characters X weighs 1 (its config v3 ranges, less (C) and (R), which it counts as emoji); others weigh 2.
_X_HEAVY = re.compile("[^\u0000-\u00a8\u00aa-\u00ad\u00af-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


# A link twitter-text takes whole: a protocol, a host (labels of up to 63 characters, as IDNA allows) under a
# common top-level domain, a path of plain segments.
_SIMPLE_URL = re.compile(
    r"https?://(?:(?=[A-Za-z0-9-]{1,63}\.)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.)+(?:uk|com|org|net|gov|cymru|wales)"
    r"(?:/[A-Za-z0-9_-]+)*"
)
_MAY_BE_LINK = re.compile(r"\.[^\W_]")  # every link twitter-text finds has a dot followed by its top-level domain
_ODD_SPACE = re.compile(r"[^\S \n]")


def _simple_links(text: str) -> int | None:
    """How much X's count of ``text`` differs from its length because of links, when every link is simple.

    A word that may hold a link (a dot followed by a letter or digit) must be
    a whole :data:`_SIMPLE_URL`, which twitter-text counts as 23; otherwise
    None, and twitter-text itself is asked.
    """
    if _ODD_SPACE.search(text) or not _MAY_BE_LINK.search(text):
        return 0 if not _ODD_SPACE.search(text) else None
    flat = text.replace("\n", " ")
    total, end = 0, -1
    for found in _MAY_BE_LINK.finditer(flat):  # the words that may hold a link, found without splitting
        if found.start() < end:
            continue  # a second dot in a word already counted
        start, end = flat.rfind(" ", 0, found.start()) + 1, flat.find(" ", found.end())
        end = len(flat) if end < 0 else end
        word = flat[start:end]
        if len(word) > 200 or not _SIMPLE_URL.fullmatch(word):
            return None
        total += 23 - len(word)
    return total


def _x_light_count(text: str) -> int | None:
    """X's weighted length of an (NFC) text whose every character X weighs 1; None otherwise.

    Such a text holds no emoji, so its weight is its length with every URL
    (found by twitter-text's own extractor, unless every link is simple)
    counted as 23. This spares the exact parser's emoji scan, which is most
    of a ``check``'s time on X posts, and for most posts twitter-text's
    loading (half a second in each process); a property test holds it equal
    to ``parse_tweet``.
    """
    if "\r" in text or _X_HEAVY.search(text):
        return None
    links = _simple_links(text)
    if links is not None:
        return len(text) + links
    from twitter_text.extract_urls import extract_urls_with_indices

    return len(text) + sum(23 - len(url["url"]) for url in extract_urls_with_indices(text))


def fits(platform: str, text: str) -> bool:
    """Whether ``text`` is within ``platform``'s limit, counted the platform's way."""
    limit = spec(platform).text_limit
    return limit is None or count(platform, text) <= limit


def hashtags(text: str) -> list[str]:
    """The #hashtags in ``text`` (some platforms cap them: ``hashtag_cap``)."""
    return HASHTAG.findall(text)


def urls(text: str) -> list[str]:
    """The links in ``text`` (some platforms cap them: ``link_cap``)."""
    return URL.findall(text)
