"""Secrets scrubbed from every text the publisher stores, prints or logs (docs/configuration.md "Credentials").

Scrub first, then shorten: a secret cut in half by a length limit is no
longer the secret, and would survive a scrub done afterwards. So any run of
at least :data:`MIN_PREFIX` characters that starts a known secret is
scrubbed too. :data:`KNOWN` holds every secret this process has read from
the environment, so the log formatter can scrub third-party libraries' debug
output (oauthlib prints OAuth keys at DEBUG) as well as our own.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

MIN_PREFIX = 8  # the shortest piece of a secret still worth hiding
LIMIT = 500  # how much of an error text is kept
MASK = "***"
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class Secrets:
    """A set of secret values, and text scrubbed of them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: str, limit: int | None = LIMIT) -> str:
        """``text`` with every secret (and every start of one of MIN_PREFIX characters or more) masked, then cut."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for secret in values:
            text = _scrub_one(text, secret)
        if limit is not None and len(text) > limit:
            text = text[:limit] + "…"
        return text


def _scrub_one(text: str, secret: str) -> str:
    if secret in text:
        text = text.replace(secret, MASK)
    if len(secret) < MIN_PREFIX:
        return text
    head = secret[:MIN_PREFIX]
    start = text.find(head)
    while start >= 0:
        end = start + MIN_PREFIX
        while end < len(text) and end - start < len(secret) and text[end] == secret[end - start]:
            end += 1
        text = text[:start] + MASK + text[end:]
        start = text.find(head, start + len(MASK))
    return text


def masked_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***``, for showing."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    return url.replace(f":{password}@", f":{MASK}@", 1)


def printable(text: str) -> str:
    """``text`` safe for one terminal or log line: line breaks and control characters (ANSI, OSC) escaped."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


KNOWN = Secrets()
