"""``consent-invalid``: the consent form must exist, be unexpired and not withdrawn (policy 9.7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from publisher.content.consent import NOT_REQUIRED
from publisher.content.post import Post
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("consent-invalid", "error", N_("use a current reference from the consent register, or remove the image"))


def _publish_day(post: Post, ctx: Context) -> date:
    """Consent must hold on the day the post goes out, not only today."""
    value = post.shared("publish_at")
    if value:
        try:
            return max(
                ctx.today, parse_publish_at(value, ctx.config.timezone).utc.astimezone(ctx.config.timezone).date()
            )
        except PublishTimeError:
            pass
    return ctx.today


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    day = None
    for index in range(len(post.media_pairs())):
        reference, post_file, line = post.media_shared(index, "consent")
        if reference is None or post_file is None or reference == NOT_REQUIRED:
            continue
        form = ctx.consent.get(reference)
        if form is None:
            yield RULE.at(
                post,
                post_file,
                line,
                _(
                    "consent reference '%(reference)s' is not in the consent register "
                    "(%(register)s); check the reference or register the signed form"
                )
                % {"reference": reference, "register": ctx.config.consent_register.name},
            )
            continue
        if form.withdrawn_on is not None:
            yield RULE.at(
                post,
                post_file,
                line,
                _("consent '%(reference)s' was withdrawn on %(day)s; remove the image")
                % {"reference": reference, "day": form.withdrawn_on.isoformat()},
            )
            continue
        day = day or _publish_day(post, ctx)
        if form.expires_on is not None and form.expires_on < day:
            yield RULE.at(
                post,
                post_file,
                line,
                _(
                    "consent '%(reference)s' expires on %(expires)s, before "
                    "the post goes out (%(day)s); renew the form or remove the image"
                )
                % {"reference": reference, "expires": form.expires_on.isoformat(), "day": day.isoformat()},
            )
