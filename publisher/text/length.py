"""Count a text's length the way each platform does, and know each platform's limits.

X weighs characters and counts every URL as 23 (twitter-text-parser);
Bluesky counts graphemes; Mastodon counts characters with every URL as 23
and a remote mention as its local part; Instagram and Facebook count
characters. Counting our way instead of the platform's is how posts that
"fit" get rejected at 3 a.m.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from publisher.text.language import HASHTAG, URL

LIMITS: dict[str, int | None] = {
    "x": 280,
    "bluesky": 300,
    "mastodon": 500,
    "instagram": 2200,
    "facebook": 63206,
    "outbox": None,
}
INSTAGRAM_MAX_HASHTAGS = 5
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
    if platform == "x":
        from twitter_text import parse_tweet

        return int(parse_tweet(text).weightedLength)
    if platform == "bluesky":
        return len(regex.findall(r"\X", text))
    if platform == "mastodon":
        return len(URL.sub("x" * 23, _REMOTE_MENTION.sub(r"\1", text)))
    return len(text)


def measure(platform: str, text: str) -> Measure:
    return Measure(count(platform, text), LIMITS.get(platform))


# Characters X weighs 1 (its config v3 ranges, less (C) and (R), which it counts as emoji); others weigh 2.
_X_HEAVY = re.compile("[^\u0000-\u00a8\u00aa-\u00ad\u00af-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


def _x_upper_bound(text: str) -> int:
    """A cheap bound that X's weighted count of (NFC) ``text`` never exceeds.

    Every character weighs what X weighs it (1 in X's light ranges, else 2;
    an emoji sequence is counted per code point, at least X's 2), and every
    token that might be a URL adds 23 on top of its own characters. Most
    posts are far below 280 by this bound, which spares the slow exact parse
    (twitter-text's emoji scan) for them.
    """
    dotted = sum(1 for token in text.split() if "." in token)
    return len(text) + len(_X_HEAVY.findall(text)) + 23 * dotted


def fits(platform: str, text: str) -> bool:
    """Whether ``text`` is within ``platform``'s limit, counted the platform's way."""
    limit = LIMITS.get(platform)
    if limit is None:
        return True
    if platform == "x" and _x_upper_bound(text) <= limit:
        return True
    return count(platform, text) <= limit


def hashtags(text: str) -> list[str]:
    """The #hashtags in ``text`` (Instagram allows at most five per post)."""
    return HASHTAG.findall(text)


def urls(text: str) -> list[str]:
    return URL.findall(text)
