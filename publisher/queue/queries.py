"""Small read-only questions other layers ask the queue database.

Kept apart from the dispatcher and sync so that ``check`` and ``preview``
can ask them of a database they only read (:func:`publisher.queue.db.open_existing`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.queue.models import Delivery, InboxMessage, InboxResponse, SlotAssignment
from publisher.queue.states import DeliveryState, ResponseKind


def published_post_ids(session: Session) -> frozenset[str]:
    """Ids of posts with at least one delivery published (they are never 'late')."""
    rows = session.execute(select(Delivery.post_id).where(Delivery.state == DeliveryState.PUBLISHED).distinct())
    return frozenset(row[0] for row in rows)


def assigned_slot(session: Session, post_id: str) -> datetime | None:
    """The slot the daemon assigned to a post that names a schedule, if any."""
    return session.scalar(select(SlotAssignment.slot_at).where(SlotAssignment.post_id == post_id))


def hidden_since(session: Session, since: datetime) -> list[tuple[InboxMessage, InboxResponse, Delivery]]:
    """Comments hidden on a platform since ``since``, oldest first: shown in ``status`` and mailed to the
    Communications Team (policy 12; docs/inbox.md)."""
    statement = (
        select(InboxMessage, InboxResponse, Delivery)
        .join(InboxResponse, InboxResponse.message_id == InboxMessage.id)
        .join(Delivery, Delivery.id == InboxResponse.delivery_id)
        .where(
            InboxResponse.kind == ResponseKind.HIDE,
            Delivery.state == DeliveryState.PUBLISHED,
            Delivery.published_at >= since,
        )
        .order_by(Delivery.published_at)
    )
    return [(message, response, delivery) for message, response, delivery in session.execute(statement)]
