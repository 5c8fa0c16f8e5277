"""``schedule-invalid``: a post must name one real instant (or a known schedule), not long past.

"Long past" applies to new and changed posts only (docs/commands.md "check"):
a content repository is also the archive of what went out.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from publisher.content.post import Post
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "schedule-invalid",
    "error",
    N_("give publish_at as 2027-01-12T10:00 (local) or with an offset, or name a schedule in schedules/"),
)


def _ago(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 48:
        return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}
    return _("%(hours)s hours") % {"hours": f"{hours:.1f}"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    value = post.shared("publish_at")
    where = post.where("publish_at")
    if value and where:
        post_file, line = where
        try:
            when = parse_publish_at(value, ctx.config.timezone)
        except PublishTimeError as exc:
            yield RULE.at(post, post_file, line, str(exc))
        else:
            late = (ctx.now - when.utc).total_seconds()
            # Only a new or changed post is held to its time: one that went out is history, not an error.
            too_late = late > ctx.config.max_lateness.total_seconds() and ctx.is_fresh(post.slug)
            if too_late and post.id not in ctx.published:
                yield RULE.at(
                    post,
                    post_file,
                    line,
                    _(
                        "publish_at %(value)s was %(ago)s ago, more than max_lateness (%(max)s); the daemon would "
                        "expire it instead of publishing stale news. Give a new time or delete the post"
                    )
                    % {"value": value, "ago": _ago(late), "max": ctx.config.max_lateness},
                )
    name = post.shared("schedule")
    where = post.where("schedule")
    if name and where and name not in ctx.schedules:
        post_file, line = where
        match = difflib.get_close_matches(name, sorted(ctx.schedules), n=1)
        if match:
            message = _("schedule '%(name)s' is not defined; did you mean '%(match)s'?")
        elif ctx.schedules:
            message = _("schedule '%(name)s' is not defined; add schedules/%(name)s.yaml or use one of: %(known)s")
        else:
            message = _("schedule '%(name)s' is not defined; add schedules/%(name)s.yaml or use one of: (none defined)")
        values = {"name": name, "match": match[0] if match else "", "known": ", ".join(sorted(ctx.schedules))}
        yield RULE.at(post, post_file, line, message % values)
