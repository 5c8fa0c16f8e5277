"""Which language a link's page is in, and tagging links per language (``[links]``, docs/configuration.md).

A council's site usually has each page twice, under ``/cy/`` and ``/en/`` (or
on two domains, such as llyw.cymru and gov.wales). The configuration names
those URL prefixes and any pages whose two addresses differ, and the pages
that serve both languages. ``utm_content=cy|en`` on links to those sites lets
the team see Welsh and English clicks apart in the site's analytics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from publisher.config import LinkPair, LinkSettings

LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’]")
OTHER = {"cy": "en", "en": "cy"}


@lru_cache(maxsize=4096)
def _host_and_path(url: str) -> str:
    """The host (lower case, without ``www.``) and path of ``url``: how a link is matched to a ``[links]`` prefix.

    A link that cannot be split ("http://[x", a broken IPv6 host) is keyed as written: no page in the
    ``[links]`` tables starts with it, so it is a page the configuration does not know.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path}"


def page_key(url: str) -> str:
    """A URL compared without its scheme, ``www.``, case of the host, query, fragment or final slash."""
    return _host_and_path(url).rstrip("/")


@dataclass(frozen=True)
class PageLanguage:
    """What the configuration says about one link: its language and its counterpart in the other."""

    url: str
    language: str | None  # "cy", "en", or None (not a page the configuration knows)
    counterpart: str | None = None
    bilingual: bool = False


def _side(pair: LinkPair, language: str) -> str:
    return pair.cy if language == "cy" else pair.en


def classify(url: str, settings: LinkSettings) -> PageLanguage:
    """The language of ``url``'s page by the ``[links]`` tables (exact pages first, then prefixes)."""
    key = page_key(url)
    if any(key.startswith(page_key(prefix)) for prefix in settings.bilingual):
        return PageLanguage(url, None, bilingual=True)
    for pair in settings.pages:
        for language in ("cy", "en"):
            if key == page_key(_side(pair, language)):
                return PageLanguage(url, language, _side(pair, OTHER[language]))
    target = _host_and_path(url)
    for pair in settings.prefixes:
        for language in ("cy", "en"):
            prefix = _host_and_path(_side(pair, language))
            if target.startswith(prefix):
                return PageLanguage(url, language, _side(pair, OTHER[language]) + target[len(prefix) :])
    return PageLanguage(url, None)


def links(text: str) -> list[str]:
    """The web links in ``text``, without trailing punctuation."""
    return LINK.findall(text)


def tag(text: str, language: str, settings: LinkSettings) -> str:
    """``text`` with ``utm_content=<language>`` on each link to a site named in ``[links]`` (when turned on)."""
    if not settings.utm_content or language not in OTHER:
        return text
    hosts = settings.hosts

    def add(match: re.Match[str]) -> str:
        try:
            parts = urlsplit(match.group(0))
        except ValueError:  # not a link to any site in [links] (see _host_and_path)
            return match.group(0)
        if parts.netloc.lower() not in hosts:
            return match.group(0)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "utm_content"]
        query.append(("utm_content", language))
        return urlunsplit(parts._replace(query=urlencode(query)))

    return LINK.sub(add, text)
