"""Database outages, seen from the daemon: log once when one starts and once when it ends (docs/commands.md "run").

The daemon must outlive its database: PostgreSQL restarting, a full disk,
a read-only SQLite file. Each is an exception from SQLAlchemy; the daemon
backs off (1 s doubling to 30 s), tries again, and carries on where it was.
Logging every failed try would bury the one line an operator needs, so the
start (with its cause) and the end (with its length) are logged once each.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger("publisher.daemon")

FIRST_DELAY = 1.0
LONGEST_DELAY = 30.0


def is_database_trouble(exc: BaseException) -> bool:
    """An exception from the database layer (not from a platform or our own code)."""
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)


def cause(exc: BaseException) -> str:
    """One line saying what went wrong, without the SQL or parameters SQLAlchemy appends."""
    original = getattr(exc, "orig", None) or exc
    first = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first}" if first else type(original).__name__


@dataclass
class Outage:
    """Whether the database is down now, since when, and how long to wait before the next try."""

    started_at: float | None = None
    delay: float = FIRST_DELAY
    count: int = 0  # outages so far (for the metrics)

    @property
    def down(self) -> bool:
        return self.started_at is not None

    def failed(self, exc: BaseException) -> float:
        """Note a failed try; returns how long to wait before the next one."""
        if self.started_at is None:
            self.started_at = time.monotonic()
            self.count += 1
            self.delay = FIRST_DELAY
            log.error("database unavailable (%s); publishing pauses and is retried until it is back", cause(exc))
        else:
            self.delay = min(self.delay * 2, LONGEST_DELAY)
        return self.delay

    def ok(self) -> None:
        """Note a successful cycle; ends an outage if one was going on."""
        if self.started_at is not None:
            log.warning("database available again after %.1f s; carrying on", time.monotonic() - self.started_at)
            self.started_at = None
            self.delay = FIRST_DELAY
