"""Markdown bodies turned into the plain text platforms receive (publisher.content.markdown)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.content.markdown import _Blocks, _parser, _plain_paragraphs, to_plain_text

PIECES = [
    "Bydd y llyfrgell ar gau",
    "The library is closed.",
    "#Powys",
    "# ",
    "## Pennawd",
    "https://www.example.gov.uk/n/1?a_b=1",
    "1. ",
    "10) ",
    "9.30am",
    "- ",
    "+ ",
    "* ",
    "> ",
    "---",
    "===",
    "~~~",
    "```",
    "    ",
    "   ",
    "  ",
    " ",
    "\n",
    "\n\n",
    "\t",
    "\xa0",
    "\x00",
    "*pwysig*",
    "_italic_",
    "`code`",
    "[dolen](https://example.org)",
    "<https://example.org>",
    "&amp;",
    "\\",
    "!",
    "Dŵr",
    "’",
]


def parsed(markdown: str) -> str:
    """The parser's rendering, whatever the input (what the fast path must equal)."""
    blocks = _Blocks()
    for tok in _parser().parse(markdown):
        blocks.take(tok)
    return "".join(blocks.blocks).strip()


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=25))
def test_plain_paragraphs_render_as_the_parser_renders_them(pieces: list[str]) -> None:
    markdown = "".join(pieces)
    plain = _plain_paragraphs(markdown)
    if plain is not None:
        assert plain == parsed(markdown)
    assert to_plain_text(markdown) == parsed(markdown)


@pytest.mark.parametrize(
    "body",
    [
        "Mae ein timau graeanu allan ers 4 y bore heddiw. Gyrrwch yn ofalus ar ffyrdd gwledig\n"
        "a chaniatewch fwy o amser i'ch taith.\n\n"
        "Gweld pa ffyrdd sy'n cael eu graeanu: https://www.example.gov.uk/graeanu #Powys #TywyddGaeaf\n",
        "Bin collections are a day late this week.  \nThank you!\n\n\n#Recycling",
    ],
)
def test_a_post_without_markdown_takes_the_fast_path(body: str) -> None:
    assert _plain_paragraphs(body) is not None
    assert _plain_paragraphs(body) == parsed(body)


def test_markdown_is_still_rendered() -> None:
    assert to_plain_text("Darllenwch *hwn*:\n\n- un\n- dau\n\n[y wefan](https://example.org)") == (
        "Darllenwch hwn:\n\n- un\n- dau\n\ny wefan https://example.org"
    )


def test_every_other_whitespace_takes_the_parser() -> None:
    """Tabs indent and other spaces are kept by the parser as they are: the fast path leaves them to it."""
    odd = [c for c in map(chr, range(0x110000)) if c.isspace() and c not in " \n"]
    assert all(_plain_paragraphs(f"Bydd{c}y llyfrgell") is None for c in odd)
