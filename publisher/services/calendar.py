"""The calendar and a post's page: what goes out when, and how it stands on each account (docs/web.md).

The same data as ``publisher status`` (each post's deliveries per account and
language), for a range of local days, with each account's state summed up
as people ask about it: scheduled, published (with its links), held (with
its codes), failed, unknown, retrying, cancelled, expired.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.db import open_database
from publisher.queue.pauses import Span, active, all_spans
from publisher.queue.states import Action, DeliveryState, PostSource, PostState
from publisher.services.status import _delivery, _post
from publisher.text.length import measure

# What an account's deliveries of a post say, most urgent first: the first state any delivery is in wins.
_URGENT = (
    (DeliveryState.FAILED, "failed"),
    (DeliveryState.UNKNOWN, "unknown"),
    (DeliveryState.PUBLISHING, "publishing"),
    (DeliveryState.RETRY_WAIT, "retrying"),
    (DeliveryState.QUEUED, "scheduled"),
    (DeliveryState.EXPIRED, "expired"),
    (DeliveryState.CANCELLED, "cancelled"),
)
_POST_STATES = {PostState.HELD: "held", PostState.CANCELLED: "cancelled", PostState.EXPIRED: "expired"}
STATES = (
    "scheduled",
    "paused",
    "published",
    "held",
    "failed",
    "unknown",
    "retrying",
    "publishing",
    "cancelled",
    "expired",
)


@dataclass(frozen=True)
class CalendarFilter:
    """Which posts the calendar shows: local days ``first``..``last``, optionally one account or state."""

    first: date
    last: date
    account: str | None = None
    state: str | None = None


def account_state(post_state: PostState, deliveries: list[Any], paused: bool = False) -> str:
    """One word for how a post stands on one account; ``paused``: a pause holds what is still to go there."""
    if post_state in _POST_STATES:
        return _POST_STATES[post_state]
    states = {d.state for d in deliveries}
    for state, word in _URGENT:
        if state in states:
            return "paused" if paused and word in ("scheduled", "retrying") else word
    if states:
        return "published"
    return "paused" if paused else "scheduled"


def _accounts(post: Any, deliveries: list[Any], paused: list[Span]) -> list[dict[str, Any]]:
    """Each account the post names (or has deliveries on), with its state and live links.

    ``post`` and ``deliveries`` are rows or ORM objects: only their columns are read, so the
    calendar loads columns, not objects (docs/web.md: the month renders fast with years of posts).
    """
    current: dict[str, list[Any]] = defaultdict(list)
    for delivery in deliveries:
        current[delivery.target].append(delivery)
    names = list(dict.fromkeys([*(str(a) for a in post.accounts or []), *current]))
    return [
        {
            "account": name,
            "state": account_state(post.state, current.get(name, []), _held_by(paused, post, name, current)),
            "links": [
                {"language": d.language, "url": d.remote_url}
                for d in current.get(name, [])
                if d.remote_url and d.part == 0
            ],
        }
        for name in names
    ]


def _held_by(paused: list[Span], post: Any, name: str, current: dict[str, list[Any]]) -> bool:
    """Whether a pause in force holds this account's part of the post (emergency posts are never paused)."""
    if not paused or post.source is PostSource.EMERGENCY:
        return False
    names = {name, *(d.account for d in current.get(name, []))}
    return any(span.applies_to(names) for span in paused)


def _summary(config: Config, post: Any, deliveries: list[Any], paused: list[Span]) -> dict[str, Any]:
    local = post.scheduled_at.astimezone(config.timezone) if post.scheduled_at else None
    return {
        "id": post.id,
        "source": post.source.value,
        "state": post.state.value,
        "day": local.date().isoformat() if local else None,
        "time": f"{local:%H:%M}" if local else None,
        "held_codes": list(post.held_codes or []),
        "accounts": _accounts(post, deliveries, paused),
    }


def _wanted(summary: dict[str, Any], chosen: CalendarFilter) -> bool:
    if chosen.account:
        summary["accounts"] = [a for a in summary["accounts"] if a["account"] == chosen.account]
        if not summary["accounts"]:
            return False
    return not chosen.state or any(a["state"] == chosen.state for a in summary["accounts"])


def _utc_range(config: Config, first: date, last: date) -> tuple[datetime, datetime]:
    tz = config.timezone
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


_POST_COLUMNS = (
    m.StoredPost.id,
    m.StoredPost.source,
    m.StoredPost.state,
    m.StoredPost.scheduled_at,
    m.StoredPost.held_codes,
    m.StoredPost.accounts,
)
_DELIVERY_COLUMNS = (
    m.Delivery.post_id,
    m.Delivery.account,
    m.Delivery.target,
    m.Delivery.state,
    m.Delivery.language,
    m.Delivery.remote_url,
    m.Delivery.part,
)


def _in_range(query: Any, start: datetime, end: datetime) -> Any:
    return query.where(
        m.StoredPost.source != PostSource.INBOX, m.StoredPost.scheduled_at >= start, m.StoredPost.scheduled_at < end
    )


def calendar(config: Config, chosen: CalendarFilter) -> dict[str, Any]:
    """Posts due on local days ``first``..``last`` (the inbox's answers left out), by day, filtered."""
    start, end = _utc_range(config, chosen.first, chosen.last)
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_post: dict[str, list[Any]] = defaultdict(list)
    with open_database(config) as db, db.sessions() as session:
        posts = session.execute(
            _in_range(select(*_POST_COLUMNS), start, end).order_by(m.StoredPost.scheduled_at, m.StoredPost.id)
        ).all()
        current = (
            select(*_DELIVERY_COLUMNS)
            .join(m.StoredPost, m.StoredPost.id == m.Delivery.post_id)
            .where(m.Delivery.revision == m.StoredPost.revision, m.Delivery.action == Action.PUBLISH)
            .order_by(m.Delivery.seq)
        )
        for delivery in session.execute(_in_range(current, start, end)):
            by_post[delivery.post_id].append(delivery)
        paused = _paused(session, config)
    for post in posts:
        summary = _summary(config, post, by_post.get(post.id, []), paused)
        if _wanted(summary, chosen):
            days[summary["day"]].append(summary)
    return {
        "first": chosen.first.isoformat(),
        "last": chosen.last.isoformat(),
        "accounts": sorted(config.accounts),
        "states": list(STATES),
        "days": dict(days),
    }


class NoSuchPost(LookupError):
    """No post in the database has this id."""


def _paused(session: Session, config: Config) -> list[Span]:
    """The pauses in force now (``publisher pause`` and the configured quiet periods)."""
    return active(all_spans(session, config), datetime.now(UTC))


def _measured(delivery: m.Delivery, by_id: dict[int, m.Delivery], paused: list[Span]) -> dict[str, Any]:
    length = measure(delivery.platform, delivery.text)
    return {
        **_delivery(delivery, by_id, paused),
        "action": delivery.action.value,
        "text": delivery.text,
        "length": length.length,
        "limit": length.limit,
        "media": list(delivery.media or []),
    }


def _history(session: Session, post_id: str) -> list[dict[str, Any]]:
    events = session.scalars(
        select(m.AuditEvent).where(m.AuditEvent.post_id == post_id).order_by(m.AuditEvent.id.desc()).limit(50)
    ).all()
    return [{"at": e.at.isoformat(), "by": e.actor, "action": e.action} for e in events]


def post_detail(config: Config, post_id: str) -> dict[str, Any]:
    """One post as stored: its texts, every delivery with its length as the platform counts it, and its history."""
    with open_database(config) as db, db.sessions() as session:
        post = session.get(m.StoredPost, post_id, options=[selectinload(m.StoredPost.deliveries)])
        if post is None or post.source is PostSource.INBOX:
            raise NoSuchPost(post_id)
        by_id = {d.id: d for d in post.deliveries}
        paused = _paused(session, config)
        data = _post(post, None, paused)
        data["deliveries"] = [_measured(d, by_id, paused) for d in post.deliveries if d.revision == post.revision]
        current = [d for d in post.deliveries if d.revision == post.revision and d.action is Action.PUBLISH]
        data.update(_summary(config, post, current, paused))
        data.update(text_cy=post.text_cy, text_en=post.text_en)
        data["history"] = _history(session, post_id)
        return data
