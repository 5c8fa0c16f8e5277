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

from sqlalchemy import Connection, Table, bindparam, event, insert, select, text, update
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
_LAST_HASH = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_ADD = insert(_EVENTS)
_SEAL = update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(hash=bindparam("b_hash"))


def record_on(
    connection: Connection,
    actor: str,
    action: str,
    *,
    post_id: str | None,
    delivery_id: int | None,
    detail: dict[str, Any],
    at: datetime | None = None,
) -> None:
    """:func:`record` on a plain connection (the dispatcher's hot path): the same event and the same chain."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    previous = connection.execute(_LAST_HASH).scalar() or GENESIS
    os_user, host = who_runs_this()
    fields = {
        "at": at or datetime.now(UTC),
        "actor": actor,
        "action": action,
        "post_id": post_id,
        "delivery_id": delivery_id,
        "detail": detail,
        "os_user": os_user,
        "host": host,
    }
    added = connection.execute(_ADD, {**fields, "prev_hash": previous})
    assert added.inserted_primary_key is not None  # an INSERT always has one
    event_id = added.inserted_primary_key[0]
    chained = chain_hash(previous, event_fields(cast(AuditEvent, SimpleNamespace(id=event_id, **fields))))
    connection.execute(_SEAL, {"b_id": event_id, "b_hash": chained})


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
