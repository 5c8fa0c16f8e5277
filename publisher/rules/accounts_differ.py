"""``accounts-differ`` (warning): a post names a schedule and its own accounts, and they differ (docs/schedules.md).

A post that names a schedule takes the schedule's accounts. Naming others
is allowed (the post goes where it says), but it is easily a leftover, so
the difference is shown.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "accounts-differ",
    "warning",
    N_("remove 'accounts' to take the schedule's, or keep them if this post really goes elsewhere"),
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
        _("the post goes to %(own)s, but its schedule '%(name)s' posts to %(theirs)s; the post's own accounts are used")
        % {"own": ", ".join(own), "name": name, "theirs": ", ".join(theirs)},
    )
