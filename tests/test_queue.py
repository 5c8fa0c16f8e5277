"""The queue: content sync, Welsh-first claiming, retries, reconciliation and lease fencing.

A scripted in-process adapter stands in for a platform so every transition
can be forced deterministically; the end-to-end suites run real adapters
against the fake HTTP server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from publisher.platforms.base import (
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    TransientError,
)
from publisher.queue import models as m
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import DeliveryState
from publisher.queue.sync import sync_content

from conftest import Project
from fakes import APPLIED, FakeRemote

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
SEPARATE = """\
publish_at: 2027-01-12T10:00+00:00
accounts: [local-separate]
translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}
"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def queue(project: Project, open_db: Any) -> Any:
    """(project, clock, remote, dispatcher factory, sync) over a fresh SQLite database."""
    clock = Clock(T0)
    remote = FakeRemote()
    config = project.config()
    db = open_db(config)

    def dispatcher(owner: str = "test-a") -> Dispatcher:
        return Dispatcher(
            project.config(),
            db.sessions,
            dialect=db.dialect,
            owner=owner,
            clock=clock,
            adapter_factory=remote.factory(),
        )

    def sync() -> Any:
        return sync_content(project.config(), db.sessions, clock())

    yield project, clock, remote, dispatcher, sync, db


def deliveries(db: Any, post_id: str = "post") -> list[m.Delivery]:
    with db.sessions() as session:
        post = session.get(m.StoredPost, post_id)
        assert post is not None
        return list(
            session.scalars(
                select(m.Delivery)
                .where(m.Delivery.post_id == post_id, m.Delivery.revision == post.revision)
                .order_by(m.Delivery.seq)
            )
        )


def post_row(db: Any, post_id: str = "post") -> m.StoredPost:
    with db.sessions() as session:
        row = session.get(m.StoredPost, post_id)
        assert row is not None
        return row


def test_welsh_is_published_before_english(queue: Any) -> None:
    project, _clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    result = dispatcher().run_due()
    assert result.published == 2
    assert [c.language for c in remote.calls] == ["cy", "en"]
    assert [d.state for d in deliveries(db)] == ["published", "published"]


def test_nothing_is_claimed_before_it_is_due(queue: Any) -> None:
    project, clock, _remote, dispatcher, sync, _db = queue
    project.post(cy_front=SEPARATE)
    clock.now = T0 - timedelta(minutes=5)
    sync()
    assert dispatcher().run_due().published == 0
    clock.now = T0
    assert dispatcher().run_due().published == 2


def test_english_waits_while_welsh_fails(queue: Any) -> None:
    project, _clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    remote.faults.append(PermanentError("HTTP 403: account suspended"))
    result = dispatcher().run_due()
    assert result.failed == 1
    welsh, english = deliveries(db)
    assert welsh.state == "failed" and welsh.last_error == "HTTP 403: account suspended"
    assert english.state == "queued"
    assert [c.language for c in remote.calls] == ["cy"], "the English must not go out while the Welsh failed"


def test_rate_limit_honours_the_reset_time(queue: Any) -> None:
    project, clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    reset = T0 + timedelta(minutes=15)
    remote.faults.append(RateLimited("HTTP 429", retry_at=reset))
    dispatcher().run_due()
    welsh = deliveries(db)[0]
    assert welsh.state == "retry_wait" and welsh.next_attempt_at == reset
    clock.now = reset - timedelta(seconds=1)
    assert dispatcher().run_due().published == 0
    clock.now = reset
    assert dispatcher().run_due().published == 2


def test_transient_errors_back_off_then_give_up(queue: Any) -> None:
    project, clock, remote, dispatcher, sync, db = queue
    project.write(
        "config/publisher.toml", project.config_path.read_text() + '\n[daemon]\nmax_attempts = 3\nretry_base = "10s"\n'
    )
    project.post(cy_front=SEPARATE)
    sync()
    remote.faults.extend([TransientError("HTTP 502"), TransientError("HTTP 503"), TransientError("HTTP 500")])
    d = dispatcher()
    d.run_due()
    first = deliveries(db)[0]
    assert first.state == "retry_wait"
    assert timedelta(seconds=8) <= first.next_attempt_at - T0 <= timedelta(seconds=12)
    clock.advance(seconds=13)
    d.run_due()
    second = deliveries(db)[0]
    assert second.state == "retry_wait"
    assert timedelta(seconds=16) <= second.next_attempt_at - clock.now <= timedelta(seconds=24), "backoff doubles"
    clock.advance(seconds=25)
    d.run_due()
    assert deliveries(db)[0].state == "failed"
    assert "gave up after 3 attempts" in (deliveries(db)[0].last_error or "")


def test_timeout_after_sending_is_reconciled_not_duplicated(queue: Any) -> None:
    project, clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    remote.faults.append(OutcomeUnknown(APPLIED))  # the post exists, the answer was lost
    d = dispatcher()
    d.run_due()
    assert deliveries(db)[0].state == "unknown"
    clock.advance(seconds=30)
    d.run_due()
    welsh, english = deliveries(db)
    assert welsh.state == "published" and english.state == "published"
    assert [c.language for c in remote.calls] == ["cy", "en"], "the Welsh post was found, not sent twice"


def test_unknown_not_found_on_platform_is_sent_again(queue: Any) -> None:
    project, clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    remote.faults.append(OutcomeUnknown("connection broke"))  # nothing was created
    d = dispatcher()
    d.run_due()
    clock.advance(seconds=30)
    d.run_due()  # not found yet, but the request may still be queued at the platform: no resend yet
    assert [c.language for c in remote.calls] == ["cy"]
    assert deliveries(db)[0].state == "unknown"
    clock.advance(seconds=25)  # past request_timeout (30 s) + reconcile_after (20 s) since the attempt
    d.run_due()
    assert [c.language for c in remote.calls] == ["cy", "cy", "en"]
    assert len(remote.posts) == 2


def test_crash_after_call_before_commit_is_reconciled(queue: Any) -> None:
    project, clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    crashed = dispatcher("crashed")
    claim = crashed.claim(limit=1)[0]
    started = crashed._start(claim)  # the attempt row is committed ...
    assert started is not None
    crashed.adapter("local-separate").publish(started.request)  # ... the platform call succeeds, then the process dies
    survivor = dispatcher("survivor")
    survivor.recover(all_leases=True)
    assert deliveries(db)[0].state == "unknown"
    clock.advance(seconds=30)
    survivor.run_due()
    assert [c.language for c in remote.calls] == ["cy", "en"]
    assert all(d.state == "published" for d in deliveries(db))


def test_crash_before_the_call_requeues_without_reconciling(queue: Any) -> None:
    project, _clock, _remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    dispatcher("crashed").claim(limit=1)  # claimed, never started
    survivor = dispatcher("survivor")
    survivor.recover(all_leases=True)
    assert deliveries(db)[0].state == "queued"
    assert survivor.run_due().published == 2


def test_a_lost_lease_cannot_overwrite_the_new_owner(queue: Any) -> None:
    project, clock, _remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    slow = dispatcher("slow")
    claim = slow.claim(limit=1)[0]
    assert slow._start(claim) is not None
    clock.advance(minutes=10)  # the lease (2 min) expires while 'slow' is stuck
    other = dispatcher("other")
    other.recover()
    clock.advance(seconds=30)
    other.run_due()  # reconciles: not found, sends again, publishes
    assert deliveries(db)[0].state == "published"
    assert slow._finish(claim, "published", None, state=DeliveryState.PUBLISHED, remote_id="stale") is False
    assert deliveries(db)[0].remote_id != "stale"


def test_sync_requeues_a_change_before_publishing(queue: Any) -> None:
    project, clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    clock.now = T0 - timedelta(hours=1)
    sync()
    old_keys = {d.idempotency_key for d in deliveries(db)}
    project.post(
        cy_front=SEPARATE, en_body="The library will be closed on Tuesday because of electrical work. We apologise."
    )
    report = sync()
    assert report.requeued == ["post"]
    current = deliveries(db)
    assert post_row(db).revision == 2
    assert "Tuesday" in current[1].text
    assert not old_keys & {d.idempotency_key for d in current}
    with db.sessions() as session:
        states = session.scalars(select(m.Delivery.state).where(m.Delivery.revision == 1)).all()
    assert set(states) == {"cancelled"}
    clock.now = T0
    dispatcher().run_due()
    assert [c.text for c in remote.calls][1].startswith("The library will be closed on Tuesday")


def test_sync_cancels_a_deleted_post(queue: Any) -> None:
    project, clock, _remote, dispatcher, sync, db = queue
    cy, en = project.post(cy_front=SEPARATE)
    clock.now = T0 - timedelta(hours=1)
    sync()
    cy.unlink()
    en.unlink()
    assert sync().cancelled == ["post"]
    assert {d.state for d in deliveries(db)} == {"cancelled"}
    clock.now = T0
    assert dispatcher().run_due().published == 0


def test_change_after_publishing_is_reported_not_republished(queue: Any) -> None:
    project, _clock, remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    dispatcher().run_due()
    project.post(
        cy_front=SEPARATE, en_body="The library will be closed on Wednesday because of electrical work. Sorry."
    )
    report = sync()
    assert report.changed_after_publishing == ["post"]
    assert "not republished" in (post_row(db).note or "")
    assert dispatcher().run_due().published == 0
    assert len(remote.calls) == 2


def test_invalid_post_is_held_with_its_codes(queue: Any) -> None:
    project, _clock, _remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE.replace("reviewed: true", "reviewed: false"))
    report = sync()
    assert report.held == {"post": ["translation-unreviewed"]}
    assert post_row(db).state == "held"
    assert dispatcher().run_due().published == 0


def test_post_due_beyond_max_lateness_expires(queue: Any) -> None:
    project, clock, _remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    clock.now = T0 - timedelta(hours=1)
    sync()
    clock.now = T0 + timedelta(hours=7)  # the daemon was down all morning
    assert sync().expired == ["post"]
    assert {d.state for d in deliveries(db)} == {"expired"}
    assert dispatcher().run_due().published == 0


def test_late_post_within_max_lateness_is_caught_up(queue: Any) -> None:
    project, clock, _remote, dispatcher, sync, _db = queue
    project.post(cy_front=SEPARATE)
    clock.now = T0 - timedelta(hours=1)
    sync()
    clock.now = T0 + timedelta(hours=2)
    assert sync().expired == []
    assert dispatcher().run_due().published == 2


def test_thread_strategy_replies_english_to_welsh(queue: Any) -> None:
    project, _clock, remote, dispatcher, sync, db = queue
    project.write(
        "config/publisher.toml",
        project.config_path.read_text() + '\n[accounts.local-thread]\nplatform = "outbox"\nstrategy = "thread"\n',
    )
    project.post(cy_front=SEPARATE.replace("local-separate", "local-thread"))
    sync()
    dispatcher().run_due()
    welsh, english = deliveries(db)
    assert english.reply_to_id == welsh.id
    assert remote.posts[english.idempotency_key]["reply_to"] == welsh.remote_id


def test_check_does_not_call_a_published_post_late(queue: Any) -> None:
    """Published posts stay in the content repo; check must not flag them as stale."""
    from publisher.services.validation import check_content

    project, _clock, _remote, _dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    project.post("never", cy_front=SEPARATE)
    sync()
    with db.sessions.begin() as session:  # only 'post' went out; 'never' was missed
        session.execute(
            m.Delivery.__table__.update().where(m.Delivery.post_id == "post").values(state=DeliveryState.PUBLISHED)
        )
    later = T0 + timedelta(days=3)
    result = check_content(project.config(), now=later, use_cache=True)
    assert [(f.post, f.code) for f in result.findings] == [("never", "schedule-invalid")]


def test_opening_a_locked_database_waits_then_reports(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes opening a new SQLite database at once may meet 'database is locked': retried, not fatal."""
    from sqlalchemy.exc import OperationalError

    import publisher.queue.db as daemon_module
    from publisher.errors import ConfigError

    real_migrate = daemon_module.migrate
    attempts = []

    def flaky(engine: Any) -> None:
        attempts.append(1)
        if len(attempts) <= 2:
            raise OperationalError("PRAGMA journal_mode=WAL", {}, Exception("database is locked"))
        real_migrate(engine)

    monkeypatch.setattr(daemon_module, "migrate", flaky)
    with daemon_module.open_database(project.config()):
        pass
    assert len(attempts) == 3
    monkeypatch.setattr(daemon_module, "LOCK_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(
        daemon_module,
        "migrate",
        lambda engine: (_ for _ in ()).throw(OperationalError("BEGIN", {}, Exception("database is locked"))),
    )
    with pytest.raises(ConfigError, match="database is locked"), daemon_module.open_database(project.config()):
        pass


def test_the_lease_is_renewed_when_the_call_starts(queue: Any) -> None:
    """A claim that waited in the worker pool still gets a full lease for its platform call."""
    project, clock, _remote, dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    sync()
    d = dispatcher()
    claim = d.claim(limit=1)[0]
    clock.advance(seconds=110)  # waited nearly the whole 2-minute lease in the pool
    assert d._start(claim) is not None
    clock.advance(seconds=60)  # the call is slow: without renewal the lease would have expired
    other = dispatcher("other")
    other.recover()
    assert deliveries(db)[0].state == "publishing", "another daemon must not take over a call in flight"


def test_sync_validates_without_holding_the_write_lock(queue: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validating a large import takes seconds: publishing must not stall behind it."""
    import sqlite3

    import publisher.queue.sync as sync_module

    project, _clock, _remote, _dispatcher, sync, db = queue
    project.post(cy_front=SEPARATE)
    writable: list[bool] = []
    real_run = sync_module.rules.run

    def run_and_probe(post: Any, ctx: Any) -> Any:
        probe = sqlite3.connect(db.engine.url.database, timeout=0.2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            writable.append(True)
        except sqlite3.OperationalError:
            writable.append(False)
        finally:
            probe.close()
        return real_run(post, ctx)

    monkeypatch.setattr(sync_module.rules, "run", run_and_probe)
    report = sync()
    assert writable == [True], "the database was locked while the post was being validated"
    assert report.queued == ["post"]


def test_worker_threads_take_turns_without_sqlite_busy_sleeps(queue: Any) -> None:
    """Threads wait on a Python lock, not in SQLite's busy handler (which sleeps up to 100 ms per try)."""
    import threading
    import time

    _project, _clock, _remote, _dispatcher, _sync, db = queue
    holding = threading.Event()
    waits: list[float] = []

    def hold() -> None:
        with db.sessions.begin() as session:
            session.execute(select(m.StoredPost.id))
            holding.set()
            time.sleep(0.3)

    def wait_turn() -> None:
        holding.wait()
        started = time.monotonic()
        with db.sessions.begin() as session:
            session.execute(select(m.StoredPost.id))
        waits.append(time.monotonic() - started)

    threads = [threading.Thread(target=hold)] + [threading.Thread(target=wait_turn) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each waiter gets the database within a few ms of the holder's commit (0.3 s), not after a busy sleep.
    assert max(waits) < 0.3 + 0.15, waits
    assert db.engine.pool.checkedout() == 0
