"""Prepare and publish an emergency post through the normal exactly-once queue, Welsh first.

The post never touches the content folder: it is built in memory, validated
with the same rules as a repository post (language, length, alt text,
consent, rights), stored with ``source = "emergency"`` and its translation
source, given a review item due within ``review_within_working_days``, and
published at once by a dispatcher that claims only this post's deliveries.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from publisher.config import WEEKDAYS, Config
from publisher.content.memory import in_memory_post
from publisher.content.post import Post
from publisher.content.schema import MediaItem
from publisher.emergency.hours import add_working_days, next_at_work, team_at_work
from publisher.findings import Finding

SOURCES = ("template", "summary", "machine")
WAIVED = {"translation-unreviewed"}  # emergency posts are reviewed afterwards (policy 8.4, 8.5)


class Refused(Exception):
    """The emergency path may not be used now, or by this person; the message says why."""


@dataclass
class Emergency:
    """Everything the command line gathered."""

    accounts: list[str]
    en: str
    cy: str
    source: str  # template | summary | machine
    reason: str
    by: str
    override_hours: bool = False
    template: str | None = None
    media: Path | None = None
    alt_cy: str | None = None
    alt_en: str | None = None
    consent: str | None = None
    rights: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


def check_allowed(config: Config, by: str, now: datetime, override_hours: bool) -> None:
    """Refuse an unauthorised person, or the Translation Team's working hours without an override."""
    if by not in config.emergency_authorised:
        names = ", ".join(config.emergency_authorised) or "nobody (set [emergency] authorised in the config)"
        raise Refused(f"'{by}' may not use the emergency path; authorised: {names}")
    if team_at_work(config, now) and not override_hours:
        local = now.astimezone(config.timezone)
        _, until = config.translation_team.hours[WEEKDAYS[local.weekday()]]
        raise Refused(
            f"the Translation Team is at work now ({local:%A %H:%M}, until {until:%H:%M} {config.timezone.key}): send the post to them "
            "for translation instead (Translation Request Form, policy 8.3), or add it to the content repository "
            "once translated. Only if it cannot wait, use --override-hours with --reason."
        )


def next_available_note(config: Config, now: datetime) -> str:
    return f"the Translation Team is next at work {next_at_work(config, now):%A %d %B %H:%M}"


def build_post(config: Config, emergency: Emergency, now: datetime) -> Post:
    """The emergency post as an in-memory pair, ready for the rules and the queue."""
    digest = hashlib.sha256(f"{now.isoformat()}\0{emergency.cy}\0{emergency.en}".encode()).hexdigest()[:8]
    post_id = f"emergency/{now.astimezone(config.timezone):%Y-%m-%d-%H%M}-{digest}"
    where = config.content_dir / "emergency"
    media = None
    if emergency.media is not None:
        # Relative to the (virtual) post file, so media-missing applies the content-root rule as for any post.
        relative = os.path.relpath(emergency.media.resolve(), where)
        media = {
            language: MediaItem(file=relative, alt=alt, consent=emergency.consent, rights=emergency.rights, line=1)
            for language, alt in (("cy", emergency.alt_cy), ("en", emergency.alt_en))
        }
    return in_memory_post(post_id, emergency.cy, emergency.en, emergency.accounts, where, now.isoformat(),
                          media=media, reviewer="(emergency: awaiting review)")


def validate(config: Config, post: Post, source: str, now: datetime) -> list[Finding]:
    """The rules as for a repository post, less what the emergency path waives."""
    from publisher import rules
    from publisher.check import build_context

    findings = [f for f in rules.run(post, build_context(config, now)) if f.code not in WAIVED]
    if source in ("summary", "machine"):  # a summary may be shorter than the English (policy 8.4)
        findings = [f for f in findings if not (f.code == "welsh-parity" and "under half the length" in f.message)]
    return findings


def store_and_publish(config: Config, post: Post, emergency: Emergency, now: datetime) -> tuple[list[dict[str, str | None]], int]:
    """Queue the post (due now) with its review item, then publish it; returns each delivery's outcome and the review item's id."""
    from sqlalchemy import select

    from publisher.queue import models as m
    from publisher.queue.audit import record
    from publisher.queue.daemon import open_database
    from publisher.queue.dispatcher import Dispatcher
    from publisher.queue.sync import create_deliveries

    db = open_database(config)
    try:
        with db.sessions.begin() as session:
            row = m.Post(
                id=post.id, slug=post.slug, source="emergency", content_hash=post.id, revision=1, state=m.POST_ACTIVE,
                scheduled_at=now, local_time=f"{now.astimezone(config.timezone):%Y-%m-%dT%H:%M}", timezone=config.timezone.key,
                accounts=list(emergency.accounts), text_cy=post.text("cy"), text_en=post.text("en"),
                translation_source=emergency.source, first_seen=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            create_deliveries(session, config, row, post, now)
            due = add_working_days(config, now, config.translation_team.review_within_working_days)
            item = m.ReviewItem(post_id=post.id, translation_source=emergency.source, created_at=now, due_at=due)
            session.add(item)
            session.flush()
            item_id = item.id
            record(session, emergency.by, "emergency_post", post_id=post.id, at=now, detail={
                "reason": emergency.reason, "override_hours": emergency.override_hours, "source": emergency.source,
                "template": emergency.template, "variables": emergency.variables, "accounts": emergency.accounts,
                "cy": post.text("cy"), "en": post.text("en"),
            })
        dispatcher = Dispatcher(config, db.sessions, dialect=db.dialect)
        dispatcher.run_due(post_id=post.id)
        with db.sessions() as session:
            deliveries = session.scalars(select(m.Delivery).where(m.Delivery.post_id == post.id).order_by(m.Delivery.seq)).all()
            return [{"account": d.account, "language": d.language, "state": d.state, "url": d.remote_url, "error": d.last_error} for d in deliveries], item_id
    finally:
        db.engine.dispose()
