"""What the emergency and review tests share: the example texts, the command, the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result

from publisher.cli import cli

from conftest import Project

LONDON = ZoneInfo("Europe/London")
EN = "The A483 at Llandrindod is closed because of a collapsed wall. Please avoid the area."
CY = "Mae'r A483 yn Llandrindod ar gau oherwydd wal wedi dymchwel. Osgowch yr ardal os gwelwch yn dda."
BASE_ARGS = ("--account", "local", "--en", EN, "--cy", CY, "--reason", "wall collapsed", "--yes")


def local(*args: int) -> datetime:
    """A moment in Welsh local time."""
    return datetime(*args, tzinfo=LONDON)


def run_emergency(project: Project, *args: str) -> Result:
    """``publisher emergency ARGS`` in the project, in-process."""
    return CliRunner().invoke(cli, ["emergency", *args], catch_exceptions=False)


def audit_events(project: Project) -> list[dict[str, Any]]:
    """The project's audit trail, oldest first."""
    from sqlalchemy import select

    from publisher.queue.db import open_database
    from publisher.queue.models import AuditEvent

    with open_database(project.config()) as db, db.sessions() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.detail).order_by(AuditEvent.id)
        ).all()
    return [{"action": a, "actor": b, "detail": c} for a, b, c in rows]
