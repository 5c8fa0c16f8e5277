"""``welsh-parity``: the Welsh version must not be treated less favourably (Standard 58)."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.length import hashtags, urls

RULE = Rule(
    "welsh-parity",
    "warning",
    N_("give the Welsh the same links and hashtags as the English and a full translation, not a summary"),
)


SHORT = N_(
    "the Welsh is under half the length of the English (%(cy)d vs %(en)d characters); "
    "translate it in full rather than summarise"
)


def is_short(finding: Finding) -> bool:
    """The finding says the Welsh is much shorter (which a summary may be: policy 8.4), in this command's language."""
    return finding.code == RULE.code and finding.message.startswith(_(SHORT).split("%(", 1)[0])


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    if not post.complete or post.cy is None:
        return
    cy, en = post.text("cy"), post.text("en")
    if not cy.strip() or not en.strip():
        return
    line = post.cy.body_line
    for message, counter in (
        (N_("the Welsh has %(cy)d links, the English %(en)d; give the Welsh the same links"), urls),
        (N_("the Welsh has %(cy)d hashtags, the English %(en)d; give the Welsh the same hashtags"), hashtags),
    ):
        n_cy, n_en = len(counter(cy)), len(counter(en))
        if n_cy < n_en:
            yield RULE.at(
                post,
                post.cy,
                line,
                _(message) % {"cy": n_cy, "en": n_en},
            )
    if len(cy) * 2 < len(en):
        yield RULE.at(
            post,
            post.cy,
            line,
            _(SHORT) % {"cy": len(cy), "en": len(en)},
        )
