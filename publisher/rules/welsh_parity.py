"""``welsh-parity``: the Welsh version must not be treated less favourably (Standard 58)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.length import hashtags, urls

RULE = Rule(
    "welsh-parity",
    "warning",
    "give the Welsh the same links and hashtags as the English and a full translation, not a summary",
)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    if not post.complete or post.cy is None:
        return
    cy, en = post.text("cy"), post.text("en")
    if not cy.strip() or not en.strip():
        return
    line = post.cy.body_line
    for label, counter in (("links", urls), ("hashtags", hashtags)):
        n_cy, n_en = len(counter(cy)), len(counter(en))
        if n_cy < n_en:
            yield RULE.at(
                post,
                post.cy,
                line,
                f"the Welsh has {n_cy} {label}, the English {n_en}; give the Welsh the same {label}",
            )
    if len(cy) * 2 < len(en):
        yield RULE.at(
            post,
            post.cy,
            line,
            f"the Welsh is under half the length of the English ({len(cy)} vs "
            f"{len(en)} characters); translate it in full rather than summarise",
        )
