"""Several dispatchers sharing one PostgreSQL database never publish a delivery twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import Project
from publisher.platforms.base import Platform, PublishRequest, RemotePost, TransientError
from publisher.queue import models as m
from publisher.queue.daemon import open_database
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.sync import sync_content

REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


class Counting(Platform):
    """Records every publish call; fails a few transiently to mix retries into the race."""

    name = "outbox"
    lock = threading.Lock()
    calls: list[tuple[str, str]] = []
    order: dict[str, list[str]] = {}
    tries = 0

    def publish(self, request: PublishRequest) -> RemotePost:
        with self.lock:
            Counting.tries += 1
            if Counting.tries % 17 == 0:
                raise TransientError("HTTP 503")
            self.calls.append((request.idempotency_key, request.language))
            self.order.setdefault(request.text.split(":")[0], []).append(request.language)
        return RemotePost(id=request.idempotency_key)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        return None

    def delete(self, post: RemotePost) -> None:
        return None


def test_three_dispatchers_share_one_database_without_duplicates(project: Project, postgres_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", postgres_server.create_database())
    project.write("config/publisher.toml", project.config_path.read_text() + '\n[daemon]\nretry_base = "1s"\nretry_max = "1s"\nworkers = 3\n')
    now = datetime.now(timezone.utc)
    for index in range(60):
        project.post(
            f"p{index:03d}",
            cy_front=f"publish_at: {(now - timedelta(minutes=1)).isoformat(timespec='seconds')}\naccounts: [local-separate]\n{REVIEWED}",
            cy_body=f"post{index}: Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. Ymddiheurwn am yr anghyfleustra.",
            en_body=f"post{index}: The library will be closed on Monday because of electrical work. We apologise for the inconvenience.",
        )
    config = project.config()
    db = open_database(config)
    assert db.dialect == "postgresql"
    sync_content(config, db.sessions, now)
    Counting.calls, Counting.order, Counting.tries = [], {}, 0
    clock = [now]
    dispatchers = [
        Dispatcher(config, db.sessions, dialect=db.dialect, owner=f"instance-{i}", clock=lambda: clock[0],
                   adapter_factory=lambda account, env=None, timeout=30.0: Counting(account, env, timeout))
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
    keys = [key for key, _ in Counting.calls]
    assert len(keys) == 120 and len(set(keys)) == 120, "a delivery was published twice"
    assert all(languages == ["cy", "en"] for languages in Counting.order.values()), "English went out before Welsh"
    assert len(owners) == 3, "all three instances should have taken part"
