"""``translation-unreviewed``: a post publishes only once its Welsh is reviewed (policy 8.3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "translation-unreviewed",
    "error",
    N_(
        "have the Translation Team check the Welsh, then set 'translation: "
        "{reviewed: true, reviewer: NAME, reviewed_on: DATE}' in the .cy.md file"
    ),
)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    cy = post.cy
    if cy is None or not cy.readable:
        return
    translation = cy.meta.translation
    line = cy.key_line("translation")
    if translation is None:
        if "translation" not in cy.meta.present:
            yield RULE.at(
                post,
                cy,
                line,
                _(
                    "the Welsh text is not marked reviewed: add 'translation: {reviewed: true, "
                    "reviewer: NAME, reviewed_on: DATE}' once the Translation Team has checked it"
                ),
            )
        return
    if not translation.reviewed:
        yield RULE.at(
            post,
            cy,
            line,
            _(
                "the Welsh text is not reviewed yet (reviewed: false); "
                "send it to the Translation Team, then set reviewed: true"
            ),
        )
        return
    if not (translation.reviewer or "").strip():
        yield RULE.at(
            post, cy, line, _("the translation is marked reviewed but names no reviewer: add 'reviewer: NAME'")
        )
    if translation.reviewed_on:
        try:
            reviewed_on = date.fromisoformat(translation.reviewed_on)
        except ValueError:
            return  # a date format problem: front-matter-invalid says so
        if reviewed_on > ctx.today:
            yield RULE.at(
                post,
                cy,
                line,
                _("'reviewed_on' %(day)s is in the future; give the day the review happened")
                % {"day": reviewed_on.isoformat()},
            )
