"""The daemon follows the content repository: fetch, log a failing fetch once each way, record it for ``status``.

A fetch that fails (the server down, the branch deleted, credentials
refused) keeps the last good tree, so publishing goes on from it; the
failure is logged once when it starts and once when it ends (as database
outages are, :mod:`publisher.queue.outage`), and kept in the database so
``status`` shows it (docs/commands.md "run").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from publisher.content.repository import Update, WorkingCopy
from publisher.operations import Repository
from publisher.queue import models as m
from publisher.redaction import masked_url

log = logging.getLogger("publisher.daemon")

STATE_NAME = "content"


def short(commit: str | None) -> str:
    return commit[:12] if commit else "none"


class Follower:
    """Keeps the daemon's working copy on the followed branch, and says so once each way when it cannot."""

    def __init__(self, repository: Repository, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.repository = repository
        self.copy = WorkingCopy(repository)
        self.sessions = sessions
        self.clock = clock
        self.failing_since: datetime | None = None
        self._updating = threading.Lock()  # one fetch at a time (the timer and SIGHUP may meet)

    @property
    def where(self) -> str:
        return f"{masked_url(self.repository.url)} (branch {self.repository.branch})"

    def has_tree(self) -> bool:
        """Whether there is a good tree to publish from (not before the first fetch succeeded)."""
        return self.copy.current() is not None

    def update(self, tree_lock: AbstractContextManager[object] | None = None) -> Update:
        """Fetch and check out the branch's tip (under ``tree_lock``, so no sync reads a half-written tree)."""
        with self._updating:
            update = self.copy.update(tree_lock)
        now = self.clock()
        self._log(update, now)
        self._record(update, now)
        return update

    def _log(self, update: Update, now: datetime) -> None:
        if update.error is not None:
            if self.failing_since is None:
                self.failing_since = now
                if update.commit is None:
                    goes_on = "nothing is synced until a fetch succeeds"
                else:
                    goes_on = f"publishing goes on from the last good tree, commit {short(update.commit)}"
                log.error("fetching the content repository %s failed: %s; %s", self.where, update.error, goes_on)
            return
        if self.failing_since is not None:
            lasted = (now - self.failing_since).total_seconds()
            log.warning("fetching the content repository %s works again after %.0f s", self.where, lasted)
            self.failing_since = None
        if update.moved:
            was = f"was {short(update.previous)}" if update.previous else "first fetch"
            log.info("content repository %s: at commit %s (%s)", self.where, short(update.commit), was)

    def _record(self, update: Update, now: datetime) -> None:
        """The state ``status`` shows; a database outage here is the main loop's to report."""
        try:
            with self.sessions.begin() as session:
                row = session.get(m.RepositoryState, STATE_NAME)
                if row is None:
                    row = m.RepositoryState(name=STATE_NAME, url="", branch="", checked_at=now)
                    session.add(row)
                row.url = masked_url(self.repository.url)
                row.branch = self.repository.branch
                row.commit_id = update.commit
                row.checked_at = now
                if update.error is None:
                    row.fetched_at, row.error, row.failing_since = now, None, None
                else:
                    row.error = update.error
                    row.failing_since = row.failing_since or self.failing_since or now
        except SQLAlchemyError:
            log.debug("could not record the repository state; the database is unavailable")
