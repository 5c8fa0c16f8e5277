"""The dispatcher's hot path on Core statements (publisher/queue/fenced.py): what it writes reads back right.

The fences themselves are held by tests/test_queue*.py and tests/test_crash.py; these
tests hold what the Core path writes besides: the audit chain, the attempt rows, the
lease columns, the statements being built once, and the batching (a claimed batch's
attempt rows committed before any of its calls; completions group-committed).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from publisher.platforms.base import PublishRequest, TransientError
from publisher.queue import fenced
from publisher.queue import models as m
from publisher.queue.dispatcher import CycleResult, Dispatcher
from publisher.queue.group_commit import GroupCommit
from publisher.queue.states import AttemptKind, DeliveryState
from publisher.queue.sync import sync_content
from publisher.services.audit import verify

from conftest import Project
from fakes import FakeRemote

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
SEPARATE = """\
publish_at: 2027-01-12T10:00+00:00
accounts: [local-separate]
translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}
"""


def _dispatcher(project: Project, db: Any, remote: FakeRemote, now: datetime) -> Dispatcher:
    return Dispatcher(
        project.config(),
        db.sessions,
        dialect=db.dialect,
        owner="a",
        clock=lambda: now,
        adapter_factory=remote.factory(),
    )


def test_completions_are_chained_in_the_audit_trail_and_verify(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    project.post(cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    remote = FakeRemote(faults=[TransientError("HTTP 503")])
    assert _dispatcher(project, db, remote, T0).run_due().retried == 1
    assert _dispatcher(project, db, remote, T0 + timedelta(minutes=10)).run_due().published == 2
    report = verify(project.config())
    assert report.whole, report.problems
    with db.sessions() as session:
        events = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "published")).all()
        attempts = session.scalars(select(m.Attempt).order_by(m.Attempt.id)).all()
        rows = session.scalars(select(m.Delivery).order_by(m.Delivery.seq)).all()
    assert [(e.detail["language"], e.detail["account"]) for e in events] == [
        ("cy", rows[0].account),
        ("en", rows[1].account),
    ]
    assert [(a.kind, a.outcome, a.lease_version) for a in attempts] == [
        (AttemptKind.PUBLISH, "retry", 1),
        (AttemptKind.PUBLISH, "published", 2),
        (AttemptKind.PUBLISH, "published", 1),
    ]
    assert all(a.finished_at is not None and a.owner == "a" for a in attempts)
    assert [(r.state, r.attempts, r.lease_owner, r.lease_until) for r in rows] == [
        (DeliveryState.PUBLISHED, 2, None, None),
        (DeliveryState.PUBLISHED, 1, None, None),
    ]


def test_a_claim_leases_and_a_start_renews_only_its_own_lease(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    project.post(cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    dispatcher = _dispatcher(project, db, FakeRemote(), T0)
    (claim,) = dispatcher.claim()  # the English waits for the Welsh
    with db.sessions() as session:
        row = session.get(m.Delivery, claim.delivery_id)
        assert row is not None
        assert (row.state, row.lease_owner, row.lease_version, row.attempts) == (DeliveryState.PUBLISHING, "a", 1, 1)
    with db.engine.begin() as connection:
        stale = fenced.start(connection, claim.delivery_id, claim.lease_version, claim.kind, "b", T0, T0)
        assert stale is None, "another owner's start wrote an attempt row"
    assert dispatcher._start(claim) is not None
    with db.sessions() as session:
        assert session.scalar(select(m.Attempt.owner)) == "a"


def test_the_statements_are_built_once(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    project.post(cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    _dispatcher(project, db, FakeRemote(), T0).run_due()
    built = dict(fenced._completions)
    project.post(slug="other", cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    _dispatcher(project, db, FakeRemote(), T0).run_due()
    assert fenced._completions == built and all(fenced._completions[k] is v for k, v in built.items())


def test_a_batch_s_attempt_rows_are_committed_before_any_of_its_calls(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    for slug in ("one", "two", "three"):
        project.post(slug=slug, cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    seen: list[int] = []

    def count_committed(_request: PublishRequest) -> None:
        if not seen:  # the first call: read what is committed, from another connection
            with db.engine.connect() as connection:
                seen.append(connection.execute(select(func.count()).select_from(m.Attempt)).scalar_one())
        return None

    result = _dispatcher(project, db, FakeRemote(rule=count_committed), T0).run_due()
    assert result.published == 6
    assert seen == [3], "the three Welsh deliveries' attempt rows were not all committed before the first call"


def test_stopping_gives_a_started_delivery_back_unsent(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    project.post(cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    remote = FakeRemote()
    stopped = _dispatcher(project, db, remote, T0)
    (claim,) = stopped.claim()
    started = stopped._start_many([claim])
    stopped.stopping = True
    stopped.execute(claim, CycleResult(), started[claim.delivery_id])
    assert remote.calls == []
    with db.sessions() as session:
        row = session.get(m.Delivery, claim.delivery_id)
        assert row is not None
        assert (row.state, row.attempts, row.lease_owner) == (DeliveryState.QUEUED, 0, None)
        assert session.scalar(select(m.Attempt.outcome)) == "not_sent"
    assert _dispatcher(project, db, remote, T0).run_due().published == 2
    assert [call.language for call in remote.published] == ["cy", "en"], "sent once each, Welsh first"


def test_outcomes_handed_in_together_are_written_in_one_go() -> None:
    batches: list[list[int]] = []
    first_running, release = threading.Event(), threading.Event()

    def write(items: Sequence[int]) -> list[int]:
        if not batches:
            first_running.set()
            release.wait(timeout=10)
        batches.append(list(items))
        return [item * 10 for item in items]

    group: GroupCommit[int, int] = GroupCommit(write)
    results: dict[int, int] = {}
    first = threading.Thread(target=lambda: results.__setitem__(0, group.submit(0)))
    first.start()
    assert first_running.wait(timeout=10)
    others = [threading.Thread(target=lambda i=i: results.__setitem__(i, group.submit(i))) for i in (1, 2, 3)]
    for thread in others:
        thread.start()
    while len(group._waiting) < 3:
        threading.Event().wait(0.01)
    release.set()
    for thread in (first, *others):
        thread.join(timeout=10)
    assert results == {0: 0, 1: 10, 2: 20, 3: 30}
    assert batches[0] == [0] and sorted(batches[1]) == [1, 2, 3], batches


def test_a_failed_group_write_fails_every_outcome_in_it() -> None:
    def write(_items: Sequence[int]) -> list[int]:
        raise RuntimeError("disk I/O error")

    group: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(RuntimeError, match="disk I/O error"):
        group.submit(1)
    assert group._waiting == [], "a failed outcome was left waiting"


def test_a_delivery_that_cannot_be_started_does_not_hold_up_its_batch(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    project.post(slug="broken", cy_front=SEPARATE)
    project.post(slug="fine", cy_front=SEPARATE)
    sync_content(project.config(), db.sessions, T0)
    with db.sessions.begin() as session:
        broken = session.scalars(select(m.Delivery).where(m.Delivery.post_id == "broken")).all()
        for row in broken:
            row.media = [{"alt": "no file named"}]  # building its request fails
    remote = FakeRemote()
    result = _dispatcher(project, db, remote, T0).run_due()
    assert (result.published, result.errors) == (2, 1), result
    assert sorted(call.language for call in remote.published) == ["cy", "en"]
    with db.sessions() as session:
        states = {(r.post_id, r.language): r.state for r in session.scalars(select(m.Delivery))}
        assert (
            session.scalar(select(func.count()).select_from(m.Attempt).where(m.Attempt.delivery_id == broken[0].id))
            == 0
        )
    assert states[("fine", "en")] == DeliveryState.PUBLISHED
    assert states[("broken", "cy")] == DeliveryState.PUBLISHING, "left leased, to be recovered when the lease ends"
