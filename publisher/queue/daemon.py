"""``publisher run``: sync, wake at the right moment, publish, retry, reconcile (docs/commands.md "run").

APScheduler 3 (BackgroundScheduler, in-memory job store) is only the alarm
clock: its jobs set an event, and the main loop does the work from the
database. So nothing APScheduler forgets on a crash matters, and a restart
rebuilds the timers from the deliveries' ``next_attempt_at``. Its one job
of its own is the accounts check, at start and daily, off the publishing
path (docs/commands.md "accounts check").

The daemon outlives its database: a cycle that fails on the database
(PostgreSQL restarting, a full disk, a read-only SQLite file) is retried with
backoff, the outage logged once when it starts and once when it ends
(:mod:`publisher.queue.outage`), and work carries on where it was.

With ``[content] repository`` it follows the content repository: a fetch
every ``sync_interval`` and on SIGHUP, off the publishing path, into its own
working copy (:mod:`publisher.queue.following`). E-mail about failures,
overdue reviews and held posts goes out from a timer of its own too
(:mod:`publisher.queue.notices`).

Features above the queue (the replies inbox) hand the daemon
:class:`Periodic` jobs: each runs on its own interval in the scheduler's
threads, so a slow platform read never delays publishing, and a job that
fails is logged, never fatal.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from publisher.config import Config
from publisher.errors import ConfigError
from publisher.i18n import _
from publisher.queue import models as m
from publisher.queue.accounts import AccountReport, check_accounts, record
from publisher.queue.db import DaemonLock, Database, is_sqlite, open_database, sqlite_path
from publisher.queue.dispatcher import CycleResult, Dispatcher, Observer, utcnow
from publisher.queue.following import Follower
from publisher.queue.notices import Notifier
from publisher.queue.outage import Outage, is_database_trouble
from publisher.queue.states import DeliveryState, PostState, ReviewState
from publisher.queue.sync import StatCache, SyncReport, sync_content
from publisher.rules.credentials_missing import missing_credentials
from publisher.workdays import is_working_day, working_days_between

log = logging.getLogger("publisher.daemon")


@dataclass(frozen=True)
class Periodic:
    """Work a feature above the queue runs inside the daemon every ``interval`` (and once in ``run --once``)."""

    name: str
    interval: timedelta
    run: Callable[[Database], object]


class AlreadyRunning(ConfigError):
    """Another ``publisher run`` holds this SQLite database."""


def log_sync(report: SyncReport) -> None:
    for post_id in report.queued:
        log.info("queued %s", post_id)
    for post_id in report.requeued:
        log.info("re-queued %s (content changed before publishing)", post_id)
    for post_id, codes in report.held.items():
        log.warning("held %s: validation errors %s (run 'publisher check')", post_id, ", ".join(codes))
    for post_id in report.cancelled:
        log.info("cancelled %s (file deleted)", post_id)
    for post_id in report.expired:
        log.warning("expired %s: due more than max_lateness ago, not published", post_id)
    for post_id in report.changed_after_publishing:
        log.warning("%s changed after publishing started; the change is not republished", post_id)
    for post_id, slot in report.moved.items():
        log.warning(
            "%s missed its schedule slot; moved to the next free slot, %s UTC", post_id, f"{slot:%Y-%m-%d %H:%M}"
        )


class Daemon:
    """One publishing process. ``run_once`` for cron/CI, ``run_forever`` as a service."""

    def __init__(
        self,
        config: Config,
        *,
        env: Any = None,
        clock: Any = utcnow,
        observer: Observer | None = None,
        metrics_at: tuple[str, int] | None = None,
        jobs: Sequence[Periodic] = (),
    ) -> None:
        self.config = config
        self.clock = clock
        self.outage = Outage()
        self.env = env
        self.jobs = tuple(jobs)
        self._resources = ExitStack()
        self.db = self._resources.enter_context(open_database(config))
        self.lock: DaemonLock | None = None
        path = sqlite_path(self.db.engine)
        if path is not None:
            self.lock = DaemonLock(path)
            if not self.lock.acquire():
                self._resources.close()
                message = _(
                    "another 'publisher run' is already using %(path)s (lock file %(lock)s); "
                    "SQLite allows one daemon per database: stop the other one, or use PostgreSQL to run several"
                )
                raise AlreadyRunning(message % {"path": path, "lock": self.lock.path})
        self.heartbeat: Any = None  # called each time the loop turns (the health endpoint's pulse)
        if metrics_at is not None:
            observer = self._serve_metrics(metrics_at)
        self.dispatcher = Dispatcher(
            config, self.db.sessions, dialect=self.db.dialect, env=env, clock=clock, observer=observer
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sync_requested = threading.Event()
        self._stats = StatCache()  # unchanged files are not re-read at each sync
        self._warned_on: date | None = None  # the day overdue reviews were last reported
        self._fetch_requested = threading.Event()
        self._tree = threading.Lock()  # no sync reads the working copy while a fetch rewrites it
        self.follower = Follower(config.repository, self.db.sessions, clock) if config.repository else None
        self.fetch_error: str | None = None  # the latest fetch's failure (run --once exits 1 on it)
        self.notifier = Notifier(config, self.db.sessions, clock, env=env)
        self._job_running = threading.Lock()  # shutdown waits for a periodic job to finish

    def _serve_metrics(self, address: tuple[str, int]) -> Observer:
        """Start ``/metrics`` and ``/healthz`` on ``address``; the metrics observe the dispatcher."""
        from publisher.queue.metrics import Metrics, MetricsServer

        metrics = Metrics(self.db.sessions, self.clock, self.outage)
        stale_after = 2 * self.config.daemon.sync_interval.total_seconds() + 60
        try:
            server = MetricsServer(metrics, address, stale_after).start()
        except OSError as exc:
            self.close()
            message = _("cannot serve metrics on %(host)s:%(port)s: %(error)s")
            raise ConfigError(
                message % {"host": address[0], "port": address[1], "error": exc.strerror or exc}
            ) from None
        self._resources.callback(server.stop)
        self.heartbeat = metrics.cycle
        self.metrics_server = server
        log.info("metrics on http://%s:%d/metrics, health on /healthz", address[0], server.port)
        return metrics

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
        self._resources.close()

    def fetch(self) -> None:
        """Bring the working copy to the followed branch's tip (a failure keeps the last good tree)."""
        if self.follower is not None:
            self.fetch_error = self.follower.update(self._tree).error

    def sync(self) -> SyncReport:
        if self.follower is not None and not self.follower.has_tree():
            return SyncReport()  # never fetched: an empty folder must not cancel every post
        with self._tree:
            report = sync_content(self.config, self.db.sessions, self.clock(), self._stats)
        log_sync(report)
        return report

    def warn_missing_credentials(self) -> None:
        """At start: each account whose credentials are not in the environment, before anything is due."""
        import os

        for item in missing_credentials(self.config, self.env if self.env is not None else os.environ):
            log.warning(
                "account %s (%s) has no credentials in the environment: set %s; its posts will fail until then",
                item.account,
                item.platform,
                ", ".join(item.variables),
            )

    def notify(self) -> None:
        """Send the e-mail that is due (never raises: mail must not stop publishing)."""
        try:
            self.notifier.run()
        except Exception as exc:
            log.warning("could not work out or send notifications: %s", f"{type(exc).__name__}: {exc}")

    def _exclusive(self) -> bool:
        """On SQLite the lock proves no other daemon holds a lease."""
        return is_sqlite(self.db.engine)

    def warn_overdue_reviews(self) -> int:
        """Once per working day: a warning for each emergency post whose Welsh review is overdue."""
        now = self.clock()
        today = now.astimezone(self.config.timezone).date()
        if self._warned_on == today or not is_working_day(self.config, today):
            return 0
        self._warned_on = today
        with self.db.sessions() as session:
            items = session.scalars(
                select(m.ReviewItem)
                .where(m.ReviewItem.state == ReviewState.OPEN, m.ReviewItem.due_at < now)
                .order_by(m.ReviewItem.due_at)
            ).all()
        for item in items:
            log.warning(
                "review #%d of emergency post %s (%s Welsh) is overdue by %d working day(s): 'publisher review list'",
                item.id,
                item.post_id,
                item.translation_source,
                working_days_between(self.config, item.due_at, now),
            )
        return len(items)

    def check_accounts(self) -> list[AccountReport]:
        """Prove each account's credentials, warn before tokens expire, audit the bios; log what needs a person."""
        try:
            reports = check_accounts(self.config, self.clock(), env=self.env, stop=self._stop.is_set)
            record(self.db.sessions, reports)
        except Exception:
            log.exception("the accounts check failed; 'publisher accounts check' shows the same checks")
            return []
        for report in reports:
            for problem in report.problems:
                log.warning("account %s needs a person: %s ('publisher accounts check')", report.account, problem)
            for note in report.notes:
                log.info("account %s: %s", report.account, note)
            if not report.needs_person:
                who = report.identity.name if report.identity else report.account
                log.info("account %s: checked, acting as %s", report.account, who)
        return reports

    def run_job(self, job: Periodic) -> None:
        """One run of a periodic job (one at a time); its failure is logged and publishing carries on."""
        with self._job_running:
            if self._stop.is_set():
                return
            try:
                job.run(self.db)
            except Exception as exc:
                if is_database_trouble(exc):  # the publishing cycle logs the outage, once each way
                    log.debug("%s: the database is unavailable; trying again in %s", job.name, job.interval)
                else:
                    log.exception("%s: failed; trying again in %s", job.name, job.interval)

    def held_count(self) -> int:
        with self.db.sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(m.StoredPost).where(m.StoredPost.state == PostState.HELD)
                )
                or 0
            )

    def needing_a_person(self) -> list[m.Delivery]:
        """Deliveries of current posts that failed or need a person to decide."""
        with self.db.sessions() as session:
            return list(
                session.scalars(
                    select(m.Delivery)
                    .join(m.StoredPost, m.StoredPost.id == m.Delivery.post_id)
                    .where(
                        m.Delivery.revision == m.StoredPost.revision,
                        (m.Delivery.state == DeliveryState.FAILED) | (m.Delivery.needs_attention == 1),
                    )
                    .order_by(m.Delivery.post_id, m.Delivery.seq)
                )
            )

    def _report_problems(self, expired: list[str]) -> int:
        """At the end of ``run --once``: each thing a person must see, and exit 1 if there is any."""
        problems = self.needing_a_person()
        for delivery in problems:
            log.error(
                "needs a person: post %s, %s, %s: %s ('publisher retry %s' once the cause is fixed)",
                delivery.post_id,
                delivery.account,
                {"cy": "Welsh", "en": "English"}.get(delivery.language, delivery.language),
                delivery.last_error or delivery.state.value,
                delivery.post_id,
            )
        held = self.held_count()
        if held:
            log.error("%d post(s) held by validation errors: 'publisher status --state held', 'publisher check'", held)
        return 1 if problems or held or expired or self.fetch_error else 0

    def run_once(self) -> int:
        """Publish everything due now and exit: 0 all well, 1 something failed, expired now, or is held."""
        try:
            self.warn_missing_credentials()
            self.fetch()
            report = self.sync()
            self.warn_overdue_reviews()
            self.dispatcher.recover(all_leases=self._exclusive())
            result = self.dispatcher.run_due()
            self._log_cycle(result)
            for job in self.jobs:
                self.run_job(job)
            self.notify()
            return max(self._report_problems(report.expired), 1 if result.failed else 0)
        finally:
            self.close()

    def _log_cycle(self, result: CycleResult) -> None:
        if result.published or result.failed or result.retried or result.unknown or result.errors:
            log.info(
                "cycle: %d published, %d failed, %d retrying, %d unknown, %d worker errors",
                result.published,
                result.failed,
                result.retried,
                result.unknown,
                result.errors,
            )

    # -- the service --------------------------------------------------------

    def stop(self, *_: Any) -> None:
        """SIGTERM/SIGINT: stop claiming; in-flight calls finish; unsent claims are released."""
        if not self._stop.is_set():
            log.info("stopping: no new claims; finishing calls in flight")
        self._stop.set()
        self.dispatcher.stopping = True
        self._wake.set()

    def request_sync(self, *_: Any) -> None:
        """The sync timer: re-read the content at the next loop."""
        self._sync_requested.set()
        self._wake.set()

    def request_fetch(self, *_: Any) -> None:
        """SIGHUP: fetch the repository (when following one) and re-read the content at once."""
        self._fetch_requested.set()
        self.request_sync()

    def _fetch_then_sync(self) -> None:
        """The timer's job (off the publishing path): fetch, then ask the loop to sync."""
        try:
            self.fetch()
        except Exception as exc:  # the loop carries on from the last good tree
            log.warning("fetching the content repository failed unexpectedly: %s", f"{type(exc).__name__}: {exc}")
        self.request_sync()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # run from a test's thread: the test stops it with stop()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGHUP, self.request_fetch)

    def _next_wake(self) -> datetime | None:
        """The earliest moment there may be work: a delivery it could send, a lease to recover, a pause ending."""
        candidates = [
            t for t in (self.dispatcher.next_due(), self.dispatcher.next_lease_expiry(), self._next_pause_end()) if t
        ]
        return min(candidates) if candidates else None

    def _next_pause_end(self) -> datetime | None:
        with self.db.sessions() as session:
            return session.scalar(select(func.min(m.Pause.ended_at)).where(m.Pause.ended_at > self.clock()))

    def _cycle(self, scheduler: Any) -> None:
        """One turn of the loop: sync if asked, recover expired leases, publish what is due, set the alarm."""
        if self._fetch_requested.is_set() and self.follower is not None:
            self._fetch_requested.clear()
            scheduler.add_job(self._fetch_then_sync, id="fetch-now", replace_existing=True)
        if self._sync_requested.is_set():
            self._sync_requested.clear()
            self.sync()
            self.warn_overdue_reviews()
        # Its own leases too: a worker stopped by a database error leaves one behind.
        self.dispatcher.recover()
        self._log_cycle(self.dispatcher.run_due())
        when = self._next_wake()
        if when is not None and not self._stop.is_set():
            scheduler.add_job(
                self._wake.set, "date", run_date=max(when, self.clock()), id="wake", replace_existing=True
            )

    def _guarded(self, step: Any, *args: Any) -> bool:
        """Run ``step``; on a database failure, note the outage and wait (interruptibly) before the next try."""
        try:
            step(*args)
        except Exception as exc:
            if not is_database_trouble(exc):
                raise
            self._stop.wait(self.outage.failed(exc))
            return False
        self.outage.ok()
        if self.heartbeat is not None:
            self.heartbeat()
        return True

    def _start_up(self) -> None:
        self.fetch()
        self.sync()
        self.dispatcher.recover(all_leases=self._exclusive())

    def _shut_down(self, scheduler: Any) -> None:
        scheduler.shutdown(wait=False)
        if not self._job_running.acquire(timeout=self.config.daemon.shutdown_grace.total_seconds()):
            log.warning("a periodic job is still running at shutdown; it stops with the process")
        try:
            released = self.dispatcher.release_unsent()
        except Exception as exc:
            if not is_database_trouble(exc):
                raise
            log.warning("could not release unsent claims (the database is unavailable); the next start recovers them")
        else:
            if released:
                log.info("released %d claimed deliveries that were not yet sent", released)
        self.close()
        log.info("stopped")

    def run_forever(self) -> int:
        from apscheduler.schedulers.background import BackgroundScheduler

        self._install_signals()
        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        interval = self.config.daemon.sync_interval.total_seconds()
        timer = self._fetch_then_sync if self.follower is not None else self.request_sync
        scheduler.add_job(timer, "interval", seconds=interval, id="sync")
        scheduler.add_job(self.check_accounts, "interval", days=1, next_run_time=datetime.now(UTC), id="accounts")
        scheduler.add_job(self.notify, "interval", seconds=interval, id="notify")
        for job in self.jobs:
            scheduler.add_job(
                self.run_job,
                "interval",
                args=[job],
                seconds=job.interval.total_seconds(),
                id=job.name,
                next_run_time=utcnow(),
            )
        scheduler.start()
        self.warn_missing_credentials()
        log.info("publisher running (owner %s, database %s)", self.dispatcher.owner, self.db.dialect)
        try:
            while not self._stop.is_set() and not self._guarded(self._start_up):
                pass
            while not self._stop.is_set():
                if not self._guarded(self._cycle, scheduler):
                    continue
                self._wake.wait(timeout=interval)
                self._wake.clear()
        finally:
            self._shut_down(scheduler)
        return 0
