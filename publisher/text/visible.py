"""The text a reader sees, for language identification: invisible tricks undone (docs/content.md "Rule codes").

English with a zero-width joiner between its letters, with a combining accent
on every letter, or spelt with Cyrillic look-alikes reads as English to a
person but not to a language detector, which could then pass it as Welsh.
Before identifying a language the text is folded to what a reader sees:
compatibility forms unified (NFKC), format characters (zero-width and
bidirectional controls) dropped, a flood of combining marks removed, and
letters that are confusable with Latin letters mapped to them, using the
Unicode confusables data (the confusable-homoglyphs package). Welsh ŵ, ŷ, â
and the like are Latin letters and stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

FLOOD = 0.5  # combining marks per letter above which the marks are decoration, not spelling
# Nothing to fold: ASCII, Latin-1 letters (less the soft hyphen), Latin Extended-A and -B (Welsh ŵ ŷ),
# and the usual punctuation (dashes, quotes, ellipsis; not the format characters among them), and the euro.
_PLAIN = re.compile("[\x00-\xac\xae-\u024f\u2010-\u2027\u2030-\u205e\u20ac]*")


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[int, str]:
    """Non-Latin characters that look like one Latin letter, mapped to it."""
    from confusable_homoglyphs import utils

    table: dict[int, str] = {}
    for char, glyphs in utils.load("confusables.json").items():
        if len(char) != 1 or char.isascii() or unicodedata.name(char, "").startswith("LATIN"):
            continue
        for glyph in glyphs:
            latin = glyph["c"]
            if len(latin) == 1 and latin.isascii() and latin.isalpha():
                table[ord(char)] = latin
                break
    return table


def _fold_marks(text: str) -> str:
    """Drop combining marks when there are too many to be spelling (an accent on every letter)."""
    decomposed = unicodedata.normalize("NFD", text)
    marks = sum(1 for c in decomposed if unicodedata.category(c) == "Mn")
    letters = sum(1 for c in decomposed if c.isalpha())
    if not marks or marks <= letters * FLOOD:
        return text
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def visible_text(text: str) -> str:
    """``text`` as a reader sees it (see the module docstring); ordinary Welsh and English come back as they are."""
    if _PLAIN.fullmatch(text):
        return text
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _fold_marks(text)
    return text.translate(_latin_lookalikes())
