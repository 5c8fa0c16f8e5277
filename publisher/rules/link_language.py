"""``link-language``: each language's post links to the page in its own language (Standard 58).

With ``[links]`` in the configuration (docs/configuration.md), a link to a
page the council also publishes in the other language is checked: the Welsh
post sending readers to the English page treats Welsh less favourably, and
the fix names the Welsh page. The same address in both files is a warning,
unless the page is declared bilingual: usually one of the two should link
to the other language's page.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.links import OTHER, classify, links, page_key

RULE = Rule("link-language", "error", N_("link each language's post to the page in its own language"))
_WRONG = {
    "cy": N_("%(url)s is the English page; the Welsh post should link to the Welsh page: %(counterpart)s"),
    "en": N_("%(url)s is the Welsh page; the English post should link to the English page: %(counterpart)s"),
}


def _wrong_language(post: Post, ctx: Context, reported: set[str]) -> Iterator[Finding]:
    for language in LANGUAGES:
        post_file = post.file(language)
        if post_file is None or not post_file.readable:
            continue
        for url in dict.fromkeys(links(post.text(language))):
            page = classify(url, ctx.config.links)
            if page.language != OTHER[language]:
                continue
            reported.add(page_key(url))
            yield RULE.at(
                post,
                post_file,
                post_file.body_line_of(url),
                _(_WRONG[language]) % {"url": url, "counterpart": page.counterpart},
            )


def _same_page(post: Post, ctx: Context, reported: set[str]) -> Iterator[Finding]:
    cy_file = post.file("cy")
    if cy_file is None or not post.complete:
        return
    cy_links = {page_key(url): url for url in links(post.text("cy"))}
    en_links = {page_key(url) for url in links(post.text("en"))}
    for key, url in cy_links.items():
        if key not in en_links or key in reported or classify(url, ctx.config.links).bilingual:
            continue
        yield RULE.at(
            post,
            cy_file,
            cy_file.body_line_of(url),
            _(
                "%(url)s is linked from both the Welsh and the English post; link each to the page in its own "
                "language, or, if the page serves both languages, add it to 'bilingual' under [links] in the config"
            )
            % {"url": url},
            severity="warning",
        )


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    reported: set[str] = set()
    yield from _wrong_language(post, ctx, reported)
    yield from _same_page(post, ctx, reported)
