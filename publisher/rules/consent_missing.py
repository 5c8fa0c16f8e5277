"""``consent-missing``: every image names its consent form, or ``not-required`` (policy 9.7)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "consent-missing",
    "error",
    N_("add 'consent: REF' from the consent register, or 'consent: not-required' if no one can be identified"),
)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for index in range(len(post.media_pairs())):
        value, post_file, line = post.media_shared(index, "consent")
        if value is None and post_file is not None:
            yield RULE.at(
                post,
                post_file,
                line,
                _(
                    "media item %(number)d has no 'consent': add the consent form "
                    "reference, or 'not-required' when no one can be identified"
                )
                % {"number": index + 1},
            )
