"""``bidi-control``: no bidirectional override characters in a post (docs/content.md "Rule codes").

U+202A-U+202E and U+2066-U+2069 change the order in which text is shown:
text can be displayed reversed, or hidden, while the characters say
something else (the "Trojan Source" trick). A post never needs them, so
they are an error wherever they stand: the body or an image's alt text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from publisher.content.post import Post, PostFile
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("bidi-control", "error", N_("delete the invisible direction-override characters (retype the text)"))
CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NAMES = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}


def _message(char: str, alt_of: int | None) -> str:
    """The Unicode name stays as the standard spells it: it is what a person searches for."""
    values = {"name": _NAMES[char], "code": f"U+{ord(char):04X}", "number": alt_of or 0}
    if alt_of is None:
        message = _(
            "the text holds an invisible %(name)s character (%(code)s), which changes the order "
            "text is shown in and can hide what it really says; delete it (retype the text)"
        )
    else:
        message = _(
            "the alt text of media item %(number)d holds an invisible %(name)s character (%(code)s), which changes "
            "the order text is shown in and can hide what it really says; delete it (retype the text)"
        )
    return message % values


def _in_file(post: Post, post_file: PostFile) -> Iterator[Finding]:
    found = CONTROLS.search(post_file.body_markdown)
    if found:
        line = post_file.body_line + post_file.body_markdown.count("\n", 0, found.start())
        yield RULE.at(post, post_file, line, _message(found.group(0), None))
    for index, item in enumerate(post_file.meta.media or []):
        alt = CONTROLS.search(item.alt or "")
        if alt:
            yield RULE.at(post, post_file, item.line_of("alt"), _message(alt.group(0), index + 1))


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for post_file in post.files():
        if post_file.readable:
            yield from _in_file(post, post_file)
