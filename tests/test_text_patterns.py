"""The quick forms of the URL, mention and hashtag patterns find exactly what their plain forms find."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.rules.accessibility import _TAG
from publisher.text.language import HASHTAG, MENTION, URL

PLAIN = {
    "url": (URL, re.compile(r"(?:https?://|www\.)\S+", re.I)),
    "mention": (MENTION, re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")),
    "hashtag": (HASHTAG, re.compile(r"(?<![\w#])#\w+")),
    "tag": (_TAG, re.compile(r"(?<![\w#])#(\w+)")),
}
TEXT = st.text(alphabet=st.sampled_from("hHwWtTpPsS\u017f:/.@#_-xé ŵ\n1"), max_size=30)


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_quick_patterns_match_the_plain_ones(text: str) -> None:
    for quick, plain in PLAIN.values():
        assert quick.findall(text) == plain.findall(text)
        assert [m.span() for m in quick.finditer(text)] == [m.span() for m in plain.finditer(text)]
        assert bool(quick.match(text)) == bool(plain.match(text))


def test_examples() -> None:
    for text in ("HTTPS://X www.y Www.z hhttp://a", "a#b #c ##d é#e (#f)", "a@b @c@d.e @@f", "#x", "@x"):
        for quick, plain in PLAIN.values():
            assert quick.findall(text) == plain.findall(text), text
