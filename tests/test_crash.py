"""Crash test: SIGKILL the daemon at random moments; every post still goes out exactly once.

500 posts (1,000 deliveries: Welsh then English) on X-, Graph-, Mastodon-,
Threads- and LinkedIn-shaped accounts of the fake server, which injects rate limits,
server errors and timeouts *after* creating the post. The real ``publisher
run`` is killed with SIGKILL at random moments and restarted each time; at
the end the fake server must hold exactly one post per delivery, the Welsh
before the English.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from publisher.queue import models as m
from publisher.queue.db import resolve_url
from publisher.queue.states import DeliveryState

from _crash import CY_WORDS, EN_WORDS, PUBLISHER, fake_config, fake_env, server_posts, set_faults, write_posts
from conftest import Project
from fakeplatform import FakeServer

POSTS = 500
DAEMON = """lease = "3s"
request_timeout = "1s"
reconcile_after = "1s"
retry_base = "1s"
retry_max = "2s"
sync_interval = "2s"
workers = 4
max_attempts = 1000"""


def _published(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(m.Delivery)) or 0
            done = (
                session.scalar(
                    select(func.count()).select_from(m.Delivery).where(m.Delivery.state == DeliveryState.PUBLISHED)
                )
                or 0
            )
        return int(done), int(total)
    except Exception:
        return 0, -1
    finally:
        engine.dispose()


def _start(project: Project) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*PUBLISHER, "run"], cwd=project.root, env=fake_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _crash_run(project: Project, server: FakeServer, url: str, instances: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    procs = [_start(project) for _ in range(instances)]
    kills = 0
    deadline = time.monotonic() + 420
    try:
        while kills < 25 and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.8, 3.0))
            victim = rng.randrange(len(procs))
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait()
            kills += 1
            done, total = _published(url)
            if total > 0 and done == total:
                break
            procs[victim] = _start(project)
        set_faults(server.url)  # stop injecting faults; let the survivors finish
        procs = [p if p.poll() is None else _start(project) for p in procs]
        while time.monotonic() < deadline:
            done, total = _published(url)
            if total > 0 and done == total:
                break
            time.sleep(0.5)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        stderr = b"".join(proc.communicate(timeout=60)[1] or b"" for proc in procs)
    return {"kills": kills, "published": _published(url), "stderr": stderr.decode(errors="replace")}


def _assert_exactly_once(server: FakeServer) -> None:
    posts = server_posts(server.url)
    platforms = Counter(post["platform"] for post in posts)
    assert platforms == {"x": 200, "graph": 200, "mastodon": 200, "threads": 200, "linkedin": 200}, platforms
    texts = Counter(post["text"] for post in posts)
    duplicates = {t: n for t, n in texts.items() if n > 1}
    assert not duplicates, (
        f"{len(duplicates)} texts published more than once: "
        + "; ".join(
            f"{post['platform']} #{post['id']} at {post['created_at']}: {post['text'][-14:]}"
            for post in posts
            if post["text"] in duplicates
        )[:2000]
    )
    assert len(posts) == 2 * POSTS, f"{len(posts)} posts on the server, expected {2 * POSTS}"
    order = {post["text"]: int(post["id"]) for post in posts}
    expected = {f"{CY_WORDS} (rhif {i}).": i for i in range(POSTS)} | {
        f"{EN_WORDS} (number {i}).": i for i in range(POSTS)
    }
    unexpected = [post for post in posts if post["text"] not in expected]
    assert not unexpected, f"texts that are no delivery's: {unexpected[:5]}"
    for index in range(POSTS):
        welsh, english = order[f"{CY_WORDS} (rhif {index})."], order[f"{EN_WORDS} (number {index})."]
        assert welsh < english, f"post {index}: English published before Welsh"


def _prepare(project: Project, server: FakeServer, database: str | None) -> None:
    project.write("config/publisher.toml", fake_config(server.url, DAEMON, database))
    set_faults(server.url, error_rate=0.03, timeout_rate=0.03, rate_limit_rate=0.02, timeout_sleep=1.3, seed=7)
    write_posts(
        project.content,
        POSTS,
        datetime.now(UTC) - timedelta(seconds=30),
        ("fake-x", "fake-facebook", "fake-mastodon", "fake-threads", "fake-linkedin"),
    )


def test_sigkill_on_sqlite_publishes_every_post_exactly_once(project: Project, fake_server: FakeServer) -> None:
    _prepare(project, fake_server, None)
    url = resolve_url("sqlite:///publisher.db", project.root)
    outcome = _crash_run(project, fake_server, url, instances=1, seed=11)
    assert outcome["kills"] >= 3, "the test should kill the daemon several times"
    assert "Traceback" not in outcome["stderr"], outcome["stderr"][-3000:]
    assert outcome["published"][0] == outcome["published"][1] == 2 * POSTS, outcome
    _assert_exactly_once(fake_server)


def test_sigkill_with_three_instances_on_postgresql_publishes_every_post_exactly_once(
    project: Project, fake_server: FakeServer, postgres_server: Any
) -> None:
    database = postgres_server.create_database()
    _prepare(project, fake_server, database)
    outcome = _crash_run(project, fake_server, database, instances=3, seed=13)
    assert outcome["kills"] >= 3
    assert "Traceback" not in outcome["stderr"], outcome["stderr"][-3000:]
    assert outcome["published"][0] == outcome["published"][1] == 2 * POSTS, outcome
    _assert_exactly_once(fake_server)
    engine = create_engine(database)
    with engine.connect() as connection:
        owners = connection.execute(text("SELECT count(DISTINCT owner) FROM attempts")).scalar()
    engine.dispose()
    assert owners and owners >= 3
