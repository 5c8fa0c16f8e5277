"""A correction is a post: the corrected Welsh passes the same rules before it goes out (docs/emergency.md).

English given as the "Welsh" correction is refused (``language-mismatch``),
as is a text too long for a platform, counted its way (``too-long``); a
personal phone number is a warning (``personal-data``) the reviewer must
accept; and a link the post did not have is refused (``correction-link``):
a correction fixes the Welsh, it does not send readers somewhere new.
"""

from __future__ import annotations

from datetime import datetime

from publisher import rules
from publisher.config import Config
from publisher.content.memory import in_memory_post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.text.length import urls

LINK_RULE = Rule(
    "correction-link",
    "error",
    N_("keep the post's own links: a correction fixes the Welsh, it does not add a link"),
)
WAIVED = {"translation-unreviewed", "schedule-invalid"}  # the reviewer is reviewing it; it goes out now


def check_correction(
    config: Config, post_id: str, text: str, english: str, accounts: list[str], original_welsh: str, now: datetime
) -> list[Finding]:
    """Every finding the corrected Welsh (beside the published English) has."""
    where = config.content_dir / "emergency"
    post = in_memory_post(post_id, text, english, accounts, where, now.isoformat(), reviewer="(review)")
    findings = [f for f in rules.run(post, rules.build_context(config, now)) if f.code not in WAIVED]
    known = set(urls(original_welsh)) | set(urls(english))
    for link in urls(post.text("cy")):
        if link not in known:
            message = _("the correction adds the link %(link)s, which the post did not have; keep the post's own links")
            message %= {"link": link}
            findings.append(LINK_RULE.at(post, f"{post_id} (Welsh)", 1, message))
    return findings
