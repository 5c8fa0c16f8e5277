"""``pair-missing``: every post needs both a Welsh and an English file (Standard 58)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("pair-missing", "error", "create the partner file <slug>.cy.md or <slug>.en.md in the same folder")


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for present, missing, name in ((post.en, post.cy, "Welsh"), (post.cy, post.en, "English")):
        if present is not None and missing is None:
            suffix = "cy" if name == "Welsh" else "en"
            yield RULE.at(
                post, present, 1, f"this post has no {name} partner: create {post.slug}.{suffix}.md beside it"
            )
