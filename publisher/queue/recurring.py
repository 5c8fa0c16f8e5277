"""Recurring posts: one post per slot of each schedule that carries its own texts (docs/schedules.md).

The post id is the occurrence key (schedule + local slot time), so a clock
change or a restart never produces two of one occurrence.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.memory import in_memory_post
from publisher.content.schedules import Schedule, slot_times
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.deliveries import create_deliveries
from publisher.queue.states import PostSource, PostState

RECURRING_HORIZON = timedelta(days=7)  # occurrences are created this far ahead, so status shows them


def _render(schedule: Schedule, local: datetime) -> tuple[str, str]:
    from publisher.text.templates import date_cy, date_en, environment

    assert schedule.recurring is not None
    values = {"date": local.date().isoformat(), "date_cy": date_cy(local.date()), "date_en": date_en(local.date())}
    cy = environment().from_string(schedule.recurring["cy"]).render(**values).strip()
    en = environment().from_string(schedule.recurring["en"]).render(**values).strip()
    return cy, en


def _occurrence(session: Session, config: Config, schedule: Schedule, slot: datetime, now: datetime) -> str | None:
    """Queue the occurrence at ``slot`` unless it exists; its id when created."""
    local = slot.astimezone(schedule.timezone)
    post_id = f"recurring/{schedule.name}/{local:%Y-%m-%dT%H:%M}"
    if session.get(m.StoredPost, post_id) is not None:
        return None
    cy, en = _render(schedule, local)
    post = in_memory_post(post_id, cy, en, schedule.accounts, config.content_dir, slot.isoformat())
    row = m.StoredPost(
        id=post_id,
        slug=post_id,
        source=PostSource.RECURRING,
        content_hash=hashlib.sha256(f"{cy}\0{en}".encode()).hexdigest(),
        revision=1,
        state=PostState.ACTIVE,
        scheduled_at=slot,
        local_time=f"{local:%Y-%m-%dT%H:%M}",
        timezone=schedule.timezone.key,
        schedule=schedule.name,
        accounts=list(schedule.accounts),
        text_cy=post.text("cy"),
        text_en=post.text("en"),
        first_seen=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    create_deliveries(session, config, row, post, now)
    record(
        session,
        "daemon",
        "queued",
        post_id=post_id,
        detail={"recurring": schedule.name, "scheduled_at": slot.isoformat()},
    )
    return post_id


def create_occurrences(session: Session, config: Config, schedules: dict[str, Schedule], now: datetime) -> list[str]:
    """Queue each recurring schedule's occurrences up to a week ahead; the ids of those created."""
    queued = []
    for schedule in schedules.values():
        if not schedule.recurring or not schedule.reviewed or schedule.problems or not schedule.slots:
            continue
        for slot in slot_times(schedule, now - config.max_lateness, config):
            if slot > now + RECURRING_HORIZON:
                break
            post_id = _occurrence(session, config, schedule, slot, now)
            if post_id is not None:
                queued.append(post_id)
    return queued
