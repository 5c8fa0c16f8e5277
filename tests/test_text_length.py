"""Lengths counted the way each platform counts them (publisher.text.length and the platform table)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.text.length import _X_HEAVY, _simple_links, _x_light_count, count

URLISH = [
    "https://www.example.gov.uk/n/1",
    "https://powys.gov.uk",
    "http://cyngor-sir.cymru/newyddion/a_b-c",
    "https://x.wales/",
    "https://a.b.c.net/x/y/z",
    "https://example.org/x.html",
    "https://example.organic/x",
    "https://t.co/abc",
    "https://-x.com/",
    "https://x.com/a,",
    "https://x.com/a?b=1",
    "HTTPS://X.COM/A",
    "https://",
    "x.uk",
    "9.30am",
    "http://192.168.0.1/x",
    "example.com",
    "a.co",
    "www.powys.gov.uk/biniau?x=1",
    "http://t.co/abc",
    "x.y",
    "@cyngor",
    "#Powys",
    ".",
    ",",
    " ",
    "\n",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(st.characters(max_codepoint=0x10FF, blacklist_categories=("Cs",)), max_size=20),
            st.sampled_from(URLISH),
        ),
        max_size=30,
    )
)
def test_x_fast_count_equals_twitter_text(parts: list[str]) -> None:
    """The fast path for texts without heavy characters counts exactly as twitter-text does."""
    from twitter_text import parse_tweet

    text = unicodedata.normalize("NFC", "".join(parts))  # all post text is NFC by the time it is measured
    assert count("x", text) == parse_tweet(text).weightedLength
    if "\r" not in text and not _X_HEAVY.search(text):
        assert _x_light_count(text) is not None  # the fast path was the one tested


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["Bydd", "y", "llyfrgell", "ar", "gau.", "Diolch!", "#Powys", "@cyngor", "9.30am", "a.b"]),
            st.builds(
                lambda scheme, labels, tld, path: f"{scheme}://{'.'.join(labels)}.{tld}{path}",
                st.sampled_from(["http", "https"]),
                st.lists(
                    st.from_regex(r"[A-Za-z0-9]{1,3}(-[a-z0-9]{1,2}){0,2}|[a-z]{60,66}", fullmatch=True),
                    min_size=1,
                    max_size=3,
                ),
                st.sampled_from(["uk", "com", "org", "net", "gov", "cymru", "wales"]),
                st.from_regex(r"(/[A-Za-z0-9_-]{1,6}){0,3}", fullmatch=True),
            ),
        ),
        max_size=12,
    ),
    st.sampled_from([" ", "\n", "  ", " \n"]),
)
def test_simple_links_count_as_twitter_text_counts_them(words: list[str], space: str) -> None:
    """Links twitter-text is not asked about are the ones it takes whole, each counted as 23."""
    from twitter_text import parse_tweet

    text = space.join(words)
    links = _simple_links(text)
    if links is not None:
        assert len(text) + links == parse_tweet(text).weightedLength


def test_a_post_with_simple_links_is_counted_without_twitter_text() -> None:
    text = "Bydd y llyfrgell ar gau ddydd Llun. Rhif 7: https://www.example.gov.uk/n/7 #Powys"
    assert _simple_links(text) == 23 - len("https://www.example.gov.uk/n/7")


@pytest.mark.parametrize(
    ("platform", "text", "expected"),
    [
        ("x", "Croeso i Bowys https://www.example.gov.uk/a/very/long/path/indeed", 15 + 23),
        ("x", "Croeso 👋", 7 + 2),  # an emoji weighs 2 on X
        ("bluesky", "Croeso 👋🏽", 8),  # one grapheme, however many code points
        ("mastodon", "Helo @cyngor@social.example.gov.uk https://example.gov.uk/x", 5 + 7 + 1 + 23),
        ("facebook", "Dŵr", 3),
        ("threads", "Croeso 👋", 7 + 4),  # Threads counts an emoji as its UTF-8 bytes
        ("threads", "Dŵr 👍🏽", 4 + 8),  # an emoji with its skin tone: both code points' bytes
        ("threads", "Dŵr", 3),
        ("linkedin", "Dŵr 👋", 5),
        ("outbox", "Dŵr", 3),
    ],
)
def test_each_platform_counts_its_own_way(platform: str, text: str, expected: int) -> None:
    assert count(platform, text) == expected


def test_the_limit_comes_from_the_platform_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from publisher.platforms import specs
    from publisher.text.length import fits, measure

    assert measure("bluesky", "x" * 301).limit == 300 and not fits("bluesky", "x" * 301)
    monkeypatch.setitem(specs.SPECS, "bluesky", replace(specs.SPECS["bluesky"], text_limit=400))
    assert fits("bluesky", "x" * 301) and measure("bluesky", "x").limit == 400
    assert measure("outbox", "x" * 100_000).fits
