"""End to end: the real ``publisher run`` against the fake X, Graph, Mastodon, Threads and LinkedIn platforms."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from _crash import PUBLISHER, REVIEWED, fake_config, fake_env, server_posts, set_faults
from conftest import Project
from fakeplatform import FakeServer

DAEMON = """lease = "5s"
request_timeout = "1s"
reconcile_after = "1s"
retry_base = "1s"
retry_max = "2s"
sync_interval = "30s"
workers = 2"""
ACCOUNTS = ("fake-x", "fake-facebook", "fake-mastodon", "fake-threads", "fake-linkedin")


def _write(project: Project, server: FakeServer, accounts: tuple[str, ...] = ACCOUNTS) -> None:
    project.write("config/publisher.toml", fake_config(server.url, DAEMON))
    when = (datetime.now(UTC) - timedelta(seconds=5)).isoformat(timespec="seconds")
    for account in accounts:
        project.post(
            account,
            cy_front=f"publish_at: {when}\naccounts: [{account}]\n{REVIEWED}",
            cy_body=f"Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol ({account}).",
            en_body=f"The library will be closed on Monday because of electrical work ({account}).",
        )


def _run_until_published(project: Project, expected: int, server: FakeServer, timeout: float = 60) -> str:
    """Run the daemon until ``expected`` deliveries are published, then SIGTERM it."""
    process = subprocess.Popen(
        [*PUBLISHER, "run"],
        cwd=project.root,
        env=fake_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            status = subprocess.run(
                [*PUBLISHER, "status", "--format", "json"],
                cwd=project.root,
                env=fake_env(),
                capture_output=True,
                text=True,
            )
            if status.returncode == 0:
                states = [d["state"] for p in json.loads(status.stdout)["posts"] for d in p["deliveries"]]
                if states and states.count("published") >= expected:
                    break
            time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stderr


def _texts(server: FakeServer) -> list[str]:
    return [post["text"] for post in server_posts(server.url)]


def test_welsh_is_published_before_english_on_every_platform(project: Project, fake_server: FakeServer) -> None:
    _write(project, fake_server)
    stderr = _run_until_published(project, 2 * len(ACCOUNTS), fake_server)
    assert "Traceback" not in stderr
    posts = server_posts(fake_server.url)
    assert len(posts) == 2 * len(ACCOUNTS)
    for account in ACCOUNTS:
        welsh = next(p for p in posts if p["text"].startswith("Bydd") and account in p["text"])
        english = next(p for p in posts if p["text"].startswith("The library") and account in p["text"])
        assert int(welsh["id"]) < int(english["id"]), f"{account}: English before Welsh"
    mastodon = [p for p in posts if p["platform"] == "mastodon"]
    assert sorted(p["language"] for p in mastodon) == ["cy", "en"]
    status = json.loads(
        subprocess.run(
            [*PUBLISHER, "status", "--format", "json"], cwd=project.root, env=fake_env(), capture_output=True, text=True
        ).stdout
    )
    urls = [d["remote_url"] for p in status["posts"] for d in p["deliveries"]]
    assert all(urls), "every published delivery records its remote URL"


@pytest.mark.parametrize("account", ACCOUNTS)
def test_rate_limit_reset_is_honoured(project: Project, fake_server: FakeServer, account: str) -> None:
    _write(project, fake_server, (account,))
    set_faults(fake_server.url, script=[{"status": 429, "reset_in": 2}])
    started = time.time()
    _run_until_published(project, 2, fake_server)
    posts = server_posts(fake_server.url)
    assert len(posts) == 2
    first = datetime.fromisoformat(posts[0]["created_at"].replace("Z", "+00:00")).timestamp()
    assert first >= int(started + 2) - 0.5, "retried before the platform's reset time"


@pytest.mark.parametrize("account", ACCOUNTS)
def test_server_errors_are_retried(project: Project, fake_server: FakeServer, account: str) -> None:
    _write(project, fake_server, (account,))
    set_faults(fake_server.url, script=[{"status": 500}, {"status": 503}])
    _run_until_published(project, 2, fake_server)
    assert len(_texts(fake_server)) == 2


@pytest.mark.parametrize("account", ACCOUNTS)
def test_timeout_after_the_post_was_created_is_reconciled_not_duplicated(
    project: Project, fake_server: FakeServer, account: str
) -> None:
    _write(project, fake_server, (account,))
    set_faults(fake_server.url, script=["timeout"], timeout_sleep=2.5)
    _run_until_published(project, 2, fake_server)
    texts = _texts(fake_server)
    assert len(texts) == 2 and len(set(texts)) == 2, f"duplicated: {texts}"
    status = json.loads(
        subprocess.run(
            [*PUBLISHER, "status", "--format", "json"], cwd=project.root, env=fake_env(), capture_output=True, text=True
        ).stdout
    )
    assert all(d["state"] == "published" for p in status["posts"] for d in p["deliveries"])


def test_sigterm_lets_the_call_in_flight_finish_and_releases_the_rest(
    project: Project, fake_server: FakeServer
) -> None:
    _write(project, fake_server, ("fake-mastodon",))
    project.write(
        "config/publisher.toml",
        fake_config(
            fake_server.url,
            DAEMON.replace('request_timeout = "1s"', 'request_timeout = "10s"').replace(
                'lease = "5s"', 'lease = "20s"'
            ),
        ),
    )
    set_faults(fake_server.url, script=["timeout"], timeout_sleep=2.0)  # the Welsh call takes 2 s to answer
    process = subprocess.Popen(
        [*PUBLISHER, "run"],
        cwd=project.root,
        env=fake_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not server_posts(fake_server.url) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)  # while the Welsh call is in flight
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    status = json.loads(
        subprocess.run(
            [*PUBLISHER, "status", "--format", "json"], cwd=project.root, env=fake_env(), capture_output=True, text=True
        ).stdout
    )
    states = {d["language"]: d["state"] for p in status["posts"] for d in p["deliveries"]}
    assert states == {"cy": "published", "en": "queued"}, (states, stderr)
    assert len(server_posts(fake_server.url)) == 1


def test_the_fake_server_ignores_a_request_cut_short(fake_server: FakeServer) -> None:
    """A client killed mid-request must not create half a post (the crash tests rely on it)."""
    import socket
    from urllib.parse import urlparse

    address = urlparse(fake_server.url)
    body = b"status=Bydd+y+llyfrgell+ar+gau+ddydd+Llun"
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/statuses HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body) + 20}\r\n\r\n".encode()
            + body
        )
        sock.shutdown(socket.SHUT_WR)
        sock.recv(1024)
    assert server_posts(fake_server.url) == []


def test_uploaded_images_carry_no_location_or_camera_data(project: Project, fake_server: FakeServer) -> None:
    """Item 2 of issue 18: the bytes each platform received have no EXIF, GPS, XMP or comment.

    (Threads fetches its copy from the council's website: tests/test_adapter_threads.py reads that copy.)
    """
    import base64
    import io
    import urllib.request

    from PIL import Image

    from pictures import metadata, photo

    project.write("config/publisher.toml", fake_config(fake_server.url, DAEMON))
    project.write("content/media/school.jpg", photo(size=(800, 600), orientation=6))
    uploading = [account for account in ACCOUNTS if account != "fake-threads"]
    assert "gps" in metadata((project.content / "media" / "school.jpg").read_bytes())
    when = (datetime.now(UTC) - timedelta(seconds=5)).isoformat(timespec="seconds")
    media = "media:\n  - {file: media/school.jpg, alt: %s}\n"
    shared = "media:\n  - {file: media/school.jpg, alt: %s, consent: not-required, rights: own}\n"
    project.post(
        "sports-day",
        cy_front=f"publish_at: {when}\naccounts: [{', '.join(uploading)}]\n{REVIEWED}"
        + shared % "Maes chwaraeon gwag ar fore heulog.",
        cy_body="Bydd diwrnod chwaraeon yr ysgol yn dechrau am ddeg o'r gloch bore yfory ar y cae.",
        en_front=media.replace(", consent: not-required, rights: own", "")
        % "An empty sports field on a sunny morning.",
        en_body="The school sports day starts at ten o'clock tomorrow morning on the field.",
    )
    _run_until_published(project, 2 * len(uploading), fake_server)
    with urllib.request.urlopen(f"{fake_server.url}/_media", timeout=10) as response:
        received = json.loads(response.read())
    assert len(received) == 2 * len(uploading), "one upload per platform and language"
    for item in received:
        data = base64.b64decode(item["data"])
        assert metadata(data) == {}, item["id"]
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (600, 800), "turned upright before the orientation tag was dropped"
    assert {item.get("description") for item in received} >= {"Maes chwaraeon gwag ar fore heulog."}
