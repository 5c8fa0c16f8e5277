"""What a long-running front-end needs from the layers below: the database kept open (docs/web.md)."""

from __future__ import annotations

from publisher.config import Config
from publisher.queue.db import close_kept, keep_open


def keep_database_open(config: Config) -> None:
    """Migrate once and reuse one connection pool for every request of this process."""
    keep_open(config)


def close_database() -> None:
    """Close the kept database (the server stopping, a test finishing)."""
    close_kept()
