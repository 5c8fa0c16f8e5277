"""The audit trail: every state change a person may later be asked about, hash-chained (docs/commands.md "audit").

Each event records who did it (the name given, the operating-system user
and the host) and carries the hash of the event before it, so a row
changed or deleted afterwards breaks the chain, and ``publisher audit
verify`` says where. What people do (emergency posts, reviews, refusals)
also goes to an append-only log file beside the project, chained the same
way, so pointing the database elsewhere cannot make it vanish.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import socket
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, Table, event, insert, select, text
from sqlalchemy.orm import Session

from publisher.queue.models import AuditEvent

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x70756261  # "puba": serialises the chain when several daemons share PostgreSQL


@lru_cache(maxsize=1)
def who_runs_this() -> tuple[str, str]:
    """The operating-system user and the host, recorded with every event."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return user, socket.gethostname()


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields the chain covers, in a form that reads back the same from the database."""
    return {
        "id": event.id,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": event.actor,
        "action": event.action,
        "post_id": event.post_id,
        "delivery_id": event.delivery_id,
        "detail": event.detail or {},
        "os_user": event.os_user,
        "host": event.host,
    }


def chain_hash(previous: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


def _last_hash(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    post_id: str | None = None,
    delivery_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
    log_file: Path | None = None,
) -> AuditEvent:
    """Add a chained audit event to ``session`` (committed with the change it describes).

    With ``log_file`` (what people do), the event is also appended to that
    file once the transaction has committed.
    """
    os_user, host = who_runs_this()
    previous = _last_hash(session)
    event_row = AuditEvent(
        at=at or datetime.now(UTC),
        actor=actor,
        action=action,
        post_id=post_id,
        delivery_id=delivery_id,
        detail=detail or {},
        os_user=os_user,
        host=host,
        prev_hash=previous,
    )
    session.add(event_row)
    session.flush()  # the id is part of what is chained
    event_row.hash = chain_hash(previous, event_fields(event_row))
    if log_file is not None:
        _after_commit(session, log_file, event_row)
    return event_row


_EVENTS = cast(Table, AuditEvent.__table__)
_LAST = select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_ADD = insert(_EVENTS)
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) FROM generate_series(1, :n)")


def _event_ids(connection: Connection, last_id: int, count: int) -> list[int]:
    """Ids for ``count`` events after the last one: the chain is in id order, and each id is part of its hash.

    The chain's lock is held (the advisory lock on PostgreSQL, the write lock on
    SQLite), so no other event can come between: PostgreSQL's sequence hands
    them out, on SQLite they are the ids the table would have given.
    """
    if connection.dialect.name == "postgresql":
        return [int(value) for value in connection.execute(_NEXT_IDS, {"n": count}).scalars()]
    return list(range(last_id + 1, last_id + 1 + count))


def record_many(connection: Connection, actor: str, events: list[dict[str, Any]]) -> None:
    """:func:`record` for several events on a plain connection (the dispatcher's hot path), in one go.

    Each of ``events`` gives action, post_id, delivery_id and detail. They join
    the same chain as every other event, in order, under one acquisition of
    the chain's lock: one round trip for all of them instead of three each.
    """
    if not events:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = connection.execute(_LAST).one_or_none()
    previous = last.hash if last is not None and last.hash else GENESIS
    ids = _event_ids(connection, last.id if last is not None else 0, len(events))
    os_user, host = who_runs_this()
    at = datetime.now(UTC)
    rows = []
    for event_id, given in zip(ids, events, strict=True):
        fields = {"id": event_id, "at": at, "actor": actor, "os_user": os_user, "host": host, **given}
        chained = chain_hash(previous, event_fields(cast(AuditEvent, SimpleNamespace(**fields))))
        rows.append({**fields, "prev_hash": previous, "hash": chained})
        previous = chained
    connection.execute(_ADD, rows)


def _after_commit(session: Session, log_file: Path, event_row: AuditEvent) -> None:
    pending: list[tuple[Path, dict[str, Any]]] = session.info.setdefault("audit_lines", [])
    pending.append((log_file, {**event_fields(event_row), "hash": event_row.hash}))
    if not session.info.get("audit_listener"):
        session.info["audit_listener"] = True
        event.listen(session, "after_commit", _write_pending)


def _write_pending(session: Session) -> None:
    for log_file, fields in session.info.pop("audit_lines", []):
        append_line(log_file, fields)


def _last_line_hash(handle: Any) -> str:
    """The chain hash of the file's last line (read from the end: the file only grows)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 65536))
    lines = [line for line in handle.read().splitlines() if line.strip()]
    if not lines:
        return GENESIS
    try:
        return str(json.loads(lines[-1])["line_hash"])
    except (ValueError, KeyError):
        return "unreadable"


def append_line(log_file: Path, fields: dict[str, Any]) -> None:
    """Append one event to the log file, chained to the line before it (under a file lock)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            previous = _last_line_hash(handle)
            line_fields = {**fields, "prev_line_hash": previous}
            line_fields["line_hash"] = chain_hash(previous, line_fields)
            handle.seek(0, os.SEEK_END)
            handle.write(json.dumps(line_fields, ensure_ascii=False, sort_keys=True, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
