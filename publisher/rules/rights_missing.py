"""``rights-missing``: every image says who owns it and under what licence (policy 7.2.12)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "rights-missing", "error", N_("add 'rights: own' or the owner and licence, e.g. 'rights: CC-BY-4.0 Jane Doe'")
)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for index in range(len(post.media_pairs())):
        value, post_file, line = post.media_shared(index, "rights")
        if value is None and post_file is not None:
            yield RULE.at(
                post,
                post_file,
                line,
                _("media item %(number)d has no 'rights': say who owns the image and its licence, e.g. 'rights: own'")
                % {"number": index + 1},
            )
