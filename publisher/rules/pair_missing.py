"""``pair-missing``: every post needs both a Welsh and an English file (Standard 58)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("pair-missing", "error", N_("create the partner file <slug>.cy.md or <slug>.en.md in the same folder"))


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for present, missing, suffix, message in (
        (post.en, post.cy, "cy", N_("this post has no Welsh partner: create %(file)s beside it")),
        (post.cy, post.en, "en", N_("this post has no English partner: create %(file)s beside it")),
    ):
        if present is not None and missing is None:
            yield RULE.at(post, present, 1, _(message) % {"file": f"{post.slug}.{suffix}.md"})
