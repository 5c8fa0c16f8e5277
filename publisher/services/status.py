"""``publisher status``: every post's state per account and language, from the queue database (docs/commands.md).

With them, each account's latest accounts check (run by the daemon at start
and daily, or by ``publisher accounts check``), so an expiring token or a bio
that needs a person shows where people look. JSON shape::

    {"posts": [{"id", "slug", "state", "source", "scheduled_at", "local_time", "timezone",
                "schedule", "translation_source", "held_codes", "note",
                "deliveries": [{"id", "account", "target", "platform", "language", "part",
                                "state", "attempts", "next_attempt_at", "published_at",
                                "remote_id", "remote_url", "last_error", "waiting_for",
                                "needs_attention"}]}],
     "accounts": [{"account", "platform", "checked_at", "identity", "token_expires_at",
                   "needs_person", "problems", "notes"}]}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.accounts import latest
from publisher.queue.db import open_database
from publisher.queue.states import WAITING_STATES, DeliveryState

_LABELS = {"cy": "Welsh", "en": "English", "cy+en": "combined"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _waiting_for(delivery: m.Delivery, by_id: dict[int, m.Delivery]) -> str | None:
    """Why a queued delivery is not going out yet (Welsh first: the one before it)."""
    if delivery.state not in WAITING_STATES:
        return None
    for other_id in (delivery.depends_on_id, delivery.reply_to_id):
        other = by_id.get(other_id) if other_id is not None else None
        if other is not None and other.state != DeliveryState.PUBLISHED:
            label = _LABELS.get(other.language, other.language)
            return f"waits for the {label} post on {other.account} ({other.state})"
    return None


def _delivery(d: m.Delivery, by_id: dict[int, m.Delivery]) -> dict[str, Any]:
    return {
        "id": d.id,
        "account": d.account,
        "target": d.target,
        "platform": d.platform,
        "language": d.language,
        "part": d.part,
        "state": d.state.value,
        "attempts": d.attempts,
        "next_attempt_at": _iso(d.next_attempt_at),
        "published_at": _iso(d.published_at),
        "remote_id": d.remote_id,
        "remote_url": d.remote_url,
        "last_error": d.last_error,
        "waiting_for": _waiting_for(d, by_id),
        "needs_attention": bool(d.needs_attention),
    }


def _post(post: m.StoredPost) -> dict[str, Any]:
    current = [d for d in post.deliveries if d.revision == post.revision]
    by_id = {d.id: d for d in post.deliveries}
    return {
        "id": post.id,
        "slug": post.slug,
        "state": post.state.value,
        "source": post.source.value,
        "scheduled_at": _iso(post.scheduled_at),
        "local_time": post.local_time,
        "timezone": post.timezone,
        "schedule": post.schedule,
        "translation_source": post.translation_source.value,
        "held_codes": list(post.held_codes or []),
        "note": post.note,
        "deliveries": [_delivery(d, by_id) for d in current],
    }


def _account(row: m.AccountCheck) -> dict[str, Any]:
    return {
        "account": row.account,
        "platform": row.platform,
        "checked_at": _iso(row.checked_at),
        "identity": row.identity,
        "token_expires_at": _iso(row.token_expires_at),
        "needs_person": bool(row.problems),
        "problems": list(row.problems or []),
        "notes": list(row.notes or []),
    }


def collect(config: Config) -> dict[str, list[dict[str, Any]]]:
    """Every post in the database, in schedule order, with its current deliveries; and the accounts' latest checks."""
    with open_database(config) as db, db.sessions() as session:
        posts = session.scalars(
            select(m.StoredPost)
            .options(selectinload(m.StoredPost.deliveries))
            .order_by(m.StoredPost.scheduled_at, m.StoredPost.id)
        ).all()
        return {"posts": [_post(post) for post in posts], "accounts": [_account(row) for row in latest(session)]}
