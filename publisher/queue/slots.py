"""Schedule slots: each post that names a schedule gets the next free slot, stored (docs/schedules.md).

An assigned slot is stable across restarts and other posts' changes;
deleting a post frees its slot for the next one if the slot is still ahead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.schedules import Schedule, slot_times
from publisher.queue import models as m


def assign_slot(
    session: Session, config: Config, schedule: Schedule, row: m.StoredPost, now: datetime
) -> datetime | None:
    """The post's slot: the one stored (stable across restarts and edits), else the earliest free future slot."""
    existing = session.scalar(select(m.SlotAssignment).where(m.SlotAssignment.post_id == row.id))
    if existing is not None:
        if existing.schedule == schedule.name:
            return existing.slot_at
        session.delete(existing)
        session.flush()
    taken = set(
        session.scalars(
            select(m.SlotAssignment.slot_at).where(
                m.SlotAssignment.schedule == schedule.name, m.SlotAssignment.slot_at >= now
            )
        )
    )
    for slot in slot_times(schedule, now, config):
        if slot not in taken:
            session.add(m.SlotAssignment(schedule=schedule.name, slot_at=slot, post_id=row.id, assigned_at=now))
            session.flush()
            return slot
    return None


def release_slot(session: Session, post_id: str, now: datetime) -> None:
    """Free the post's slot for the next post, if the slot is still in the future."""
    session.execute(delete(m.SlotAssignment).where(m.SlotAssignment.post_id == post_id, m.SlotAssignment.slot_at > now))
