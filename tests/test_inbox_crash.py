"""Crash tests for the inbox: SIGKILL the daemon (and ``inbox reply``) at random moments.

Collection: hundreds of messages on four platforms, read page by page with
slow reads, while the real ``publisher run`` is killed and restarted again
and again: every message is stored, none twice. Answers: a hundred replies
queued, sent by a daemon that is killed at random while the fake server
times out after creating some of them: every reply is on the platform
exactly once. And an ``inbox reply`` killed after its call reached the
platform: the daemon reconciles it instead of sending it again.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from publisher.queue import models as m
from publisher.queue.db import open_database, resolve_url
from publisher.queue.states import DeliveryState, ResponseKind

from _crash import PUBLISHER, set_faults
from conftest import Project
from fakeplatform import FakeServer
from inbox_support import ENV, call, inject, posts

PLATFORMS = {"mastodon": "fm", "bluesky": "fb", "x": "fx", "facebook": "ffb"}
PER_PLATFORM = 150
REPLIES = 100


def _config(url: str) -> str:
    return f"""\
[accounts.fx]
platform = "x"
credentials_env = "FX"
api_base = "{url}"

[accounts.ffb]
platform = "facebook"
credentials_env = "FFB"
api_base = "{url}"
page_id = "1234"

[accounts.fm]
platform = "mastodon"
credentials_env = "FM"
api_base = "{url}"

[accounts.fb]
platform = "bluesky"
credentials_env = "FB"
api_base = "{url}"

[daemon]
lease = "3s"
request_timeout = "1s"
reconcile_after = "1s"
retry_base = "1s"
retry_max = "2s"
sync_interval = "2s"
max_attempts = 1000

[inbox]
interval = "1s"
daily_reads = {{ fx = 100000 }}
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.update(ENV)
    return env


def _count(url: str, query: Any) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return int(session.scalar(query) or 0)
    except Exception:
        return -1
    finally:
        engine.dispose()


def _start(project: Project, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*PUBLISHER, *args], cwd=project.root, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _kill_until(project: Project, done: Any, seed: int, kills: int = 15, deadline: float = 300) -> dict[str, Any]:
    """Run the daemon, SIGKILL it at random moments ``kills`` times (restarting it), then let it finish."""
    rng = random.Random(seed)
    process, killed, stderr = _start(project, "run"), 0, b""
    end = time.monotonic() + deadline
    try:
        while killed < kills and time.monotonic() < end and not done():
            time.sleep(rng.uniform(1.2, 3.0))
            process.send_signal(signal.SIGKILL)
            stderr += process.communicate(timeout=30)[1] or b""
            killed += 1
            process = _start(project, "run")
        while time.monotonic() < end and not done():
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        stderr += process.communicate(timeout=60)[1] or b""
    return {"kills": killed, "stderr": stderr.decode(errors="replace"), "done": done()}


def _prepare(project: Project, server: FakeServer) -> str:
    """Config, one message per platform collected (the cursors exist), the database URL."""
    project.write("config/publisher.toml", _config(server.url))
    with server.state.lock:
        server.state.posts.append(
            {
                "id": "1234_1",
                "text": "Bydd y llyfrgell ar gau.",
                "platform": "graph",
                "reply_to": None,
                "created_at": "2026-05-20T09:00:00Z",
            }
        )
    inject(server.url, *({"platform": p, "text": f"First {p}", "reply_to": "1234_1"} for p in PLATFORMS))
    fetched = subprocess.run(
        [*PUBLISHER, "inbox", "fetch", "--format", "json"], cwd=project.root, env=_env(), capture_output=True, text=True
    )
    assert json.loads(fetched.stdout)["new"] == len(PLATFORMS), fetched.stderr
    return resolve_url("sqlite:///publisher.db", project.root)


def test_sigkill_during_collection_stores_every_message_once(project: Project, fake_server: FakeServer) -> None:
    url = _prepare(project, fake_server)
    for platform in PLATFORMS:
        texts = (
            {"platform": platform, "text": f"Neges {n} ar {platform}", "reply_to": "1234_1"}
            for n in range(PER_PLATFORM)
        )
        inject(fake_server.url, *texts)
    call(fake_server.url, "/_read_faults", {"delay": 0.15, "script": [{"status": 429, "reset_in": 1}, {"status": 500}]})
    expected = len(PLATFORMS) * (PER_PLATFORM + 1)
    stored = select(func.count()).select_from(m.InboxMessage)
    outcome = _kill_until(project, lambda: _count(url, stored) == expected, seed=21)
    assert outcome["kills"] >= 5, outcome
    assert "Traceback" not in outcome["stderr"], outcome["stderr"][-3000:]
    assert outcome["done"], f"{_count(url, stored)} of {expected} stored"
    distinct = select(func.count()).select_from(
        select(m.InboxMessage.account, m.InboxMessage.remote_id).distinct().subquery()
    )
    assert _count(url, distinct) == expected
    engine = create_engine(url)
    with Session(engine) as session:
        texts = Counter(session.scalars(select(m.InboxMessage.text)))
    engine.dispose()
    assert all(n == 1 for n in texts.values()), [t for t, n in texts.items() if n > 1][:5]
    for platform in PLATFORMS:
        assert sum(1 for t in texts if t and f"ar {platform}" in t) == PER_PLATFORM, platform


def _queue_replies(project: Project) -> list[str]:
    """A reply to each of the first REPLIES messages, queued (not sent): their texts."""
    from publisher.inbox.answers import Piece, load, queue

    config = project.config()
    texts = []
    with open_database(config) as db, db.sessions.begin() as session:
        ids = session.scalars(select(m.InboxMessage.id).order_by(m.InboxMessage.id).limit(REPLIES)).all()
        for message_id in ids:
            text = f"Diolch am eich neges, rhif {message_id}."
            queue(
                session,
                load(session, message_id),
                ResponseKind.REPLY,
                [Piece("cy", text)],
                "A. Jones",
                datetime.now(UTC),
            )
            texts.append(text)
    return texts


def test_sigkill_while_answering_sends_every_reply_exactly_once(project: Project, fake_server: FakeServer) -> None:
    url = _prepare(project, fake_server)
    for platform in PLATFORMS:
        inject(
            fake_server.url, *({"platform": platform, "text": f"Cwestiwn {n}", "reply_to": "1234_1"} for n in range(30))
        )
    fetched = subprocess.run(
        [*PUBLISHER, "inbox", "fetch"], cwd=project.root, env=_env(), capture_output=True, text=True
    )
    assert fetched.returncode == 0, fetched.stderr
    texts = _queue_replies(project)
    set_faults(fake_server.url, error_rate=0.05, timeout_rate=0.1, rate_limit_rate=0.03, timeout_sleep=1.3, seed=5)
    published = select(func.count()).select_from(m.Delivery).where(m.Delivery.state == DeliveryState.PUBLISHED)
    outcome = _kill_until(project, lambda: _count(url, published) == len(texts), seed=23)
    assert outcome["kills"] >= 3, outcome
    assert "Traceback" not in outcome["stderr"], outcome["stderr"][-3000:]
    assert outcome["done"], f"{_count(url, published)} of {len(texts)} published"
    sent = Counter(p["text"] for p in posts(fake_server.url))
    twice = {t: n for t, n in sent.items() if n > 1}
    assert not twice, f"sent more than once: {list(twice)[:5]}"
    missing = [t for t in texts if not any(t in s for s in sent)]
    assert not missing, missing[:5]


def test_an_inbox_reply_killed_mid_call_is_finished_by_the_daemon_not_resent(
    project: Project, fake_server: FakeServer
) -> None:
    url = _prepare(project, fake_server)
    set_faults(fake_server.url, script=["timeout"], timeout_sleep=30)  # created, then no answer
    engine = create_engine(url)
    with Session(engine) as session:
        message = session.scalar(select(m.InboxMessage.id).where(m.InboxMessage.account == "fx"))
    engine.dispose()
    answer = "Rydyn ni wedi derbyn eich neges ac fe fyddwn yn ateb yn fuan."
    english = "We have received your message and will answer soon."
    reply = _start(project, "inbox", "reply", str(message), "--cy", answer, "--en", english, "--by", "A. Jones")
    deadline = time.monotonic() + 60
    while not any(answer in p["text"] for p in posts(fake_server.url)):
        assert time.monotonic() < deadline and reply.poll() is None, reply.communicate(timeout=30)[1]
        time.sleep(0.05)
    reply.send_signal(signal.SIGKILL)  # the call reached X (no idempotency key there); no answer came back
    reply.communicate(timeout=30)
    set_faults(fake_server.url)
    published = select(func.count()).select_from(m.Delivery).where(m.Delivery.state == DeliveryState.PUBLISHED)
    outcome = _kill_until(project, lambda: _count(url, published) == 1, seed=3, kills=0, deadline=120)
    assert outcome["done"], outcome["stderr"][-2000:]
    assert sum(answer in p["text"] for p in posts(fake_server.url)) == 1
