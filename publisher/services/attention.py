"""What needs a person: the web's queue page (docs/web.md "Queue").

Deliveries that failed or whose outcome is unknown, posts held back by the
rules (with their codes), emergency posts whose Welsh review is overdue, and
accounts whose latest check needs someone: each read with one narrow query,
so the page stays fast with years of posts in the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.accounts import latest
from publisher.queue.db import open_database
from publisher.queue.pauses import active, all_spans
from publisher.queue.states import DeliveryState, PostState, ReviewState
from publisher.services.status import _account, _pause
from publisher.workdays import working_days_between

LIMIT = 200  # rows per section: more than that is a problem to solve, not to scroll through (the total is shown)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _failing() -> Any:
    d = m.Delivery
    return or_(d.state.in_((DeliveryState.FAILED, DeliveryState.UNKNOWN)), d.needs_attention == 1)


def _totals(session: Session) -> dict[str, int]:
    """How many rows each section has in all, when the page shows only the first LIMIT."""
    current = m.Delivery.revision == m.StoredPost.revision
    failing = select(func.count()).select_from(m.Delivery).join(m.StoredPost, m.StoredPost.id == m.Delivery.post_id)
    held = select(func.count()).select_from(m.StoredPost).where(m.StoredPost.state == PostState.HELD)
    return {
        "deliveries": int(session.scalar(failing.where(_failing(), current)) or 0),
        "held": int(session.scalar(held) or 0),
    }


def _deliveries(session: Session) -> list[dict[str, Any]]:
    d = m.Delivery
    rows = session.execute(
        select(
            d.id,
            d.post_id,
            m.StoredPost.source,
            d.account,
            d.language,
            d.part,
            d.action,
            d.state,
            d.attempts,
            d.last_error,
            d.needs_attention,
            d.updated_at,
        )
        .join(m.StoredPost, m.StoredPost.id == d.post_id)
        .where(
            _failing(),
            d.revision == m.StoredPost.revision,
        )
        .order_by(d.updated_at.desc())
        .limit(LIMIT)
    ).all()
    return [
        {
            "id": row.id,
            "post": row.post_id,
            "source": row.source.value,
            "account": row.account,
            "language": row.language,
            "part": row.part,
            "action": row.action.value,
            "state": row.state.value,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "needs_attention": bool(row.needs_attention),
            "updated_at": _iso(row.updated_at),
        }
        for row in rows
    ]


def _held(session: Session) -> list[dict[str, Any]]:
    posts = session.scalars(
        select(m.StoredPost)
        .where(m.StoredPost.state == PostState.HELD)
        .order_by(m.StoredPost.scheduled_at, m.StoredPost.id)
        .limit(LIMIT)
    ).all()
    return [
        {
            "id": p.id,
            "scheduled_at": _iso(p.scheduled_at),
            "held_codes": list(p.held_codes or []),
            "accounts": list(p.accounts or []),
            "note": p.note,
        }
        for p in posts
    ]


def _reviews(config: Config, session: Session, now: datetime) -> list[dict[str, Any]]:
    items = session.scalars(
        select(m.ReviewItem).where(m.ReviewItem.state == ReviewState.OPEN).order_by(m.ReviewItem.due_at).limit(LIMIT)
    ).all()
    return [
        {
            "id": item.id,
            "post": item.post_id,
            "due_at": _iso(item.due_at),
            "overdue": now > item.due_at,
            "overdue_working_days": working_days_between(config, item.due_at, now) if now > item.due_at else 0,
        }
        for item in items
    ]


def needs_a_person(config: Config, now: datetime) -> dict[str, Any]:
    """Failed and unknown deliveries, held posts, open reviews (overdue first), accounts with problems, pauses."""
    with open_database(config) as db, db.sessions() as session:
        return {
            "deliveries": _deliveries(session),
            "held": _held(session),
            "reviews": _reviews(config, session, now),
            "accounts": [a for a in (_account(row) for row in latest(session)) if a["needs_person"]],
            "pauses": [_pause(span, now) for span in active(all_spans(session, config), now)],
            "totals": _totals(session),
            "limit": LIMIT,
        }
