"""Turn a post's Markdown body into the plain text platforms receive (content.md).

Emphasis is dropped, ``[text](url)`` becomes ``text url``, list items stay one
per line with their marker, and paragraphs are separated by a blank line.
Raw HTML is not interpreted: it stays as the characters the editor typed.
"""

from __future__ import annotations

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


def to_plain_text(markdown: str) -> str:
    """Render ``markdown`` as platform plain text."""
    blocks: list[str] = []
    list_stack: list[list[int | None]] = []  # [next number or None for bullets]
    pending_prefix = ""
    list_started = False  # the next list line is the first of its list
    for tok in _parser().parse(markdown):
        if tok.type == "bullet_list_open":
            list_started = list_started or not list_stack
            list_stack.append([None])
        elif tok.type == "ordered_list_open":
            list_started = list_started or not list_stack
            list_stack.append([int(tok.attrs.get("start", 1) or 1)])
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif tok.type == "list_item_open" and list_stack:
            number = list_stack[-1][0]
            indent = "  " * (len(list_stack) - 1)
            if number is None:
                pending_prefix = f"{indent}{tok.markup or '-'} "
            else:
                pending_prefix = f"{indent}{number}{tok.markup or '.'} "
                list_stack[-1][0] = number + 1
        elif tok.type == "inline":
            text = _inline(tok.children or [])
            if list_stack:
                separator = ("\n\n" if list_started else "\n") if blocks else ""
                blocks.append(separator + pending_prefix + text)
                list_started = False
                pending_prefix = "  " * len(list_stack)
            else:
                blocks.append(("\n\n" if blocks else "") + text)
        elif tok.type in ("fence", "code_block"):
            blocks.append(("\n\n" if blocks else "") + tok.content.rstrip("\n"))
    return "".join(blocks).strip()
