"""``publisher audit verify``: is the audit trail whole? (docs/commands.md "audit").

Recomputes the hash chain over the database's audit events and over the
append-only audit log file, and checks that every event in the file is in
the database unchanged. A row changed or deleted, a line edited or removed,
an event that was never written to the database: each is a problem, named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from publisher.config import Config
from publisher.files import MIB, UnreadableFile, read_bounded
from publisher.i18n import _
from publisher.queue.audit import GENESIS, chain_hash, event_fields
from publisher.queue.db import open_database
from publisher.queue.models import AuditEvent

MAX_LOG = 512 * MIB


@dataclass
class AuditReport:
    """What the verification found: how much it read, and each problem in words."""

    events: int = 0
    lines: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {"events": self.events, "log_lines": self.lines, "whole": self.whole, "problems": self.problems}


def _verify_database(config: Config, report: AuditReport) -> dict[int, str]:
    """Walk the chain in the database; returns each event's stored hash by id."""
    hashes: dict[int, str] = {}
    previous = GENESIS
    with open_database(config) as db, db.sessions() as session:
        for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            report.events += 1
            if row.prev_hash != previous:
                report.problems.append(
                    _(
                        "audit event #%(event)d does not follow the one before it: "
                        "events before it were deleted or changed"
                    )
                    % {"event": row.id}
                )
            if row.hash != chain_hash(row.prev_hash or GENESIS, event_fields(row)):
                report.problems.append(
                    _("audit event #%(event)d (%(action)s by %(actor)s) was changed after it was written")
                    % {"event": row.id, "action": row.action, "actor": row.actor}
                )
            hashes[row.id] = row.hash or ""
            previous = row.hash or ""
    return hashes


def _log_lines(path: Path, report: AuditReport) -> list[dict[str, Any]]:
    try:
        text = read_bounded(path, MAX_LOG).decode("utf-8")
    except FileNotFoundError:
        return []
    except (UnreadableFile, UnicodeDecodeError) as exc:
        report.problems.append(_("the audit log %(path)s cannot be read: %(error)s") % {"path": path, "error": exc})
        return []
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lines.append({"_line": number, **json.loads(line)})
        except ValueError:
            message = _("%(path)s:%(line)d: not an audit record (the file was edited)")
            report.problems.append(message % {"path": path, "line": number})
    return lines


def _verify_log(path: Path, hashes: dict[int, str], report: AuditReport) -> None:
    previous = GENESIS
    for fields in _log_lines(path, report):
        number = fields.pop("_line")
        report.lines += 1
        stated = fields.pop("line_hash", None)
        if fields.get("prev_line_hash") != previous or stated != chain_hash(previous, fields):
            message = _("%(path)s:%(line)d: the audit log was edited here (its chain is broken)")
            report.problems.append(message % {"path": path, "line": number})
        previous = stated or ""
        event_id = fields.get("id")
        if hashes.get(int(event_id or 0)) != fields.get("hash"):
            message = _(
                "%(path)s:%(line)d: event #%(event)s (%(action)s by %(actor)s at %(at)s) is missing or different "
                "in the database"
            )
            values = {"action": fields.get("action"), "actor": fields.get("actor"), "at": fields.get("at")}
            report.problems.append(message % {"path": path, "line": number, "event": event_id, **values})


def verify(config: Config) -> AuditReport:
    """Check the database's chain, the log file's chain, and that they agree."""
    report = AuditReport()
    hashes = _verify_database(config, report)
    _verify_log(config.audit_log, hashes, report)
    return report


def recent_events(config: Config, limit: int = 200, actor: str | None = None) -> list[dict[str, Any]]:
    """The latest audit events, newest first (optionally one person's): the web's audit page."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    with open_database(config) as db, db.sessions() as session:
        return [
            {
                "id": row.id,
                "at": row.at.isoformat(),
                "actor": row.actor,
                "action": row.action,
                "post": row.post_id,
                "detail": json.dumps(row.detail or {}, ensure_ascii=False, sort_keys=True),
            }
            for row in session.scalars(query)
        ]
