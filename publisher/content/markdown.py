"""Turn a post's Markdown body into the plain text platforms receive (docs/content.md).

Emphasis is dropped, ``[text](url)`` becomes ``text url``, list items stay one
per line with their marker, and paragraphs are separated by a blank line.
Raw HTML is not interpreted: it stays as the characters the editor typed.

Most posts use no Markdown at all: plain paragraphs. Those are turned into
their text without the parser, which is most of what a ``check`` spends on
Markdown; a property test holds the two equal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False})


def _inline(children: list[Token]) -> str:
    out: list[str] = []
    hrefs: list[tuple[str, int]] = []
    for tok in children:
        if tok.type in ("text", "code_inline"):
            out.append(tok.content)
        elif tok.type == "softbreak" or tok.type == "hardbreak":
            out.append("\n")
        elif tok.type == "link_open":
            hrefs.append((str(tok.attrs.get("href", "")), len(out)))
        elif tok.type == "link_close" and hrefs:
            href, start = hrefs.pop()
            label = "".join(out[start:])
            # An autolink <https://...> or [https://x](https://x) must not repeat the URL.
            if href and label.strip() != href and label.strip() != href.removeprefix("mailto:"):
                out.append(f" {href}")
        elif tok.type == "image":
            out.append(tok.content)
    return "".join(out)


class _Blocks:
    """The plain-text blocks of a body, built token by token (lists keep their markers and nesting)."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.lists: list[list[int | None]] = []  # per open list: the next number, or None for bullets
        self.prefix = ""
        self.list_started = False  # the next list line is the first of its list

    def open_list(self, start: int | None) -> None:
        self.list_started = self.list_started or not self.lists
        self.lists.append([start])

    def close_list(self) -> None:
        self.lists.pop()

    def open_item(self, markup: str) -> None:
        if not self.lists:
            return
        number = self.lists[-1][0]
        indent = "  " * (len(self.lists) - 1)
        if number is None:
            self.prefix = f"{indent}{markup or '-'} "
        else:
            self.prefix = f"{indent}{number}{markup or '.'} "
            self.lists[-1][0] = number + 1

    def text(self, text: str) -> None:
        if not self.lists:
            self.blocks.append(("\n\n" if self.blocks else "") + text)
            return
        separator = ("\n\n" if self.list_started else "\n") if self.blocks else ""
        self.blocks.append(separator + self.prefix + text)
        self.list_started = False
        self.prefix = "  " * len(self.lists)

    def code(self, content: str) -> None:
        self.blocks.append(("\n\n" if self.blocks else "") + content.rstrip("\n"))

    def take(self, tok: Token) -> None:
        if tok.type == "bullet_list_open":
            self.open_list(None)
        elif tok.type == "ordered_list_open":
            self.open_list(int(tok.attrs.get("start", 1) or 1))
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            self.close_list()
        elif tok.type == "list_item_open":
            self.open_item(tok.markup)
        elif tok.type == "inline":
            self.text(_inline(tok.children or []))
        elif tok.type in ("fence", "code_block"):
            self.code(tok.content)


# Characters that may start Markdown inline syntax (emphasis, code, links, images, autolinks, entities,
# escapes), NUL, and whitespace other than spaces and newlines (tabs indent; the others are kept as they are).
_ODD_WHITESPACE = "\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INLINE_SYNTAX = re.compile(f"[\\\\`*_\\[\\]<>&\\x00{_ODD_WHITESPACE}]")
# A line that may open a block: indented code, an ATX heading, a quote, a list item, a thematic break,
# a setext underline, a fence.
_BLOCK_START = re.compile(r"^(?: {4}| {0,3}(?:#{1,6}(?: |$)|[>+=~-]|\d{1,9}[.)]))", re.M)


def _plain_paragraphs(markdown: str) -> str | None:
    """The plain text of ``markdown`` that holds nothing but paragraphs of text, or None if it may hold more."""
    if _INLINE_SYNTAX.search(markdown) or _BLOCK_START.search(markdown):
        return None
    paragraphs = [
        "\n".join(line.strip(" ") for line in block.split("\n") if line.strip(" "))
        for block in re.split(r"\n[ ]*\n", markdown)
    ]
    return "\n\n".join(p for p in paragraphs if p).strip()


def to_plain_text(markdown: str) -> str:
    """Render ``markdown`` as platform plain text."""
    plain = _plain_paragraphs(markdown)
    if plain is not None:
        return plain
    blocks = _Blocks()
    for tok in _parser().parse(markdown):
        blocks.take(tok)
    return "".join(blocks.blocks).strip()
