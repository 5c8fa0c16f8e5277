"""The Translation Team's review of emergency posts: list, approve, correct (edit or Welsh reply), overdue warnings."""

from __future__ import annotations

import json
import subprocess

import pytest
import time_machine
from click.testing import CliRunner
from emergency_support import BASE_ARGS, CY, EN, audit_events, local, run_emergency

from publisher.cli import cli

from _crash import PUBLISHER, fake_config, fake_env, server_posts
from conftest import Project
from fakeplatform import FakeServer


def test_emergency_end_to_end_welsh_first_review_and_corrections(project: Project, fake_server: FakeServer) -> None:
    config = fake_config(fake_server.url, 'request_timeout = "5s"').replace(
        "[daemon]",
        '[emergency]\nauthorised = ["A. Jones"]\n[translation_team]\nmembers = ["Gwenllian Morgan"]\n[daemon]',
    )
    project.write("config/publisher.toml", config)
    args = [
        "emergency",
        "--account",
        "fake-facebook",
        "--account",
        "fake-x",
        "--en",
        EN,
        "--cy",
        CY,
        "--reason",
        "wall collapsed",
        "--by",
        "A. Jones",
        "--override-hours",
        "--yes",
    ]
    result = subprocess.run(
        [*PUBLISHER, *args], cwd=project.root, env=fake_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    posts = server_posts(fake_server.url)
    assert len(posts) == 4
    for platform in ("graph", "x"):
        texts = [p["text"] for p in posts if p["platform"] == platform]
        assert texts == [CY, EN], f"{platform}: Welsh first"
    listing = json.loads(
        subprocess.run(
            [*PUBLISHER, "review", "list", "--format", "json"],
            cwd=project.root,
            env=fake_env(),
            capture_output=True,
            text=True,
        ).stdout
    )
    [item] = listing["items"]
    corrected = project.write(
        "corrected.txt",
        "Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd wedi dymchwel. Osgowch yr ardal, os gwelwch yn dda.",
    )
    result = subprocess.run(
        [
            *PUBLISHER,
            "review",
            "correct",
            str(item["id"]),
            "--cy-file",
            str(corrected),
            "--reviewer",
            "Gwenllian Morgan",
            "--format",
            "json",
        ],
        cwd=project.root,
        env=fake_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    assert (
        outcome["item"] == item["id"] and outcome["state"] == "corrected" and outcome["reviewer"] == "Gwenllian Morgan"
    )
    by_account = {c["account"]: c for c in outcome["corrections"]}
    assert by_account["fake-facebook"]["how"] == "edit" and by_account["fake-facebook"]["state"] == "edited"
    assert by_account["fake-x"]["how"] == "edit" and by_account["fake-x"]["state"] == "edited", "within X's window"
    after = server_posts(fake_server.url)
    for platform in ("graph", "x"):
        welsh = next(p for p in after if p["platform"] == platform and p.get("edits"))
        assert welsh["text"].startswith("Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd") and welsh["edits"] == [CY]
    assert len(after) == 4, "edits, no new posts"
    actions = [a["action"] for a in audit_events(project)]
    assert {"emergency_post", "correction_edited", "correction_queued"} <= set(actions)
    assert (
        "No emergency posts await review."
        in subprocess.run(
            [*PUBLISHER, "review", "list"], cwd=project.root, env=fake_env(), capture_output=True, text=True
        ).stdout
    )


def test_run_warns_about_overdue_reviews_once_per_working_day(
    project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from publisher.queue.daemon import Daemon

    with time_machine.travel(local(2026, 11, 25, 20, 0), tick=True):
        assert run_emergency(project, *BASE_ARGS, "--by", "A. Jones").exit_code == 0
    caplog.set_level(logging.WARNING, logger="publisher.daemon")
    clock = [local(2026, 11, 28, 10, 0)]  # Saturday: not a working day
    daemon = Daemon(project.config(), clock=lambda: clock[0])
    try:
        assert daemon.warn_overdue_reviews() == 0
        clock[0] = local(2026, 11, 30, 10, 0)  # Monday: due Thursday 17:00, overdue by 2 working days
        assert daemon.warn_overdue_reviews() == 1
        assert "overdue by 2 working day(s)" in caplog.text
        assert daemon.warn_overdue_reviews() == 0, "once per day"
    finally:
        daemon.close()


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_correction_in_the_outbox_is_an_edit_said_in_text(project: Project) -> None:
    assert run_emergency(project, *BASE_ARGS, "--by", "A. Jones").exit_code == 0
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    corrected = project.write(
        "corrected.txt", "Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd wedi dymchwel. Osgowch yr ardal."
    )
    result = CliRunner().invoke(
        cli, ["review", "correct", str(item["id"]), "--cy-file", str(corrected), "--reviewer", "Gwenllian Morgan"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("local: edited ")
    assert f"Review item #{item['id']} corrected by Gwenllian Morgan." in result.stdout
    [sent] = [json.loads(f.read_text()) for f in (project.root / "outbox").glob("*.json")]
    assert "wal sydd wedi dymchwel" in sent["text"]


def _emergency_on_x(project: Project, server: FakeServer, accounts: tuple[str, ...] = ("fake-x",)) -> int:
    project.write(
        "config/publisher.toml",
        fake_config(server.url, 'request_timeout = "5s"').replace(
            "[daemon]", '[emergency]\nauthorised = ["A. Jones"]\n[translation_team]\nmembers = ["G. Morgan"]\n[daemon]'
        ),
    )
    chosen = [arg for account in accounts for arg in ("--account", account)]
    args = [*chosen, "--en", EN, "--cy", CY, "--reason", "wall", "--by", "A. Jones", "--yes"]
    assert run_emergency(project, *args).exit_code == 0
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    return int(item["id"])


def _correct(project: Project, item: int) -> dict:  # type: ignore[type-arg]
    corrected = project.write("corrected.txt", CY.replace("wal wedi dymchwel", "wal sydd wedi dymchwel"))
    args = ["review", "correct", str(item), "--cy-file", str(corrected), "--reviewer", "G. Morgan", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def x_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in fake_env().items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("x_env")
def test_an_x_correction_after_the_edit_window_is_a_welsh_reply(project: Project, fake_server: FakeServer) -> None:
    with time_machine.travel(local(2026, 11, 28, 11, 0), tick=True):  # a Saturday
        item = _emergency_on_x(project, fake_server)
    with time_machine.travel(local(2026, 11, 28, 11, 26), tick=True):  # 26 minutes on: too close to the end
        [correction] = _correct(project, item)["corrections"]
    assert correction["how"] == "reply" and correction["state"] == "published"
    posts = server_posts(fake_server.url)
    welsh = next(p for p in posts if p["text"] == CY)
    reply = next(p for p in posts if p["reply_to"] == welsh["id"])
    assert "wal sydd wedi dymchwel" in reply["text"] and not welsh.get("edits")


@pytest.mark.usefixtures("x_env")
def test_an_edit_x_refuses_is_followed_by_a_welsh_reply(project: Project, fake_server: FakeServer) -> None:
    with time_machine.travel(local(2026, 11, 28, 11, 0), tick=True):
        item = _emergency_on_x(project, fake_server)
        import urllib.request

        request = urllib.request.Request(
            f"{fake_server.url}/_accounts",
            data=json.dumps({"x_editable": False}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).read()
        outcome = _correct(project, item)
    [correction] = outcome["corrections"]
    assert correction["how"] == "reply" and correction["state"] == "published"
    assert correction["note"].startswith("the edit was refused (X does not allow this post to be edited")
    posts = server_posts(fake_server.url)
    welsh = next(p for p in posts if p["text"] == CY)
    assert any(p["reply_to"] == welsh["id"] and "wal sydd" in p["text"] for p in posts)
    actions = [e for e in audit_events(project) if e["action"] == "correction_queued"]
    assert [e["detail"]["how"] for e in actions] == ["edit", "reply"]


@pytest.mark.usefixtures("x_env")
def test_linkedin_corrections_edit_in_place_and_threads_ones_reply_in_welsh(
    project: Project, fake_server: FakeServer
) -> None:
    with time_machine.travel(local(2026, 11, 28, 11, 0), tick=True):
        item = _emergency_on_x(project, fake_server, ("fake-linkedin", "fake-threads"))
    with time_machine.travel(local(2026, 11, 28, 15, 0), tick=True):
        outcome = _correct(project, item)
    how = {c["account"]: (c["how"], c["state"]) for c in outcome["corrections"]}
    assert how == {"fake-linkedin": ("edit", "edited"), "fake-threads": ("reply", "published")}
    posts = server_posts(fake_server.url)
    linkedin = next(p for p in posts if p["platform"] == "linkedin" and p.get("edits"))
    assert linkedin["text"] == CY.replace("wal wedi dymchwel", "wal sydd wedi dymchwel") and linkedin["edits"] == [CY]
    threads_welsh = next(p for p in posts if p["platform"] == "threads" and p["text"] == CY)
    reply = next(p for p in posts if p["platform"] == "threads" and p["reply_to"] == threads_welsh["id"])
    assert "wal sydd wedi dymchwel" in reply["text"]
