"""The daemon survives what it depends on: database outages, a full or read-only SQLite file, adapter bugs,
blocked posts, slow calls, long histories to reconcile against; and it tells operators what it does.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from publisher.platforms.account import Account
from publisher.platforms.base import OutcomeUnknown, PermanentError, PublishRequest, TransientError
from publisher.platforms.registry import make_adapter
from publisher.queue import models as m
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import DeliveryState
from publisher.queue.sync import sync_content

from _crash import PUBLISHER, REVIEWED, fake_config, fake_env, server_posts, set_faults
from _postgres import TempPostgres, pg_bin
from _postgres import _free_port as free_port
from conftest import Project
from fakeplatform import FakeServer
from fakes import FakeRemote

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
SEPARATE = f"publish_at: 2027-01-12T10:00+00:00\naccounts: [local-separate]\n{REVIEWED}"


def _control(server: FakeServer, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).read()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(predicate: Any, timeout: float = 60.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _due_posts(project: Project, count: int, accounts: str, at: datetime, prefix: str = "p") -> None:
    for index in range(count):
        project.post(
            f"{prefix}{index:03d}",
            cy_front=f"publish_at: {at.isoformat(timespec='seconds')}\naccounts: [{accounts}]\n{REVIEWED}",
            cy_body=f"{prefix}{index}: Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol.",
            en_body=f"{prefix}{index}: The library will be closed on Monday because of electrical work.",
        )


def _start_daemon(project: Project, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PUBLISHER, "run", *extra],
        cwd=project.root,
        env=env or fake_env(),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _stop_daemon(daemon: subprocess.Popen[str]) -> tuple[int, str]:
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=60)
    return daemon.returncode, stderr


# -- reconciliation looks back far enough ----------------------------------------------------------------------


RECONCILE_ACCOUNTS = {
    "x": {"credentials_env": "FAKE_X"},
    "facebook": {"credentials_env": "FAKE_FB", "page_id": "1234"},
    "instagram": {"credentials_env": "FAKE_IG", "ig_user_id": "17841"},
    "mastodon": {"credentials_env": "FAKE_MASTODON"},
}
SEEDED_AS = {"x": "x", "facebook": "graph", "instagram": "instagram", "mastodon": "mastodon"}


@pytest.mark.parametrize("platform", sorted(RECONCILE_ACCOUNTS))
def test_reconciliation_reads_back_past_1200_newer_posts(fake_server: FakeServer, platform: str) -> None:
    """The post made by a timed-out call is found behind 1,200 newer ones, so it is not sent again."""
    options = dict(RECONCILE_ACCOUNTS[platform])
    account = Account(
        name=f"fake-{platform}",
        platform=platform,
        credentials_env=options.pop("credentials_env"),
        api_base=fake_server.url,
        options=options,
    )
    env = {**fake_env(), "FAKE_IG_ACCESS_TOKEN": "ig-token"}
    adapter = make_adapter(account, env=env, timeout=10)
    text = "Mae'r llyfrgell ar gau heddiw oherwydd gwaith trydanol. Ymddiheurwn."
    request = PublishRequest(text=text, language="cy", idempotency_key="k" * 32)
    since = datetime.now(UTC) - timedelta(minutes=5)
    _control(fake_server, "/_seed", {"platform": SEEDED_AS[platform], "count": 1, "text": text})
    _control(fake_server, "/_seed", {"platform": SEEDED_AS[platform], "count": 1200, "text": "Someone else's post {i}"})
    found = adapter.find_recent(request, since)
    assert found is not None, "the original was not found: it would be sent a second time"
    assert found.id == next(p["id"] for p in server_posts(fake_server.url) if p["text"] == text)


# -- adapter faults become ordinary platform errors -------------------------------------------------------------


@responses.activate
def test_a_graph_error_given_as_plain_text_is_a_platform_error() -> None:
    account = Account(name="fb", platform="facebook", credentials_env="P", api_base="http://graph.test")
    adapter = make_adapter(account, env={"P_PAGE_TOKEN": "page-token-123456", "P_PAGE_ID": "1"})
    responses.post("http://graph.test/v24.0/1/feed", status=400, json={"error": "Invalid parameter"})
    with pytest.raises(PermanentError, match="Invalid parameter"):
        adapter.publish(PublishRequest(text="Helo", language="cy", idempotency_key="k" * 32))


def test_an_outbox_that_cannot_be_written_is_a_platform_error_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should be")
    account = Account(name="out", platform="outbox", path=str(blocker / "outbox"))
    with pytest.raises(PermanentError, match="not-a-folder"):
        make_adapter(account).publish(PublishRequest(text="Helo", language="cy", idempotency_key="k" * 32))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def queue(project: Project, open_db: Any) -> Iterator[tuple[Project, Clock, Any]]:
    project.post(cy_front=SEPARATE)
    config = project.config()
    db = open_db(config)
    clock = Clock(T0)
    sync_content(config, db.sessions, clock())
    yield project, clock, db


def _delivery(db: Any, language: str = "cy") -> m.Delivery:
    with db.sessions() as session:
        return session.scalars(select(m.Delivery).where(m.Delivery.language == language)).one()


def test_an_unexpected_adapter_error_backs_off_and_then_needs_a_person(queue: Any) -> None:
    project, clock, db = queue

    def buggy(request: PublishRequest) -> Exception | None:
        return (
            ValueError(f"cannot parse the answer to {request.idempotency_key[:4]}")
            if request.language == "cy"
            else None
        )

    remote = FakeRemote(rule=buggy)
    dispatcher = Dispatcher(
        project.config(), db.sessions, dialect=db.dialect, owner="a", clock=clock, adapter_factory=remote.factory()
    )
    waits = []
    for _ in range(60):
        dispatcher.run_due()
        welsh = _delivery(db)
        if welsh.state == DeliveryState.FAILED:
            break
        waits.append((welsh.next_attempt_at - clock.now).total_seconds())
        clock.now = welsh.next_attempt_at + timedelta(seconds=1)
    settings = project.config().daemon
    assert welsh.state == DeliveryState.FAILED and welsh.needs_attention
    assert "ValueError" in (welsh.last_error or "") and "cannot parse the answer" in (welsh.last_error or "")
    assert len(remote.calls) == settings.max_attempts, "retried forever, or not at all"
    publish_waits = waits[::2]  # each failure is reconciled before the next send
    assert publish_waits == sorted(publish_waits) and publish_waits[-1] > publish_waits[0], "no backoff"
    assert _delivery(db, "en").state == DeliveryState.QUEUED, "the English never goes before the Welsh"


def test_a_database_error_in_a_worker_is_reported_and_its_lease_recovered(queue: Any, caplog: Any) -> None:
    project, clock, db = queue
    remote = FakeRemote()
    dispatcher = Dispatcher(
        project.config(), db.sessions, dialect=db.dialect, owner="a", clock=clock, adapter_factory=remote.factory()
    )
    real_record = dispatcher._record
    broken = [True]

    def record(*args: Any, **kwargs: Any) -> bool:
        if broken[0]:
            raise OperationalError("UPDATE deliveries", {}, Exception("disk I/O error"))
        return real_record(*args, **kwargs)

    dispatcher._record = record  # type: ignore[method-assign]
    dispatcher.settings = project.config().daemon.__class__(
        lease=timedelta(seconds=2), request_timeout=timedelta(seconds=1)
    )
    caplog.set_level(logging.ERROR, logger="publisher.dispatcher")
    result = dispatcher.run_due()
    assert result.errors == 1 and "disk I/O error" in caplog.text, "the worker's error was swallowed"
    assert _delivery(db).state == DeliveryState.PUBLISHING
    broken[0] = False
    clock.now += timedelta(minutes=5)  # the lease has ended
    assert dispatcher.recover() == 1
    clock.now += timedelta(minutes=5)
    dispatcher.run_due()
    assert _delivery(db).state == _delivery(db, "en").state == DeliveryState.PUBLISHED
    assert [call.language for call in remote.published] == ["cy", "en"], "nothing sent twice"


def test_deliveries_blocked_behind_a_failed_welsh_post_do_not_wake_the_daemon(queue: Any) -> None:
    project, clock, db = queue
    remote = FakeRemote(rule=lambda r: PermanentError("HTTP 403: suspended") if r.language == "cy" else None)
    dispatcher = Dispatcher(
        project.config(), db.sessions, dialect=db.dialect, owner="a", clock=clock, adapter_factory=remote.factory()
    )
    dispatcher.run_due()
    assert _delivery(db).state == DeliveryState.FAILED and _delivery(db, "en").state == DeliveryState.QUEUED
    assert dispatcher.next_due() is None, "the English cannot go: waking for it would spin"


def test_operators_see_each_retry_unknown_and_give_up_with_post_account_language_and_reason(
    queue: Any, caplog: Any
) -> None:
    project, clock, db = queue
    remote = FakeRemote()
    remote.faults += [TransientError("HTTP 503 from the platform"), OutcomeUnknown("read timed out")]
    dispatcher = Dispatcher(
        project.config(), db.sessions, dialect=db.dialect, owner="a", clock=clock, adapter_factory=remote.factory()
    )
    caplog.set_level(logging.INFO, logger="publisher.dispatcher")
    for _ in range(4):
        dispatcher.run_due()
        clock.now += timedelta(hours=2)
    lines = [r.getMessage() for r in caplog.records if r.name == "publisher.dispatcher"]
    assert any("post post, local-separate, Welsh: trying again" in x and "HTTP 503" in x for x in lines), lines
    assert any("post post, local-separate, Welsh: outcome unknown" in x and "read timed out" in x for x in lines)
    assert any("not found on the platform; sending again" in x for x in lines)


# -- the real daemon ------------------------------------------------------------------------------------------


def _project_on_fake(project: Project, server: FakeServer, daemon: str, database: str | None = None) -> None:
    project.write("config/publisher.toml", fake_config(server.url, daemon, database))


def test_a_failed_and_a_retrying_welsh_post_leave_the_daemon_idle(project: Project, fake_server: FakeServer) -> None:
    _project_on_fake(project, fake_server, 'sync_interval = "60s"\nretry_base = "30s"\nrequest_timeout = "5s"')
    now = datetime.now(UTC)
    _due_posts(project, 1, "fake-x", now - timedelta(minutes=1), prefix="failed")
    _due_posts(project, 1, "fake-mastodon", now - timedelta(minutes=1), prefix="retrying")
    set_faults(fake_server.url, script=[{"status": 503}] * 20)
    env = {k: v for k, v in fake_env().items() if not k.startswith("FAKE_X")}  # the X Welsh post fails for good
    daemon = _start_daemon(project, env=env)
    try:
        time.sleep(6)  # past start-up, the first tries and their failures
        before = _cpu_seconds(daemon.pid)
        time.sleep(10)
        spent = _cpu_seconds(daemon.pid) - before
    finally:
        code, stderr = _stop_daemon(daemon)
    assert code == 0, stderr
    assert spent < 0.1, f"{spent:.2f} s of CPU in 10 s idle: the daemon is spinning"
    assert "failed" in stderr and "trying again" in stderr


def test_one_slow_call_holds_up_only_its_own_post(project: Project, fake_server: FakeServer) -> None:
    _project_on_fake(project, fake_server, 'sync_interval = "60s"\nrequest_timeout = "8s"\nworkers = 4')
    due = datetime.now(UTC) + timedelta(seconds=25)
    _due_posts(project, 200, "fake-mastodon", due)
    assert subprocess.run([*PUBLISHER, "run", "--once"], cwd=project.root, env=fake_env(), timeout=300).returncode == 0
    set_faults(fake_server.url, script=["timeout"], timeout_sleep=9)  # the first create lands, its answer never comes
    daemon = _start_daemon(project)
    try:
        assert _wait_for(lambda: len(server_posts(fake_server.url)) >= 400, timeout=120)
    finally:
        code, stderr = _stop_daemon(daemon)
    assert code == 0, stderr
    posts = server_posts(fake_server.url)
    created = sorted(datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) for p in posts)
    lateness = [(t - due).total_seconds() for t in created[1:-1]]  # all but the slow one and its partner
    assert max(lateness) < 8, f"other posts waited {max(lateness):.1f} s behind one slow call"
    texts = [p["text"] for p in posts]
    assert len(texts) == len(set(texts)) == 400, "a post went out twice or not at all"


@pytest.fixture
def private_postgres() -> Iterator[TempPostgres]:
    binaries = pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed here (.ci/run installs the Debian 'postgresql' package)")
    server = TempPostgres(binaries).start()
    yield server
    server.stop()


def test_four_daemons_start_together_on_a_fresh_postgres_database(
    project: Project, fake_server: FakeServer, private_postgres: TempPostgres
) -> None:
    _project_on_fake(project, fake_server, 'sync_interval = "60s"', private_postgres.create_database())
    _due_posts(project, 3, "fake-mastodon", datetime.now(UTC) - timedelta(minutes=1))
    daemons = [_start_daemon(project) for _ in range(4)]
    try:
        assert _wait_for(lambda: len(server_posts(fake_server.url)) >= 6, timeout=60)
        time.sleep(1)
        assert all(d.poll() is None for d in daemons), "a daemon exited at start-up"
    finally:
        results = [_stop_daemon(d) for d in daemons]
    for code, stderr in results:
        assert code == 0 and "UniqueViolation" not in stderr and "Traceback" not in stderr, stderr
    assert len(server_posts(fake_server.url)) == 6


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_postgres_stopped_and_started_under_the_daemon(
    project: Project, fake_server: FakeServer, private_postgres: TempPostgres
) -> None:
    """The daemon stays up through a 15 s outage, says so once each way, and publishes everything exactly once."""
    _project_on_fake(project, fake_server, 'sync_interval = "60s"', private_postgres.create_database())
    start = datetime.now(UTC)
    for second in range(0, 40, 4):  # posts fall due before, during and after the outage
        _due_posts(project, 1, "fake-mastodon", start + timedelta(seconds=second), prefix=f"s{second:02d}-")
    port = free_port()
    daemon = _start_daemon(project, "--metrics", f"127.0.0.1:{port}")
    try:
        assert _wait_for(lambda: len(server_posts(fake_server.url)) >= 2, timeout=60)
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        private_postgres.halt()
        time.sleep(15)
        assert daemon.poll() is None, "the daemon exited during the database outage"
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 503
        private_postgres.resume()
        assert _wait_for(lambda: len(server_posts(fake_server.url)) >= 20, timeout=120)
        assert _wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200, timeout=60)
        metrics = _get(f"http://127.0.0.1:{port}/metrics")[1]
    finally:
        code, stderr = _stop_daemon(daemon)
    assert code == 0 and "Traceback" not in stderr, stderr
    assert stderr.count("database unavailable") == 1 and stderr.count("database available again after") == 1, stderr
    texts = [p["text"] for p in server_posts(fake_server.url)]
    assert len(texts) == len(set(texts)) == 20
    assert 'publisher_deliveries{state="published"} 20.0' in metrics
    assert "publisher_database_outages_total 1.0" in metrics and "publisher_lateness_seconds_count" in metrics


@pytest.mark.parametrize(
    ("pragma", "message"),
    [("max_page_count", "database or disk is full"), ("query_only", "attempt to write a readonly database")],
    ids=["full", "read-only"],
)
def test_a_full_or_read_only_sqlite_database_pauses_the_daemon_without_exiting(
    project: Project, caplog: Any, pragma: str, message: str
) -> None:
    from publisher.queue.daemon import Daemon

    project.write("config/publisher.toml", project.config_path.read_text() + '\n[daemon]\nsync_interval = "1s"\n')
    # More posts than fit in the database's free pages, so a full database refuses them.
    _due_posts(project, 40, "local-separate", datetime.now(UTC) - timedelta(minutes=1))
    daemon = Daemon(project.config())
    engine = daemon.db.engine

    def break_writes(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if pragma == "max_page_count":
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    event.listen(engine, "connect", break_writes)
    engine.dispose()
    caplog.set_level(logging.INFO, logger="publisher")
    thread = threading.Thread(target=daemon.run_forever, daemon=True)
    thread.start()
    try:
        assert _wait_for(lambda: "database unavailable" in caplog.text, timeout=30)
        assert message in caplog.text
        time.sleep(3)
        assert thread.is_alive(), "the daemon exited"
        event.remove(engine, "connect", break_writes)
        engine.dispose()
        assert _wait_for(lambda: len(list((project.root / "outbox").glob("*.json"))) == 80, timeout=90)
    finally:
        daemon.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert caplog.text.count("database unavailable") == 1 and caplog.text.count("database available again") == 1
