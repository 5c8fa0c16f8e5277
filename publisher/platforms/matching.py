"""Match a post on a platform to the text we sent, for reconciling unknown outcomes.

Platforms hand text back altered: HTML-escaped (all), wrapped in HTML
(Mastodon's ``content``), with URLs replaced by shortened links (X's t.co).
Comparing normalised forms keeps a reconciliation from missing the post and
sending it a second time.
"""

from __future__ import annotations

import html
import re

_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"</p>\s*<p>|<br\s*/?>")


def comparable(text: str, *, html_content: bool = False, shortened_urls: bool = False) -> str:
    """``text`` unescaped with whitespace collapsed; optionally HTML removed and URLs masked."""
    if html_content:
        text = _TAG.sub("", _BREAK.sub("\n", text))
    text = html.unescape(text)
    if shortened_urls:
        text = _URL.sub("URL", text)
    return " ".join(text.split())


def plain_text(content: str) -> str:
    """An HTML status (Mastodon's ``content``) as the text a person reads: paragraphs kept as lines."""
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
