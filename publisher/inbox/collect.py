"""Collect what was addressed to the configured accounts: each message stored once (docs/inbox.md).

Per account, the adapter pages from the stored cursor; each page's new
messages and the cursor after them are written in one transaction, so a
kill -9 at any moment loses at most a page that is read again, and the
unique key (account, platform message id) with ``INSERT ... ON CONFLICT DO
NOTHING`` stores a message read twice only once. A rate limit pauses the
account until the platform's reset time; where reads cost money (X) the
account's daily cap is counted in the same transaction as the reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.post import normalise
from publisher.i18n import _
from publisher.inbox.classify import classify
from publisher.platforms.base import IncomingMessage, Page, Platform, PlatformError, RateLimited, RemotePost
from publisher.platforms.registry import make_adapter
from publisher.platforms.specs import SPECS
from publisher.queue import models as m
from publisher.queue.db import Database, open_database
from publisher.queue.states import DeliveryState, MessageKind
from publisher.workdays import add_working_days

log = logging.getLogger("publisher.inbox")

RATE_LIMIT_PAUSE = timedelta(minutes=15)  # when a platform says "too many requests" without a reset time
_CHUNK = 500

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class AccountFetch:
    """What collecting from one account did."""

    account: str
    platform: str
    new: int = 0
    seen: int = 0  # messages read that were already stored
    reads: int = 0  # paid reads spent (X)
    skipped: str | None = None  # why nothing was read (rate limited, daily cap reached, another collector)
    error: str | None = None


@dataclass
class FetchReport:
    accounts: list[AccountFetch]

    @property
    def new(self) -> int:
        return sum(a.new for a in self.accounts)

    @property
    def failed(self) -> bool:
        return any(a.error for a in self.accounts)

    def as_json(self) -> dict[str, Any]:
        return {"new": self.new, "accounts": [asdict(a) for a in self.accounts]}


def remote_json(post: RemotePost | None) -> dict[str, Any] | None:
    return None if post is None else {"id": post.id, "url": post.url, "extra": dict(post.extra)}


def _cursor(session: Session, account: str) -> m.InboxCursor:
    row = session.get(m.InboxCursor, account)
    if row is None:
        row = m.InboxCursor(account=account, reads=0)
        session.add(row)
        session.flush()
    return row


def _budget(config: Config, row: m.InboxCursor, now: datetime) -> int | None:
    """What is left of the account's daily paid-read cap (None: reads are free)."""
    cap = config.inbox.daily_reads.get(row.account)
    if cap is None:
        return None
    today = now.date().isoformat()
    if row.reads_day != today:
        row.reads_day, row.reads = today, 0
    return max(0, cap - row.reads)


def _our_posts(session: Session, account: str, messages: Sequence[IncomingMessage]) -> dict[str, tuple[int, str]]:
    """Our published posts these messages answer: remote id -> (delivery id, language)."""
    ids = sorted({p for msg in messages for p in (msg.parent_id, msg.root_id) if p})
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(m.Delivery.remote_id, m.Delivery.id, m.Delivery.language).where(
                m.Delivery.account == account,
                m.Delivery.remote_id.in_(ids[start : start + _CHUNK]),
                m.Delivery.state == DeliveryState.PUBLISHED,
            )
        )
        found.update({str(remote): (int(delivery), str(language)) for remote, delivery, language in rows})
    return found


def _row(
    config: Config, account: str, msg: IncomingMessage, ours: tuple[int, str] | None, now: datetime
) -> dict[str, Any]:
    """The database row for a new message: classified, attributed to our post, clocked in working days."""
    text = normalise(msg.text)
    found = classify(text, ours[1] if ours else None, msg.language_hint)
    received = min(msg.created_at.astimezone(UTC), now)
    inbox = config.inbox
    return {
        "account": account,
        "platform": SPECS[config.accounts[account].platform or ""].name,
        "remote_id": msg.remote_id,
        "kind": MessageKind(msg.kind),
        "url": msg.url,
        "author_id": msg.author_id[:255],
        "author_handle": msg.author_handle[:255],
        "author_name": (msg.author_name or "")[:255] or None,
        "text": text,
        "language": found.language,
        "language_basis": found.basis,
        "language_hint": (msg.language_hint or "")[:16] or None,
        "received_at": received,
        "collected_at": now,
        "parent_remote_id": msg.parent_id,
        "root_remote_id": msg.root_id,
        "our_delivery_id": ours[0] if ours else None,
        "reply_target": remote_json(msg.reply_target),
        "notice_target": remote_json(msg.notice_target),
        "hideable": msg.hideable,
        "ack_due_at": add_working_days(config, received, inbox.acknowledge_within).astimezone(UTC),
        "answer_due_at": add_working_days(config, received, inbox.answer_within).astimezone(UTC),
    }


def _insert(session: Session, dialect: str, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping any another collector stored meanwhile; how many were new."""
    if not rows:
        return 0
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(m.InboxMessage).on_conflict_do_nothing(index_elements=["account", "remote_id"])
    result = session.execute(statement.returning(m.InboxMessage.id), rows)
    return len(result.all())


def store_page(config: Config, db: Database, account: str, page: Page, now: datetime) -> tuple[int, int]:
    """One page in one transaction: its new messages, the cursor after them and the reads spent; (new, seen)."""
    unique = list({msg.remote_id: msg for msg in page.messages}.values())
    with db.sessions.begin() as session:
        known: set[str] = set()
        for start in range(0, len(unique), _CHUNK):
            ids = [msg.remote_id for msg in unique[start : start + _CHUNK]]
            known.update(
                session.scalars(
                    select(m.InboxMessage.remote_id).where(
                        m.InboxMessage.account == account, m.InboxMessage.remote_id.in_(ids)
                    )
                )
            )
        fresh = [msg for msg in unique if msg.remote_id not in known]
        ours = _our_posts(session, account, fresh)
        rows = [
            _row(config, account, msg, ours.get(msg.parent_id or "") or ours.get(msg.root_id or ""), now)
            for msg in fresh
        ]
        new = _insert(session, db.dialect, rows)
        cursor = _cursor(session, account)
        _budget(config, cursor, now)
        cursor.cursor = page.cursor
        cursor.reads += page.reads
        cursor.collected_at, cursor.retry_at, cursor.last_error = now, None, None
    return new, len(unique) - new


@contextmanager
def _exclusive(db: Database, account: str) -> Iterator[bool]:
    """On PostgreSQL, one collector per account at a time (an advisory lock that dies with its connection)."""
    if db.dialect != "postgresql":
        yield True
        return
    key = int.from_bytes(f"inbox:{account}".encode()[:8].ljust(8, b"\0"), "big", signed=True)
    with db.engine.connect() as connection:
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        try:
            yield got
        finally:
            if got:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def _ready(config: Config, db: Database, account: str, now: datetime) -> tuple[str | None, int | None, str | None]:
    """(the stored cursor, the paid reads left today, why nothing should be read now)."""
    with db.sessions.begin() as session:
        row = _cursor(session, account)
        budget = _budget(config, row, now)
        if row.retry_at is not None and row.retry_at > now:
            until = row.retry_at.isoformat(timespec="seconds")
            return row.cursor, budget, _("rate limited until %(until)s") % {"until": until}
        if budget == 0:
            return row.cursor, budget, _("daily read cap reached")
        return row.cursor, budget, None


def _failed(db: Database, account: str, exc: PlatformError, now: datetime) -> None:
    with db.sessions.begin() as session:
        row = _cursor(session, account)
        row.last_error = exc.message
        if isinstance(exc, RateLimited):
            row.retry_at = exc.retry_at if exc.retry_at and exc.retry_at > now else now + RATE_LIMIT_PAUSE


def collect_account(config: Config, db: Database, account: str, adapter: Platform, clock: Clock) -> AccountFetch:
    """Collect from one account, page by page, from its stored cursor."""
    result = AccountFetch(account=account, platform=adapter.name)
    with _exclusive(db, account) as mine:
        if not mine:
            result.skipped = _("another daemon is collecting from this account")
            return result
        cursor, budget, skip = _ready(config, db, account, clock())
        if skip:
            result.skipped = skip
            return result
        try:
            for page in adapter.collect(cursor, limit=budget):
                new, seen = store_page(config, db, account, page, clock())
                result.new, result.seen, result.reads = result.new + new, result.seen + seen, result.reads + page.reads
        except PlatformError as exc:
            _failed(db, account, exc, clock())
            result.error = exc.message
            log.warning("inbox: collecting from %s: %s", account, exc.message)
        except Exception as exc:  # one account's surprise must not stop the others
            log.exception("inbox: collecting from %s failed unexpectedly", account)
            _failed(
                db, account, PlatformError(adapter.redact(f"unexpected {type(exc).__name__}: {exc}")[:300]), clock()
            )
            result.error = f"unexpected {type(exc).__name__}"
    return result


def collect(config: Config, db: Database, *, only: Sequence[str] = (), clock: Clock = utcnow) -> FetchReport:
    """Collect from every configured inbox account (or those in ``only``), one after another."""
    timeout = config.daemon.request_timeout.total_seconds()
    report = FetchReport(accounts=[])
    for name in config.inbox.accounts:
        if only and name not in only:
            continue
        adapter = make_adapter(config.accounts[name], timeout=timeout)
        report.accounts.append(collect_account(config, db, name, adapter, clock))
        if report.accounts[-1].new:
            log.info("inbox: %d new message(s) for %s", report.accounts[-1].new, name)
    return report


def fetch(config: Config, only: Sequence[str] = ()) -> FetchReport:
    """``publisher inbox fetch``: collect once, now."""
    with open_database(config) as db:
        return collect(config, db, only=only)
