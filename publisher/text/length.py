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


def _x_upper_bound(text: str) -> int:
    """A cheap bound that X's weighted count never exceeds.

    X weighs a character 1 or 2 and counts a URL as 23: so every character
    counted as 2, plus 23 for every token that might be a URL, is an upper
    bound. Most posts are far below 280 by this bound, which spares the slow
    exact parse (twitter-text's emoji scan) for them.
    """
    bound = 0
    for token in text.split():
        bound += 2 * len(token) + 1
        if "." in token:
            bound += 23
    return bound + 2 * text.count("\n")


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
