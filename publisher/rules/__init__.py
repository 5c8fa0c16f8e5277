"""The validation rules: one module per rule code (docs/content.md "Rule codes").

Each per-post module has ``RULE`` (code, severity, fix hint) and
``check(post, ctx)`` yielding findings; ``ALL`` fixes the order in which they
run and are listed. Cross-post checks (schedules, word bank templates) run
once per check over many files, not per post.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules import (
    accessibility,
    account_unknown,
    accounts_differ,
    alt_missing,
    bidi_control,
    consent_invalid,
    consent_missing,
    credentials_missing,
    file_misnamed,
    front_matter_invalid,
    image_text_language,
    image_unfit,
    language_mismatch,
    language_mixed,
    link_language,
    media_missing,
    pair_mismatch,
    pair_missing,
    personal_data,
    reply_language,
    rights_missing,
    schedule_empty,
    schedule_invalid,
    schedule_late,
    too_long,
    translation_unreviewed,
    welsh_parity,
)
from publisher.rules.base import Rule
from publisher.rules.context import Context, build_context

ALL: tuple[ModuleType, ...] = (
    pair_missing,
    pair_mismatch,
    front_matter_invalid,
    bidi_control,
    language_mismatch,
    language_mixed,
    alt_missing,
    consent_missing,
    consent_invalid,
    rights_missing,
    media_missing,
    image_unfit,
    image_text_language,
    translation_unreviewed,
    too_long,
    schedule_invalid,
    schedule_late,
    account_unknown,
    accounts_differ,
    welsh_parity,
    personal_data,
    link_language,
    accessibility,
)

# Checked elsewhere than per post: schedules and stray files across posts, credentials
# per account, answers in the inbox.
CROSS_CHECKS: tuple[ModuleType, ...] = (schedule_empty, file_misnamed, credentials_missing, reply_language)
BY_CODE: dict[str, Rule] = {module.RULE.code: module.RULE for module in (*ALL, *CROSS_CHECKS)}


def run(post: Post, ctx: Context) -> Iterator[Finding]:
    """Every finding of every rule for ``post``."""
    for module in ALL:
        yield from module.check(post, ctx)


__all__ = ["ALL", "BY_CODE", "Context", "Rule", "build_context", "run"]
