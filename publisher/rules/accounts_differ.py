"""``accounts-differ`` (warning): a post names a schedule and its own accounts, and they differ (docs/schedules.md).

A post that names a schedule takes the schedule's accounts. Naming others
is allowed (the post goes where it says), but it is easily a leftover, so
the difference is shown.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "accounts-differ",
    "warning",
    "remove 'accounts' to take the schedule's, or keep them if this post really goes elsewhere",
)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    own = post.shared("accounts")
    name = post.shared("schedule")
    where = post.where("accounts")
    if not own or not isinstance(name, str) or where is None:
        return
    theirs = ctx.schedule_accounts.get(name)
    if theirs is None or set(theirs) == set(own):
        return
    yield RULE.at(
        post,
        where[0],
        where[1],
        f"the post goes to {', '.join(own)}, but its schedule '{name}' posts to {', '.join(theirs)}; "
        "the post's own accounts are used",
    )
