"""``publisher inbox list`` and ``show``: what needs an answer, in which language, and how long it has waited.

JSON shape of a message (docs/inbox.md)::

    {"id", "account", "platform", "kind", "author", "author_name", "received_at", "text", "url",
     "language", "language_basis", "needs", "thread": {"delivery", "language", "url"} | null,
     "assigned_to", "state", "acknowledged_at", "answered_at", "closed_at", "closed_reason", "hidden_at",
     "ack_due_at", "answer_due_at", "ack_overdue", "answer_overdue", "working_days_waiting", "pending"}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.i18n import _
from publisher.inbox.answers import UnknownMessage, needs, post_id
from publisher.queue import models as m
from publisher.queue.db import open_database
from publisher.queue.inbox_clock import Clock, clocks
from publisher.queue.states import MessageLanguage
from publisher.workdays import working_days_between


@dataclass(frozen=True)
class Filters:
    """What ``list`` shows: ``open`` (not yet answered nor closed, the default), ``overdue``, ``answered``,
    ``closed`` or ``all``; optionally one account, language or assignee."""

    state: str = "open"
    account: str | None = None
    language: str | None = None
    assigned: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def identity(message: m.InboxMessage) -> dict[str, Any]:
    """Who wrote a message, where, when and what: the part that list, show and a subject access export share."""
    return {
        "id": message.id,
        "account": message.account,
        "platform": message.platform,
        "kind": message.kind.value,
        "author": message.author_handle,
        "author_id": message.author_id,
        "author_name": message.author_name,
        "received_at": _iso(message.received_at),
        "text": message.text,
        "url": message.url,
        "language": message.language.value,
    }


def describe(
    config: Config, message: m.InboxMessage, clock: Clock, now: datetime, thread: m.Delivery | None
) -> dict[str, Any]:
    """One message with its clock, as list and show print it."""
    waiting_until = clock.answered_at or clock.closed_at or now
    return {
        **identity(message),
        "language_basis": message.language_basis,
        "needs": needs(message.language),
        "thread": {"delivery": thread.id, "language": thread.language, "url": thread.remote_url} if thread else None,
        "assigned_to": message.assigned_to,
        "state": clock.state,
        "acknowledged_at": _iso(clock.acknowledged_at),
        "answered_at": _iso(clock.answered_at),
        "closed_at": _iso(clock.closed_at),
        "closed_reason": message.closed_reason or ("hidden" if clock.hidden_at else None),
        "hidden_at": _iso(clock.hidden_at),
        "ack_due_at": _iso(message.ack_due_at),
        "answer_due_at": _iso(message.answer_due_at),
        "ack_overdue": clock.ack_overdue(now),
        "answer_overdue": clock.answer_overdue(now),
        "working_days_waiting": working_days_between(config, message.received_at, waiting_until),
        "pending": clock.pending,
    }


def _wanted(filters: Filters, clock: Clock, now: datetime) -> bool:
    if filters.state == "all":
        return True
    if filters.state == "overdue":
        return clock.ack_overdue(now) or clock.answer_overdue(now)
    if filters.state == "open":
        return clock.state in ("open", "acknowledged")
    return clock.state == filters.state


def _threads(session: Session, messages: list[m.InboxMessage]) -> dict[int, m.Delivery]:
    ids = {msg.our_delivery_id for msg in messages if msg.our_delivery_id is not None}
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(m.Delivery).where(m.Delivery.id.in_(ids)))}


def list_messages(config: Config, now: datetime, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """Messages as ``filters`` asks, the one due soonest first (Welsh first among equals)."""
    query = select(m.InboxMessage).where(m.InboxMessage.redacted_at.is_(None))
    if filters.account:
        query = query.where(m.InboxMessage.account == filters.account)
    if filters.language:
        query = query.where(m.InboxMessage.language == MessageLanguage(filters.language))
    if filters.assigned:
        query = query.where(m.InboxMessage.assigned_to == filters.assigned)
    with open_database(config) as db, db.sessions() as session:
        messages = list(session.scalars(query.order_by(m.InboxMessage.answer_due_at, m.InboxMessage.id)))
        times = clocks(session, messages)
        chosen = [msg for msg in messages if _wanted(filters, times[msg.id], now)]
        chosen.sort(key=lambda msg: (msg.answer_due_at, msg.language is not MessageLanguage.WELSH, msg.id))
        threads = _threads(session, chosen)
        return [describe(config, msg, times[msg.id], now, threads.get(msg.our_delivery_id or 0)) for msg in chosen]


def responses(session: Session, message: m.InboxMessage) -> list[dict[str, Any]]:
    rows = session.execute(
        select(m.InboxResponse, m.Delivery)
        .join(m.Delivery, m.Delivery.id == m.InboxResponse.delivery_id)
        .where(m.InboxResponse.message_id == message.id)
        .order_by(m.Delivery.seq)
    ).all()
    return [
        {
            "kind": response.kind.value,
            "by": response.by,
            "at": _iso(response.at),
            "reason": response.reason,
            "language": delivery.language,
            "text": delivery.text,
            "state": delivery.state.value,
            "published_at": _iso(delivery.published_at),
            "url": delivery.remote_url,
            "error": delivery.last_error,
        }
        for response, delivery in rows
    ]


def show_message(config: Config, message_id: int, now: datetime) -> dict[str, Any]:
    """One message: its clock, our post it answers, every response and the audit trail."""
    with open_database(config) as db, db.sessions() as session:
        message = session.get(m.InboxMessage, message_id)
        if message is None:
            raise UnknownMessage(_("no inbox message #%(message)d") % {"message": message_id})
        thread = session.get(m.Delivery, message.our_delivery_id) if message.our_delivery_id else None
        data = describe(config, message, clocks(session, [message])[message.id], now, thread)
        data["thread_text"] = thread.text if thread else None
        data["responses"] = responses(session, message)
        audit = session.scalars(
            select(m.AuditEvent).where(m.AuditEvent.post_id == post_id(message)).order_by(m.AuditEvent.at)
        ).all()
        data["history"] = [{"at": _iso(e.at), "by": e.actor, "action": e.action, "detail": e.detail} for e in audit]
        return data
