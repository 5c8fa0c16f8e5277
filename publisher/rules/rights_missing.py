"""``rights-missing``: every image says who owns it and under what licence (policy 7.2.12)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("rights-missing", "error", "add 'rights: own' or the owner and licence, e.g. 'rights: CC-BY-4.0 Jane Doe'")


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for index, _ in enumerate(post.media_pairs()):
        value, post_file, line = post.media_shared(index, "rights")
        if value is None and post_file is not None:
            yield RULE.at(
                post,
                post_file,
                line,
                f"media item {index + 1} has no 'rights': say who owns the image and its licence, e.g. 'rights: own'",
            )
