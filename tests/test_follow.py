"""The daemon follows the content repository (real git repositories the tests create): branch, rewrites, failures.

Editors push to a bare origin; the daemon's config names it in ``[content] repository``. Only what is on the
followed branch is published; a force-push never republishes what went out; a fetch that fails (the branch
deleted) keeps the last good tree, is logged once each way and shown in ``status``; every publication records
its commit, author and Welsh reviewer, shown in ``status`` and the compliance report.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.queue.daemon import Daemon

from _cli import PUBLISHER, environment, front, outbox, pair, run_cli, sent, status_json
from _git import AUTHOR, bare_origin, commit_all, git, init
from conftest import BASE_CONFIG, Project

FOLLOW = """
[content]
repository = "origin.git"
branch = "live"
"""


def _now(minutes: int = -1) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(timespec="seconds")


@pytest.fixture
def editor(project: Project) -> Path:
    """An editor's clone of the bare origin the daemon follows (branch ``live``); the daemon's config set up."""
    origin = bare_origin(project.root / "origin.git")  # its HEAD is main: "live" may be deleted
    clone = init(project.root / "editor", branch="live")
    git(clone, "remote", "add", "origin", str(origin))
    project.write("config/publisher.toml", BASE_CONFIG + FOLLOW)
    (project.root / "content").rmdir()  # the server has no content of its own: it reads the working copy
    return clone


def _push(clone: Path, message: str, *extra: str, author: tuple[str, str] = AUTHOR) -> str:
    commit = commit_all(clone, message, author=author)
    git(clone, "push", "--quiet", *extra, "origin", "HEAD:live")
    return commit


def test_only_the_followed_branch_is_published_with_its_provenance(project: Project, editor: Path) -> None:
    pair(editor / "content", "news/library", front(_now()))
    commit = _push(editor, "library closure", author=("Ann Editor", "ann.editor@example.gov.uk"))
    git(editor, "checkout", "--quiet", "-b", "draft")
    pair(editor / "content", "news/draft", front(_now()))
    commit_all(editor, "not reviewed yet")
    git(editor, "push", "--quiet", "origin", "draft")
    result = run_cli(project.root, "run", "--once")
    assert result.returncode == 0, result.stderr
    assert sent(project.root) == [("news/library", "cy"), ("news/library", "en")]
    data = status_json(project.root)
    post = next(p for p in data["posts"] if p["id"] == "news/library")
    assert (post["commit"], post["author"], post["reviewer"]) == (
        commit,
        "Ann Editor <ann.editor@example.gov.uk>",
        "Gwenllian Morgan",
    )
    assert [p["id"] for p in data["posts"]] == ["news/library"]
    assert data["repository"]["commit"] == commit and data["repository"]["error"] is None
    detail = " ".join(run_cli(project.root, "status", "news/library").stdout.split())
    assert f"commit {commit[:12]} by Ann Editor" in detail and "Welsh reviewed by Gwenllian Morgan" in detail
    report = json.loads(run_cli(project.root, "report", "compliance", "--format", "json").stdout)
    row = next(p for p in report["posts"] if p["id"] == "news/library")
    assert (row["commit"], row["author"], row["reviewer"]) == (commit, post["author"], "Gwenllian Morgan")


def test_a_force_push_never_republishes_and_a_deleted_branch_keeps_the_last_good_tree(
    project: Project, editor: Path
) -> None:
    pair(editor / "content", "a", front(_now()))
    _push(editor, "a")
    assert run_cli(project.root, "run", "--once").returncode == 0
    assert len(outbox(project.root)) == 2
    # History rewritten: the published post's text changed in an amended commit, a new post added; force-pushed.
    pair(editor / "content", "a", front(_now()), cy="Testun newydd ar gyfer y llyfrgell ddydd Llun.")
    pair(editor / "content", "b", front(_now()))
    git(editor, "add", "--all")
    git(editor, "commit", "--quiet", "--amend", "-m", "a, rewritten")
    git(editor, "push", "--quiet", "--force", "origin", "HEAD:live")
    result = run_cli(project.root, "run", "--once")
    assert result.returncode == 0, result.stderr
    slugs = [slug for slug, _ in sent(project.root)]
    assert slugs.count("a") == 2, "the rewritten post went out again"
    assert slugs.count("b") == 2
    assert "a changed after publishing started" in result.stderr
    # The branch deleted: the last good tree stays, nothing is cancelled, the failure is shown and exits 1.
    git(editor, "push", "--quiet", "origin", "--delete", "live")
    result = run_cli(project.root, "run", "--once")
    assert result.returncode == 1
    assert "fetching the content repository" in result.stderr and "couldn't find remote ref" in result.stderr
    data = status_json(project.root)
    assert {p["id"]: p["state"] for p in data["posts"]} == {"a": "active", "b": "active"}
    assert data["repository"]["error"] and data["repository"]["failing_since"]
    text = " ".join(run_cli(project.root, "status").stdout.split())
    assert "CONTENT REPOSITORY NOT FETCHED" in text and "publishing from the last good tree" in text


def test_a_failing_fetch_is_logged_once_each_way(
    project: Project, editor: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pair(editor / "content", "a", front(_now(60)))
    _push(editor, "a")
    daemon = Daemon(load_config(project.config_path))
    try:
        caplog.set_level(logging.INFO, logger="publisher.daemon")
        daemon.fetch()
        git(editor, "push", "--quiet", "origin", "--delete", "live")
        for _ in range(3):
            daemon.fetch()
            daemon.sync()
        _push(editor, "back")
        daemon.fetch()
        daemon.fetch()
    finally:
        daemon.close()
    messages = [r.getMessage() for r in caplog.records if "content repository" in r.getMessage()]
    assert sum("failed" in m for m in messages) == 1, messages
    assert sum("works again" in m for m in messages) == 1, messages
    assert any("publishing goes on from the last good tree" in m for m in messages)


def test_sighup_fetches_at_once_and_the_daemon_publishes_the_new_commit(project: Project, editor: Path) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + FOLLOW + '\n[daemon]\nsync_interval = "1h"\n')
    pair(editor / "content", "first", front(_now(120)))
    _push(editor, "first")
    process = subprocess.Popen(
        [*PUBLISHER, "run"], cwd=project.root, env=environment(), stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not (project.root / "publisher.db").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        pair(editor / "content", "second", front(_now()))
        _push(editor, "second")
        process.send_signal(signal.SIGHUP)
        while time.monotonic() < deadline and len(outbox(project.root)) < 2:
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        # The daemon finishes a sync in progress and gives a running fetch its shutdown grace (20 s) before it
        # stops: on a loaded machine that is more than 30 s (docs/configuration.md, shutdown_grace).
        _, stderr = process.communicate(timeout=90)
    assert [slug for slug, _ in sent(project.root)] == ["second", "second"], stderr
    assert process.returncode == 0, stderr


def test_a_working_copy_folder_that_is_not_the_publishers_is_never_touched(project: Project, editor: Path) -> None:
    pair(editor / "content", "a", front(_now()))
    _push(editor, "a")
    precious = project.write("repository/notes.txt", "the council's notes")
    result = run_cli(project.root, "run", "--once")
    assert result.returncode == 1
    assert "not the publisher's working copy" in result.stderr
    assert precious.read_text() == "the council's notes"
    assert outbox(project.root) == []
