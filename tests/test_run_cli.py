"""``publisher run`` and ``status`` through the real CLI, on the outbox platform."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from publisher.queue.db import DaemonLock

from conftest import Project

PUBLISHER = [sys.executable, "-m", "publisher"]
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


def front(when: datetime, accounts: str = "[local-separate]") -> str:
    return f"publish_at: {when.isoformat(timespec='seconds')}\naccounts: {accounts}\n{REVIEWED}"


def run_cli(project: Project, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PUBLISHER, *args], cwd=project.root, capture_output=True, text=True, timeout=timeout, env=_env()
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def outbox(project: Project) -> list[dict[str, object]]:
    folder = project.root / "outbox"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def wait_for(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_run_once_publishes_welsh_first_and_only_once(project: Project) -> None:
    now = datetime.now(UTC)
    project.post("a", cy_front=front(now - timedelta(minutes=1)))
    project.post("b", cy_front=front(now - timedelta(minutes=2), "[local]"))
    project.post("later", cy_front=front(now + timedelta(days=2)))
    first = run_cli(project, "run", "--once")
    assert first.returncode == 0, first.stderr
    sent = outbox(project)
    assert [(p["account"], p["language"]) for p in sent if p["account"] == "local-separate"] == [
        ("local-separate", "cy"),
        ("local-separate", "en"),
    ]
    assert [p["language"] for p in sent if p["account"] == "local"] == ["cy+en"]
    assert sent[[p["account"] for p in sent].index("local")]["text"].startswith(
        "Bydd y llyfrgell"
    )  # Welsh first in combined
    second = run_cli(project, "run", "--once")
    assert second.returncode == 0, second.stderr
    assert len(outbox(project)) == 3, "a second run must not publish anything again"
    status = json.loads(run_cli(project, "status", "--format", "json").stdout)
    states = {(p["id"], d["language"]): d["state"] for p in status["posts"] for d in p["deliveries"]}
    assert states[("a", "cy")] == states[("a", "en")] == "published"
    assert states[("later", "cy")] == "queued"
    later = next(p for p in status["posts"] if p["id"] == "later")
    assert later["deliveries"][1]["waiting_for"] == "waits for the Welsh post on local-separate (queued)"


def test_run_once_exits_1_when_a_post_is_held(project: Project) -> None:
    project.post("bad", cy_front=front(datetime.now(UTC)).replace("reviewed: true", "reviewed: false"))
    result = run_cli(project, "run", "--once")
    assert result.returncode == 1
    assert "held bad: validation errors translation-unreviewed" in result.stderr
    status = run_cli(project, "status")
    assert "held" in status.stdout and "translation-unreviewed" in status.stdout
    assert "held: translation-unreviewed" in run_cli(project, "status", "bad").stdout


def test_second_daemon_on_the_same_sqlite_database_exits_2(project: Project) -> None:
    lock = DaemonLock(project.root / "publisher.db")
    assert lock.acquire()
    try:
        result = run_cli(project, "run", "--once")
    finally:
        lock.release()
    assert result.returncode == 2
    assert "another 'publisher run' is already using" in result.stderr
    assert "Traceback" not in result.stderr


def test_daemon_publishes_at_the_due_time_resyncs_on_sighup_and_stops_cleanly(project: Project) -> None:
    project.write("config/publisher.toml", project.config_path.read_text() + '\n[daemon]\nsync_interval = "1h"\n')
    due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    project.post("soon", cy_front=front(due))
    process = subprocess.Popen(
        [*PUBLISHER, "run"], cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    try:
        assert wait_for(lambda: len(outbox(project)) == 2, timeout=30), "the due post was not published"
        published = datetime.fromisoformat(str(outbox(project)[0]["published_at"]))
        assert published >= due - timedelta(milliseconds=50), "published before it was due"
        assert published - due < timedelta(seconds=2), "the wake-up timer fired late"
        # A new post appears; SIGHUP makes the daemon see it without waiting an hour.
        project.post("new", cy_front=front(datetime.now(UTC) - timedelta(seconds=1)))
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: len(outbox(project)) == 4, timeout=30), "SIGHUP did not re-read the content"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "stopped" in stderr and "Traceback" not in stderr


def test_outbox_keeps_the_prepared_image_scaled_to_max_pixels_without_exif(project: Project) -> None:
    from PIL import Image

    from conftest import BASE_CONFIG
    from pictures import metadata, photo

    project.write("config/publisher.toml", BASE_CONFIG + "[media]\nmax_pixels = 120000\n")
    project.write("content/media/field.jpg", photo(size=(1200, 900)))
    media = "media:\n  - {file: media/field.jpg, alt: %s}\n"
    project.post(
        cy_front=front(datetime.now(UTC) - timedelta(seconds=5))
        + "media:\n  - {file: media/field.jpg, alt: Cae chwarae gwag ar fore heulog., consent: not-required, "
        "rights: own}\n",
        en_front=media % "An empty playing field on a sunny morning.",
    )
    result = run_cli(project, "run", "--once")
    assert result.returncode == 0, result.stderr
    posts = outbox(project)
    assert len(posts) == 2
    for post in posts:
        [image] = post["media"]  # type: ignore[misc]
        uploaded = Path(image["uploaded"])
        assert uploaded.parent == project.root / "outbox" / "media"
        assert metadata(uploaded.read_bytes()) == {}
        with Image.open(uploaded) as opened:
            assert opened.width * opened.height <= 120_000
