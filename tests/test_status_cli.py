"""``publisher status``: one line per post within 80 columns, filters, detail on request, and never a new database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from _cli import environment, front, pair, run_cli
from conftest import Project


def _when(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat(timespec="seconds")


def _seventeen(project: Project) -> None:
    """Seventeen posts: published, queued, one held, one whose Welsh failed (X without credentials)."""
    for index in range(12):
        pair(
            project.content, f"2027/01/library-opening-hours-over-the-winter-{index:02d}", front(_when(days=30 + index))
        )
    for index in range(3):
        pair(project.content, f"news/{index}", front(_when(minutes=-1), "[local, local-separate]"))
    pair(project.content, "held", front(_when(days=2), reviewed=False))
    pair(project.content, "x-post", front(_when(minutes=-1), "[powys-x]"))
    assert run_cli(project.root, "run", "--once").returncode == 1


def test_the_default_fits_80_columns_one_line_per_post(project: Project) -> None:
    _seventeen(project)
    result = run_cli(project.root, "status", env=environment({"COLUMNS": "80"}))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) <= 17 + 6, result.stdout
    by_id = {line.split()[0]: line for line in lines if line.strip()}
    assert " failed " in by_id["x-post"] and "powys-x cy" in by_id["x-post"]
    assert " held " in by_id["held"] and "translation-unreviewed" in by_id["held"]
    assert " published " in by_id["news/0"]


def test_filters_narrow_it_and_one_post_shows_each_account_and_language(project: Project) -> None:
    _seventeen(project)

    def ids(*args: str) -> list[str]:
        result = run_cli(project.root, "status", "--format", "json", *args)
        assert result.returncode == 0, result.stderr
        return [p["id"] for p in json.loads(result.stdout)["posts"]]

    assert sorted(ids("--failed")) == ["held", "x-post"]
    assert ids("--account", "powys-x") == ["x-post"]
    assert ids("--state", "held") == ["held"]
    assert sorted(ids("--state", "failed")) == ["x-post"]
    later = (datetime.now(UTC) + timedelta(days=35)).date().isoformat()
    assert all(i.startswith("2027/01/") for i in ids("--from", later)) and len(ids("--from", later)) in (6, 7, 8)
    today = datetime.now(UTC).date().isoformat()
    assert sorted(ids("--from", today, "--to", today)) == ["news/0", "news/1", "news/2", "x-post"]
    [news] = json.loads(run_cli(project.root, "status", "news/1", "--format", "json").stdout)["posts"]
    assert [(d["account"], d["language"]) for d in news["deliveries"]] == [
        ("local", "cy+en"),
        ("local-separate", "cy"),
        ("local-separate", "en"),
    ]
    [x_post] = json.loads(run_cli(project.root, "status", "x-post", "--format", "json").stdout)["posts"]
    assert x_post["deliveries"][1]["waiting_for"] == "waits for the Welsh post on powys-x (failed)"
    detail = run_cli(project.root, "status", "x-post", env=environment({"COLUMNS": "80"})).stdout
    assert "NEEDS A PERSON" in detail and "powys-x" in detail and "lang" in detail
    assert max(len(line) for line in detail.splitlines()) <= 80
    assert run_cli(project.root, "status", "--state", "nonsense").returncode == 2
    unknown = run_cli(project.root, "status", "news/9")
    assert unknown.returncode == 2 and "did you mean 'news/" in unknown.stderr


def test_status_never_creates_a_database_and_says_where_it_is_expected(project: Project) -> None:
    for fmt in ("text", "json"):
        result = run_cli(project.root, "status", "--format", fmt)
        assert result.returncode == 1
        assert f"no database at {project.root / 'publisher.db'}" in result.stderr
        assert "PUBLISHER_DATABASE_URL" in result.stderr and "never creates one" in result.stderr
        assert "run --once" not in result.stderr
    assert not (project.root / "publisher.db").exists()
    elsewhere = run_cli(
        project.root, "status", env=environment({"PUBLISHER_DATABASE_URL": f"sqlite:///{project.root}/daemon.db"})
    )
    assert elsewhere.returncode == 1 and "daemon.db" in elsewhere.stderr
    assert not (project.root / "daemon.db").exists()
