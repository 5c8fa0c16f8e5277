"""Schedule slots: each post that names a schedule gets the next free slot, stored (docs/schedules.md).

An assigned slot is stable across restarts and other posts' changes;
deleting a post frees its slot for the next one if the slot is still ahead.
A slot missed while the daemon was down moves to the next free slot
instead of expiring.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.schedules import Schedule, slot_times
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.states import WAITING_STATES, PostSource


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


def move_to_next_slot(
    session: Session, config: Config, schedule: Schedule | None, row: m.StoredPost, now: datetime
) -> datetime | None:
    """A missed slot (the daemon was down past max_lateness) gives way to the next free one; None if none.

    Only a post that took a slot moves: one with its own ``publish_at`` expires.
    """
    if schedule is None or not schedule.slots or row.source != PostSource.CONTENT:
        return None
    existing = session.scalar(select(m.SlotAssignment).where(m.SlotAssignment.post_id == row.id))
    if existing is None:
        return None
    session.delete(existing)
    session.flush()
    slot = assign_slot(session, config, schedule, row, now)
    if slot is None:
        return None
    missed = row.scheduled_at
    row.scheduled_at = slot
    row.local_time = f"{slot.astimezone(schedule.timezone):%Y-%m-%dT%H:%M} ({schedule.name} slot)"
    row.note = f"slot {missed:%Y-%m-%d %H:%M} UTC was missed; moved to the next free slot" if missed else None
    row.updated_at = now
    session.execute(
        update(m.Delivery)
        .where(m.Delivery.post_id == row.id, m.Delivery.state.in_(WAITING_STATES))
        .values(next_attempt_at=slot, updated_at=now)
    )
    record(session, "daemon", "slot_moved", post_id=row.id, detail={"from": str(missed), "to": slot.isoformat()})
    return slot
