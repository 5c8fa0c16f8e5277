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
                   "needs_person", "problems", "notes"}],
     "inbox": {"open", "welsh_open", "ack_overdue", "answer_overdue", "welsh_overdue",
               "hidden": [{"message", "account", "platform", "author", "by", "reason", "hidden_at"}]}}

The answers to inbox messages are not posts: ``inbox`` sums the inbox up
(the hidden comments of the last 30 days are how the Communications Team is
told of them, policy 12; docs/inbox.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.accounts import latest
from publisher.queue.db import open_database
from publisher.queue.inbox_clock import clocks
from publisher.queue.states import WAITING_STATES, DeliveryState, MessageLanguage, PostSource, ResponseKind

_LABELS = {"cy": "Welsh", "en": "English", "cy+en": "combined"}
HIDDEN_SHOWN_FOR = timedelta(days=30)


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


def _posts(session: Session) -> list[dict[str, Any]]:
    posts = session.scalars(
        select(m.StoredPost)
        .where(m.StoredPost.source != PostSource.INBOX)
        .options(selectinload(m.StoredPost.deliveries))
        .order_by(m.StoredPost.scheduled_at, m.StoredPost.id)
    ).all()
    return [_post(post) for post in posts]


def _hidden(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(m.InboxMessage, m.InboxResponse, m.Delivery)
        .join(m.InboxResponse, m.InboxResponse.message_id == m.InboxMessage.id)
        .join(m.Delivery, m.Delivery.id == m.InboxResponse.delivery_id)
        .where(
            m.InboxResponse.kind == ResponseKind.HIDE,
            m.Delivery.state == DeliveryState.PUBLISHED,
            m.Delivery.published_at >= now - HIDDEN_SHOWN_FOR,
        )
        .order_by(m.Delivery.published_at)
    ).all()
    return [
        {
            "message": message.id,
            "account": message.account,
            "platform": message.platform,
            "author": message.author_handle,
            "by": response.by,
            "reason": response.reason,
            "hidden_at": _iso(delivery.published_at),
        }
        for message, response, delivery in rows
    ]


def _inbox(session: Session, now: datetime) -> dict[str, Any]:
    """How the inbox stands: open messages, those past their times (Welsh among them), recent hides."""
    messages = list(
        session.scalars(
            select(m.InboxMessage).where(m.InboxMessage.closed_at.is_(None), m.InboxMessage.redacted_at.is_(None))
        )
    )
    times = clocks(session, messages)
    waiting = [msg for msg in messages if times[msg.id].state in ("open", "acknowledged")]
    late = [msg for msg in waiting if times[msg.id].ack_overdue(now) or times[msg.id].answer_overdue(now)]
    return {
        "open": len(waiting),
        "welsh_open": sum(1 for msg in waiting if msg.language is MessageLanguage.WELSH),
        "ack_overdue": sum(1 for msg in waiting if times[msg.id].ack_overdue(now)),
        "answer_overdue": sum(1 for msg in waiting if times[msg.id].answer_overdue(now)),
        "welsh_overdue": sum(1 for msg in late if msg.language is MessageLanguage.WELSH),
        "hidden": _hidden(session, now),
    }


def overview(config: Config, now: datetime | None = None) -> dict[str, Any]:
    """``publisher status``: every post with its deliveries, the accounts' latest checks, and how the inbox stands."""
    with open_database(config) as db, db.sessions() as session:
        return {
            "posts": _posts(session),
            "accounts": [_account(row) for row in latest(session)],
            "inbox": _inbox(session, now or datetime.now(UTC)),
        }
