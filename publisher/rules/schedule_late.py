"""``schedule-late`` (warning): a new or changed post is due already; it will publish at once (docs/content.md).

Less than ``max_lateness`` late, the daemon still publishes it (catch-up),
but the editor should know it goes out as soon as the daemon sees it, not
at the time written. More than that is ``schedule-invalid``.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "schedule-late",
    "warning",
    N_("if it should not go out at once, give publish_at a time still to come"),
)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    value = post.shared("publish_at")
    where = post.where("publish_at")
    if not value or where is None or not ctx.is_fresh(post.slug) or post.id in ctx.published:
        return
    try:
        when = parse_publish_at(value, ctx.config.timezone).utc
    except PublishTimeError:
        return  # schedule-invalid says why
    late = ctx.now - when
    if late.total_seconds() <= 0 or late > ctx.config.max_lateness:
        return
    minutes = int(late.total_seconds() // 60)
    if minutes >= 60:
        ago = _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}
    else:
        ago = _("%(minutes)d min") % {"minutes": minutes}
    message = _(
        "publish_at %(value)s was %(ago)s ago: the post will publish at once when the daemon next syncs, "
        "not at the time written"
    )
    yield RULE.at(post, where[0], where[1], message % {"value": value, "ago": ago})
