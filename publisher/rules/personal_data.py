"""``personal-data``: personal phone numbers, e-mail addresses or home addresses in a post (policy 9.3, 9.7).

A warning, not an error: a council switchboard number or a service mailbox
is fine, so only what looks personal is flagged: mobile numbers, e-mail
addresses that are not role mailboxes, and a house number with a postcode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "personal-data", "warning", N_("remove personal contact details; give a service phone number or mailbox instead")
)

MOBILE = re.compile(r"(?<![\d+])(?:\+44\s?7\d{3}|\(?07\d{3}\)?)[\s-]?\d{3}[\s-]?\d{3}(?!\d)")
EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")
POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
HOME_ADDRESS = re.compile(rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:[^\W\d_][\w'’-]*\s+){{1,4}}[^\n]{{0,60}}?\b{POSTCODE}\b")
ROLE_MAILBOXES = {
    "info",
    "enquiries",
    "ymholiadau",
    "contact",
    "cyswllt",
    "help",
    "cymorth",
    "press",
    "media",
    "cyfryngau",
    "admin",
    "office",
    "swyddfa",
    "post",
    "customer.services",
    "customerservices",
    "gwasanaethau.cwsmeriaid",
    "communications",
    "cyfathrebu",
    "news",
    "newyddion",
    "noreply",
    "no-reply",
    "reception",
    "complaints",
    "cwynion",
    "feedback",
    "adborth",
    "hello",
    "helo",
}


_POSTCODE = re.compile(rf"\b{POSTCODE}\b")
_MOBILE = N_("'%(fragment)s' looks like a mobile phone number; do not publish personal details without consent")
_EMAIL = N_("'%(fragment)s' looks like a personal e-mail address; do not publish personal details without consent")
_HOME = N_(
    "'%(fragment)s' looks like a house number with a postcode (a home address); "
    "do not publish personal details without consent"
)


def _found(text: str) -> Iterator[tuple[str, str]]:
    # Each search only where what it looks for can be: most posts have no mobile prefix, no '@', no postcode.
    if "07" in text or "+44" in text:
        for match in MOBILE.finditer(text):
            yield match.group(0), _MOBILE
    if "@" in text:
        for match in EMAIL.finditer(text):
            if match.group(1).lower() not in ROLE_MAILBOXES:
                yield match.group(0), _EMAIL
    if _POSTCODE.search(text):
        for match in HOME_ADDRESS.finditer(text):
            yield match.group(0), _HOME


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable:
            continue
        for fragment, what in _found(post_file.body_markdown):
            yield RULE.at(
                post,
                post_file,
                post_file.body_line_of(fragment),
                _(what) % {"fragment": fragment.strip()},
            )
