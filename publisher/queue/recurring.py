"""Recurring posts: one post per slot of each schedule that carries its own texts (docs/schedules.md).

The post id is the occurrence key (schedule + local slot time), so a clock
change or a restart never produces two of one occurrence. Each occurrence
is checked with the same rules as any post; one whose texts cannot be
rendered, or break a rule, is *held* with its codes (and tried again while
its slot is ahead, so fixing the schedule fixes it) and the daemon goes on.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from publisher import rules
from publisher.config import Config
from publisher.content.memory import in_memory_post
from publisher.content.post import Post
from publisher.content.schedules import Schedule, slot_times
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.deliveries import create_deliveries
from publisher.queue.states import PostSource, PostState
from publisher.text.templates import TemplateError, date_cy, date_en, render_text

log = logging.getLogger("publisher.sync")

RECURRING_HORIZON = timedelta(days=7)  # occurrences are created this far ahead, so status shows them


def _render(schedule: Schedule, local: datetime) -> tuple[str, str]:
    assert schedule.recurring is not None
    values = {"date": local.date().isoformat(), "date_cy": date_cy(local.date()), "date_en": date_en(local.date())}
    cy = render_text(schedule.recurring["cy"], values).strip()
    en = render_text(schedule.recurring["en"], values).strip()
    return cy, en


def _row(post_id: str, schedule: Schedule, slot: datetime, now: datetime) -> m.StoredPost:
    local = slot.astimezone(schedule.timezone)
    return m.StoredPost(
        id=post_id,
        slug=post_id,
        source=PostSource.RECURRING,
        content_hash="",
        revision=0,
        state=PostState.HELD,
        scheduled_at=slot,
        local_time=f"{local:%Y-%m-%dT%H:%M}",
        timezone=schedule.timezone.key,
        schedule=schedule.name,
        accounts=list(schedule.accounts),
        first_seen=now,
        updated_at=now,
    )


def _judge(
    config: Config, schedule: Schedule, post_id: str, slot: datetime, ctx: rules.Context
) -> tuple[Post | None, list[str], str | None]:
    """The occurrence as a post and its error codes, or the reason it cannot be rendered."""
    try:
        cy, en = _render(schedule, slot.astimezone(schedule.timezone))
    except TemplateError as exc:
        return None, ["schedule-invalid"], f"the recurring texts cannot be rendered: {exc}"
    post = in_memory_post(
        post_id, cy, en, schedule.accounts, config.content_dir, slot.isoformat(), reviewer=schedule.reviewer
    )
    errors = sorted({f.code for f in rules.run(post, ctx) if f.severity == "error" and f.code != "schedule-invalid"})
    return post, errors, None


def _occurrence(
    session: Session, config: Config, schedule: Schedule, slot: datetime, now: datetime, ctx: rules.Context
) -> tuple[str, list[str]] | None:
    """Queue (or hold) the occurrence at ``slot`` unless already queued: (its id, its error codes) if it changed."""
    local = slot.astimezone(schedule.timezone)
    post_id = f"recurring/{schedule.name}/{local:%Y-%m-%dT%H:%M}"
    row = session.get(m.StoredPost, post_id)
    if row is not None and (row.state != PostState.HELD or slot <= now):
        return None
    post, errors, problem = _judge(config, schedule, post_id, slot, ctx)
    content_hash = hashlib.sha256(f"{post.text('cy')}\0{post.text('en')}".encode()).hexdigest() if post else ""
    if row is not None and row.held_codes == errors and row.content_hash == content_hash:
        return None  # still held for the same reasons
    if row is None:
        row = _row(post_id, schedule, slot, now)
        session.add(row)
    row.content_hash, row.updated_at = content_hash, now
    row.text_cy, row.text_en = (post.text("cy"), post.text("en")) if post else ("", "")
    if post is None or errors:
        row.state, row.held_codes, row.note = PostState.HELD, errors, problem
        log.warning("held %s: %s", post_id, problem or f"validation errors {', '.join(errors)}")
        record(session, "daemon", "held", post_id=post_id, detail={"codes": errors, "problem": problem})
        return post_id, errors
    row.state, row.held_codes, row.note = PostState.ACTIVE, [], None
    row.revision += 1
    session.flush()
    create_deliveries(session, config, row, post, now)
    record(
        session,
        "daemon",
        "queued",
        post_id=post_id,
        detail={"recurring": schedule.name, "scheduled_at": slot.isoformat()},
    )
    return post_id, []


def create_occurrences(
    session: Session, config: Config, schedules: dict[str, Schedule], now: datetime
) -> tuple[list[str], dict[str, list[str]]]:
    """Queue each recurring schedule's occurrences up to a week ahead: (ids queued, {id held: codes})."""
    ctx: rules.Context | None = None
    queued: list[str] = []
    held: dict[str, list[str]] = {}
    for schedule in schedules.values():
        if not schedule.recurring or not schedule.reviewed or schedule.problems or not schedule.slots:
            continue
        ctx = ctx or rules.build_context(config, now)
        for slot in slot_times(schedule, now - config.max_lateness, config):
            if slot > now + RECURRING_HORIZON:
                break
            changed = _occurrence(session, config, schedule, slot, now, ctx)
            if changed is not None and changed[1]:
                held[changed[0]] = changed[1]
            elif changed is not None:
                queued.append(changed[0])
    return queued, held
