"""Several dispatchers sharing one PostgreSQL database never publish a delivery twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from publisher.queue import models as m
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import DeliveryState
from publisher.queue.sync import sync_content

from conftest import Project
from fakes import FakeRemote

REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


def front_matter(now: datetime) -> str:
    """Front matter of a reviewed post for local-separate, due a minute before ``now``."""
    due = (now - timedelta(minutes=1)).isoformat(timespec="seconds")
    return f"publish_at: {due}\naccounts: [local-separate]\n{REVIEWED}"


def test_three_dispatchers_share_one_database_without_duplicates(
    project: Project, postgres_server: Any, monkeypatch: pytest.MonkeyPatch, open_db: Any
) -> None:
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", postgres_server.create_database())
    project.write(
        "config/publisher.toml",
        project.config_path.read_text() + '\n[daemon]\nretry_base = "1s"\nretry_max = "1s"\nworkers = 3\n',
    )
    now = datetime.now(UTC)
    for index in range(60):
        project.post(
            f"p{index:03d}",
            cy_front=front_matter(now),
            cy_body=f"post{index}: Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. Ymddiheurwn.",
            en_body=f"post{index}: The library will be closed on Monday because of electrical work. We apologise.",
        )
    config = project.config()
    db = open_db(config)
    assert db.dialect == "postgresql"
    sync_content(config, db.sessions, now)
    remote = FakeRemote(fail_every=17)
    clock = [now]
    dispatchers = [
        Dispatcher(
            config,
            db.sessions,
            dialect=db.dialect,
            owner=f"instance-{i}",
            clock=lambda: clock[0],
            adapter_factory=remote.factory(),
        )
        for i in range(3)
    ]

    def work(dispatcher: Dispatcher) -> None:
        for _ in range(40):
            dispatcher.run_due()

    for _round in range(5):
        threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clock[0] += timedelta(seconds=2)  # let retry_wait deliveries come due

    with db.sessions() as session:
        states = dict(session.execute(select(m.Delivery.state, func.count()).group_by(m.Delivery.state)).all())
        owners = set(session.scalars(select(m.Attempt.owner)).all())
    db.engine.dispose()
    assert states == {"published": 120}
    keys = [call.key for call in remote.published]
    assert len(keys) == 120 and len(set(keys)) == 120, "a delivery was published twice"
    order: dict[str, list[str]] = {}
    for call in remote.published:
        order.setdefault(call.text.split(":")[0], []).append(call.language)
    assert all(languages == ["cy", "en"] for languages in order.values()), "English went out before Welsh"
    assert len(owners) == 3, "all three instances should have taken part"


def _one_claimed_delivery(
    project: Project, postgres_server: Any, monkeypatch: pytest.MonkeyPatch, open_db: Any
) -> tuple[Any, Any, Any, Any]:
    """A database with one post, its Welsh delivery claimed by 'a' whose 2-minute lease has expired."""
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", postgres_server.create_database())
    now = datetime.now(UTC)
    project.post(cy_front=front_matter(now))
    config = project.config()
    db = open_db(config)
    sync_content(config, db.sessions, now)
    clock = [now]

    def dispatcher(owner: str) -> Dispatcher:
        return Dispatcher(
            config,
            db.sessions,
            dialect=db.dialect,
            owner=owner,
            clock=lambda: clock[0],
            adapter_factory=FakeRemote().factory(),
        )

    a = dispatcher("a")
    claim = a.claim(limit=1)[0]
    clock[0] += timedelta(minutes=3)  # the claim waited in the pool past its lease
    return db, a, dispatcher("b"), claim


def test_recover_skips_a_lease_being_renewed(
    project: Project, postgres_server: Any, monkeypatch: pytest.MonkeyPatch, open_db: Any
) -> None:
    """While daemon a's worker holds the row (starting its call), daemon b must not release it."""
    db, _a, b, claim = _one_claimed_delivery(project, postgres_server, monkeypatch, open_db)
    with db.engine.connect() as starting:
        starting.execute(select(m.Delivery).where(m.Delivery.id == claim.delivery_id).with_for_update())
        released: list[int] = []
        thread = threading.Thread(target=lambda: released.append(b.recover()), daemon=True)
        thread.start()
        thread.join(timeout=5)
        blocked = thread.is_alive()
        starting.rollback()
    thread.join(timeout=10)
    db.engine.dispose()
    assert not blocked, "recover() waited on a row another daemon is starting instead of skipping it"
    assert released == [0]


def test_start_sees_a_release_committed_while_it_waited(
    project: Project, postgres_server: Any, monkeypatch: pytest.MonkeyPatch, open_db: Any
) -> None:
    """Daemon b releases a's expired lease; a's worker, starting meanwhile, must not make the call."""
    from sqlalchemy import update

    db, a, _b, claim = _one_claimed_delivery(project, postgres_server, monkeypatch, open_db)
    started: list[Any] = []
    with db.engine.connect() as releasing:  # b's recover(), caught between its update and its commit
        releasing.execute(
            update(m.Delivery)
            .where(m.Delivery.id == claim.delivery_id)
            .values(state=DeliveryState.QUEUED, lease_owner=None, lease_until=None)
        )
        thread = threading.Thread(target=lambda: started.append(a._start(claim)), daemon=True)
        thread.start()
        thread.join(timeout=1)
        releasing.commit()
    thread.join(timeout=10)
    with db.sessions() as session:
        attempts = session.scalar(select(func.count()).select_from(m.Attempt))
    db.engine.dispose()
    assert started == [None], "a started a call on a lease b had already released"
    assert attempts == 0


def test_an_edit_synced_while_a_delivery_is_being_claimed_is_not_queued_twice(
    project: Project, postgres_server: Any, monkeypatch: pytest.MonkeyPatch, open_db: Any
) -> None:
    """Sync waits for a claim in progress, then sees publishing has started: the edit is reported, not queued."""
    from sqlalchemy import update

    monkeypatch.setenv("PUBLISHER_DATABASE_URL", postgres_server.create_database())
    now = datetime.now(UTC)
    front = front_matter(now)
    project.post(cy_front=front)
    config = project.config()
    db = open_db(config)
    sync_content(config, db.sessions, now)
    project.post(
        cy_front=front,
        cy_body="Bydd y llyfrgell ar gau ddydd Mawrth oherwydd gwaith trydanol yn yr adeilad.",
        en_body="The library will be closed on Tuesday because of electrical work in the building.",
    )
    reports: list[Any] = []
    with db.engine.connect() as claiming:  # another daemon's claim, between its update and its commit
        claiming.execute(
            update(m.Delivery)
            .where(m.Delivery.post_id == "post", m.Delivery.language == "cy")
            .values(state=DeliveryState.PUBLISHING, lease_owner="other", lease_version=1, attempts=1)
        )
        thread = threading.Thread(target=lambda: reports.append(sync_content(config, db.sessions, now)), daemon=True)
        thread.start()
        thread.join(timeout=2)
        claiming.commit()
    thread.join(timeout=20)
    with db.sessions() as session:
        revisions = set(session.scalars(select(m.Delivery.revision).where(m.Delivery.post_id == "post")))
    db.engine.dispose()
    assert reports and reports[0].changed_after_publishing == ["post"]
    assert reports[0].requeued == [] and revisions == {1}
