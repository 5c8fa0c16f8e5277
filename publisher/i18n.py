"""Welsh and English in every front-end: gettext catalogs, one language per command or request (docs/translation.md).

The messages are written in English in the code (``_("...")``) and
translated in ``publisher/locale/cy/LC_MESSAGES/publisher.po``, compiled to
the ``.mo`` file beside it (committed, so an install needs no build step;
a test holds the two together). The language is a context variable, so each
web request (a thread of the server) has its own: the command line sets it
from ``--lang`` or the locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG``), the web from the person's choice or the browser's preference.

Only the standard library's :mod:`gettext` is imported here: ``publisher
--help`` stays fast, and Babel is needed only to extract and compile.
"""

from __future__ import annotations

import gettext
import os
from contextvars import ContextVar, Token
from functools import lru_cache
from pathlib import Path

DOMAIN = "publisher"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("cy", "en")  # Welsh first, wherever both are offered (Standard 58)
NAMES = {"cy": "Cymraeg", "en": "English"}
DEFAULT = "en"  # the command line, when the locale names neither language

_current: ContextVar[str | None] = ContextVar("publisher_language", default=None)


def normalise(value: str | None) -> str | None:
    """``cy``/``en`` from a locale or language tag (``cy_GB.UTF-8``, ``en-GB``), else None."""
    if not value:
        return None
    tag = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return tag if tag in LANGUAGES else None


def from_environment() -> str:
    """The language the locale asks for: the first of ``LANGUAGE`` (a list), ``LC_ALL``, ``LC_MESSAGES``, ``LANG``."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for part in os.environ.get(variable, "").split(":"):
            chosen = normalise(part)
            if chosen:
                return chosen
    return DEFAULT


def set_language(language: str) -> Token[str | None]:
    """Use ``language`` (``cy`` or ``en``) in this context; the token resets it."""
    chosen = normalise(language)
    if chosen is None:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return _current.set(chosen)


def reset_language(token: Token[str | None]) -> None:
    _current.reset(token)


def language() -> str:
    """The language in use here: set for this context, else the locale's."""
    return _current.get() or from_environment()


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language_code: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (English falls back to the messages as written)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language_code], fallback=True)


def _(message: str) -> str:
    """``message`` in the language in use."""
    return catalog(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` (Welsh has six; the catalog says which)."""
    return catalog(language()).ngettext(singular, plural, n)


def negotiate(accept_language: str | None, default: str = "cy") -> str:
    """The browser's preferred language of ours, from an ``Accept-Language`` header (RFC 9110 q-values).

    With no preference for either, Welsh: Welsh is not treated less favourably (Standard 58).
    """
    best, best_q = default, 0.0
    for index, item in enumerate((accept_language or "").split(",")[:32]):
        tag, _sep, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        chosen = normalise(tag)
        q -= index * 1e-6  # earlier wins among equals
        if chosen and q > best_q:
            best, best_q = chosen, q
    return best


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (a table of labels, translated when shown)."""
    return message
