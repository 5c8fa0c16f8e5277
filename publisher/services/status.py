"""``publisher status``: each post's state per account and language, from the daemon's database (docs/commands.md).

It never creates a database: on an editor's laptop there is none, and one
made there would only mislead (and tempt someone to ``run --once`` from a
laptop). Where none exists, :class:`NoDatabase` says where the daemon's is
expected and how to point at it. With the posts: each account's latest
accounts check, the repository the daemon follows (and whether fetching
it works), the pauses, and each post's provenance (commit, author, Welsh
reviewer). Filters narrow it to a post, an account, a state or a period,
or to what needs a person. JSON shape::

    {"posts": [{"id", "slug", "state", "source", "scheduled_at", "local_time", "timezone",
                "schedule", "translation_source", "held_codes", "note", "commit", "author", "reviewer",
                "deliveries": [{"id", "account", "target", "platform", "language", "part",
                                "state", "attempts", "next_attempt_at", "published_at",
                                "remote_id", "remote_url", "last_error", "waiting_for",
                                "needs_attention"}]}],
     "accounts": [{"account", "platform", "checked_at", "identity", "token_expires_at",
                   "needs_person", "problems", "notes"}],
     "repository": {"url", "branch", "commit", "fetched_at", "failing_since", "error"} | null,
     "pauses": [{"account", "reason", "source", "from", "to", "by", "active", "ahead"}],
     "inbox": {"open", "welsh_open", "ack_overdue", "answer_overdue", "welsh_overdue",
               "hidden": [{"message", "account", "platform", "author", "by", "reason", "hidden_at"}]}}

The answers to inbox messages are not posts: ``inbox`` sums the inbox up
(the hidden comments of the last 30 days are how the Communications Team is
told of them, policy 12; docs/inbox.md).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from publisher.config import Config
from publisher.i18n import N_, _
from publisher.queue import models as m
from publisher.queue.accounts import latest
from publisher.queue.db import describe_location, open_existing
from publisher.queue.inbox_clock import clocks
from publisher.queue.pauses import Span, active, all_spans
from publisher.queue.queries import hidden_since
from publisher.queue.states import (
    WAITING_STATES,
    DeliveryState,
    MessageLanguage,
    PostSource,
    PostState,
)

# Whole sentences per language (Welsh mutates after "y"); the state stays the machine word.
_WAITS_FOR = {
    "cy": N_("waits for the Welsh post on %(account)s (%(state)s)"),
    "en": N_("waits for the English post on %(account)s (%(state)s)"),
    "cy+en": N_("waits for the combined post on %(account)s (%(state)s)"),
}
HIDDEN_SHOWN_FOR = timedelta(days=30)
STATES = sorted({s.value for s in PostState} | {s.value for s in DeliveryState})


class NoDatabase(LookupError):
    """There is no database to show: the message says where the daemon's is expected and how to point at it."""


class UnknownPost(LookupError):
    """The post asked for is not in the database; the message suggests one."""


@dataclass(frozen=True)
class Filters:
    """What ``status`` is narrowed to (all optional)."""

    post_id: str | None = None
    account: str | None = None
    state: str | None = None
    start: date | None = None  # local days, inclusive
    end: date | None = None
    failed: bool = False  # only what needs a person


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _waiting_for(delivery: m.Delivery, by_id: dict[int, m.Delivery], paused: list[Span]) -> str | None:
    """Why a queued delivery is not going out yet: a pause, or (Welsh first) the one before it."""
    if delivery.state not in WAITING_STATES:
        return None
    for span in paused:
        if span.applies_to({delivery.account, delivery.target}):
            if span.ended_at:
                until = f"{span.ended_at:%Y-%m-%d %H:%M}"
                return _("paused until %(until)s UTC: %(reason)s") % {"until": until, "reason": span.reason}
            return _("paused: %(reason)s") % {"reason": span.reason}
    for other_id in (delivery.depends_on_id, delivery.reply_to_id):
        other = by_id.get(other_id) if other_id is not None else None
        if other is not None and other.state != DeliveryState.PUBLISHED:
            message = _WAITS_FOR.get(other.language, N_("waits for the %(language)s post on %(account)s (%(state)s)"))
            return _(message) % {"language": other.language, "account": other.account, "state": other.state}
    return None


def _delivery(d: m.Delivery, by_id: dict[int, m.Delivery], paused: list[Span]) -> dict[str, Any]:
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
        "waiting_for": _waiting_for(d, by_id, paused),
        "needs_attention": bool(d.needs_attention),
    }


def _post(post: m.StoredPost, account: str | None, paused: list[Span]) -> dict[str, Any]:
    current = [d for d in post.deliveries if d.revision == post.revision]
    if account is not None:
        current = [d for d in current if account in (d.account, d.target)]
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
        "commit": post.commit_id,
        "author": post.commit_author,
        "reviewer": post.reviewer,
        "deliveries": [_delivery(d, by_id, paused) for d in current],
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


def _repository(session: Session) -> dict[str, Any] | None:
    row = session.get(m.RepositoryState, "content")
    if row is None:
        return None
    return {
        "url": row.url,
        "branch": row.branch,
        "commit": row.commit_id,
        "fetched_at": _iso(row.fetched_at),
        "failing_since": _iso(row.failing_since),
        "error": row.error,
    }


def _pause(span: Span, now: datetime) -> dict[str, Any]:
    return {
        "account": span.account,
        "reason": span.reason,
        "source": span.source,
        "from": _iso(span.started_at),
        "to": _iso(span.ended_at),
        "by": span.started_by,
        "active": span in active([span], now),
        "ahead": span.started_at > now,
    }


def _needs_a_person(post: m.StoredPost) -> bool:
    current = [d for d in post.deliveries if d.revision == post.revision]
    return post.state == PostState.HELD or any(d.state == DeliveryState.FAILED or d.needs_attention for d in current)


def _matches(config: Config, post: m.StoredPost, filters: Filters) -> bool:
    current = [d for d in post.deliveries if d.revision == post.revision]
    if filters.account is not None and not (
        filters.account in (post.accounts or []) or any(filters.account in (d.account, d.target) for d in current)
    ):
        return False
    if filters.state is not None and post.state != filters.state and all(d.state != filters.state for d in current):
        return False
    if filters.failed and not _needs_a_person(post):
        return False
    return _in_period(config, post.scheduled_at, filters)


def _in_period(config: Config, when: datetime | None, filters: Filters) -> bool:
    if filters.start is None and filters.end is None:
        return True
    if when is None:
        return False
    tz = config.timezone
    if filters.start is not None and when < datetime.combine(filters.start, time(0), tz):
        return False
    return filters.end is None or when < datetime.combine(filters.end + timedelta(days=1), time(0), tz)


def _posts(session: Session, config: Config, filters: Filters, paused: list[Span]) -> list[dict[str, Any]]:
    query = (
        select(m.StoredPost)
        .where(m.StoredPost.source != PostSource.INBOX)
        .options(selectinload(m.StoredPost.deliveries))
    )
    if filters.post_id is not None:
        query = query.where(m.StoredPost.id == filters.post_id)
    posts = session.scalars(query.order_by(m.StoredPost.scheduled_at, m.StoredPost.id)).all()
    if filters.post_id is not None and not posts:
        known = list(session.scalars(select(m.StoredPost.id)))
        match = difflib.get_close_matches(filters.post_id, known, n=1)
        if match:
            message = _("no post '%(post)s' in the database (did you mean '%(match)s'?)")
            raise UnknownPost(message % {"post": filters.post_id, "match": match[0]})
        raise UnknownPost(_("no post '%(post)s' in the database") % {"post": filters.post_id})
    return [_post(post, filters.account, paused) for post in posts if _matches(config, post, filters)]


def _hidden(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows = hidden_since(session, now - HIDDEN_SHOWN_FOR)
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


def no_database_message(config: Config) -> str:
    """Where the daemon's database is expected, and how to point at it."""
    return _(
        "no database at %(where)s ('database' in %(config)s). "
        "status reads the daemon's database and never creates one: run it on the daemon's host, "
        "or point at the daemon's database with PUBLISHER_DATABASE_URL or --config"
    ) % {"where": describe_location(config), "config": config.path}


def collect(config: Config, filters: Filters | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The posts (filtered), the accounts' latest checks, the followed repository, the pauses and the inbox."""
    filters = filters or Filters()
    now = now or datetime.now(UTC)
    with open_existing(config, upgrade=True) as db:
        if db is None:
            raise NoDatabase(no_database_message(config))
        with db.sessions() as session:
            spans = all_spans(session, config)
            paused = active(spans, now)
            return {
                "posts": _posts(session, config, filters, paused),
                "accounts": [_account(row) for row in latest(session)],
                "repository": _repository(session),
                "pauses": [
                    _pause(span, now)
                    for span in spans
                    if span.ended_at is None or span.ended_at > now - timedelta(days=30)
                ],
                "inbox": _inbox(session, now),
            }
