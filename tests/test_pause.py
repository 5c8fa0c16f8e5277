"""Pause and quiet periods: scheduled posts stop at once, wait (not expire), and go out in order afterwards.

In-process queues with a frozen clock for the timing; the real CLI for ``pause`` / ``resume`` (audited),
``status`` and the compliance report; the emergency path still goes, with the pause in its preview.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from emergency_support import BASE_ARGS, local, run_emergency

from publisher.config import Config
from publisher.queue import pauses
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.sync import sync_content

from _cli import front, pair, run_cli, sent, status_json
from conftest import BASE_CONFIG, Project

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
ONE_WORKER = "\n[daemon]\nworkers = 1\n"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _setup(project: Project, open_db: Any, extra: str = "") -> tuple[Config, Any, Clock, Dispatcher]:
    project.write("config/publisher.toml", 'max_lateness = "1h"\n' + extra + BASE_CONFIG + ONE_WORKER)
    pair(project.content, "a", front((T0 + timedelta(minutes=10)).isoformat()))
    pair(project.content, "b", front((T0 + timedelta(minutes=20)).isoformat()))
    config = project.config()
    db = open_db(config)
    clock = Clock(T0)
    dispatcher = Dispatcher(config, db.sessions, dialect=db.dialect, owner="t", clock=clock)
    return config, db, clock, dispatcher


def _turn(config: Config, db: Any, clock: Clock, dispatcher: Dispatcher) -> list[str]:
    report = sync_content(config, db.sessions, clock())
    dispatcher.run_due()
    return report.expired


def test_posts_due_in_a_pause_wait_and_go_out_in_order_when_it_ends(project: Project, open_db: Any) -> None:
    config, db, clock, dispatcher = _setup(project, open_db)
    with db.sessions.begin() as session:
        pauses.pause(session, config, None, "a death in the community", "B. Evans", T0)
    assert _turn(config, db, clock, dispatcher) == []
    clock.now = T0 + timedelta(hours=3)  # both are due, far past max_lateness
    assert _turn(config, db, clock, dispatcher) == [], "a pause holds posts; it does not expire them"
    assert sent(project.root) == []
    with db.sessions.begin() as session:
        pauses.resume(session, config, None, "B. Evans", clock.now)
    clock.now += timedelta(minutes=1)
    assert _turn(config, db, clock, dispatcher) == []
    assert sent(project.root) == [("a", "cy"), ("b", "cy"), ("a", "en"), ("b", "en")]


def test_with_after_pause_expire_posts_due_in_a_pause_expire(project: Project, open_db: Any) -> None:
    config, db, clock, dispatcher = _setup(project, open_db, 'after_pause = "expire"\n')
    with db.sessions.begin() as session:
        pauses.pause(session, config, None, "major incident", "B. Evans", T0)
    _turn(config, db, clock, dispatcher)
    clock.now = T0 + timedelta(hours=3)
    assert sorted(_turn(config, db, clock, dispatcher)) == ["a", "b"]
    assert sent(project.root) == []


def test_a_quiet_period_in_the_config_holds_only_its_accounts(project: Project, open_db: Any) -> None:
    quiet = f"""
[[quiet_periods]]
from = {T0.isoformat()}
to = {(T0 + timedelta(hours=2)).isoformat()}
accounts = ["local-separate"]
reason = "pre-election period"
"""
    config, db, clock, dispatcher = _setup(project, open_db)
    project.write("config/publisher.toml", project.config_path.read_text() + quiet)
    pair(project.content, "c", front((T0 + timedelta(minutes=10)).isoformat(), "[local]"))
    config = project.config()
    dispatcher = Dispatcher(config, db.sessions, dialect=db.dialect, owner="t", clock=clock)
    clock.now = T0 + timedelta(minutes=30)
    _turn(config, db, clock, dispatcher)
    assert sent(project.root) == [("c", "cy+en")]
    clock.now = T0 + timedelta(hours=2, minutes=1)
    assert _turn(config, db, clock, dispatcher) == []
    assert [slug for slug, _ in sent(project.root)] == ["c", "a", "b", "a", "b"]


def _now(minutes: int = -1) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def test_pause_and_resume_from_the_command_line_are_audited_and_shown(project: Project) -> None:
    none_yet = run_cli(project.root, "pause", "--reason", "major incident")
    assert none_yet.returncode == 1 and "no database" in none_yet.stderr
    assert not (project.root / "publisher.db").exists(), "pause must not make a database of its own"
    pair(project.content, "later", front(_now(120)))
    assert run_cli(project.root, "run", "--once").returncode == 0
    paused = run_cli(project.root, "pause", "--reason", "major incident", "--by", "B. Evans")
    assert paused.returncode == 0 and "paused: every account" in paused.stdout, paused.stderr
    twice = run_cli(project.root, "pause", "--reason", "again")
    assert twice.returncode == 1 and "already paused" in twice.stderr
    pair(project.content, "due", front(_now()))
    assert run_cli(project.root, "run", "--once").returncode == 0
    assert sent(project.root) == []
    data = status_json(project.root)
    [pause] = [p for p in data["pauses"] if p["active"]]
    assert (pause["account"], pause["reason"], pause["by"]) == (None, "major incident", "B. Evans")
    due = next(p for p in data["posts"] if p["id"] == "due")
    assert due["deliveries"][0]["waiting_for"].startswith("paused") and due["state"] == "active"
    assert "PAUSED: every account" in " ".join(run_cli(project.root, "status").stdout.split())
    resumed = run_cli(project.root, "resume")
    assert resumed.returncode == 0 and "resumed: every account" in resumed.stdout
    assert run_cli(project.root, "resume").returncode == 1
    assert run_cli(project.root, "run", "--once").returncode == 0
    assert sent(project.root) == [("due", "cy"), ("due", "en")]
    events = [json.loads(line) for line in (project.root / "audit.log").read_text().splitlines()]
    people = [(e["action"], e["actor"]) for e in events if e["action"] in ("paused", "resumed")]
    assert people[:2] == [("paused", "B. Evans"), ("resumed", people[1][1])] and people[1][1]
    assert all(e["os_user"] for e in events)
    report = json.loads(run_cli(project.root, "report", "compliance", "--format", "json").stdout)
    [span] = report["pauses"]
    assert span["reason"] == "major incident" and span["to"] is not None and span["hours"] >= 0


def test_one_account_paused_leaves_the_others_going(project: Project) -> None:
    pair(project.content, "p", front(_now(120), "[local, local-separate]"))
    assert run_cli(project.root, "run", "--once").returncode == 0
    assert run_cli(project.root, "pause", "--account", "local", "--reason", "account hacked").returncode == 0
    pair(project.content, "p", front(_now(), "[local, local-separate]"))
    assert run_cli(project.root, "run", "--once").returncode == 0
    assert sent(project.root) == [("p", "cy"), ("p", "en")]
    unknown = run_cli(project.root, "pause", "--account", "nope", "--reason", "x")
    assert unknown.returncode == 1 and "'nope' is not an account" in unknown.stderr


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_the_emergency_path_still_works_and_its_preview_shows_the_pause(project: Project) -> None:
    project.write(
        "config/publisher.toml",
        BASE_CONFIG + '\n[[quiet_periods]]\nfrom = 2026-11-20\nto = 2026-12-31\nreason = "pre-election period"\n',
    )
    result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 0, result.output
    assert "PAUSED: scheduled posts to every account are paused until 2027-01-01 00:00 UTC (pre-election period)" in (
        result.output
    )
    assert "this emergency post goes out anyway" in result.output
    assert len(list((project.root / "outbox").glob("*.json"))) == 1
