"""The content repository is also the archive: only new and changed posts are held to the time rules.

Real git repositories: an unchanged post whose time has passed never fails ``check``; a new or changed one due
earlier today is a warning (it publishes at once), beyond ``max_lateness`` an error. ``--changed-since REF`` in CI,
the files pre-commit passes, and the CI snippets in docs/commands.md run as written against a real repository.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from publisher.services.starter import init_repository, workflow

from _cli import front, pair, run_cli
from _git import commit_all, git, init
from conftest import Project

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "commands.md"


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="seconds")


def _archive(project: Project) -> str:
    """A repository holding a post that went out three days ago, committed."""
    init(project.root)
    pair(project.content, "2026/old", front(_ago(days=3), "[local]"))
    return commit_all(project.root, "the archive")


def _check(project: Project, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = run_cli(project.root, "check", "--format", "json", "--no-cache", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def test_an_unchanged_past_post_never_fails_and_a_new_one_does(project: Project) -> None:
    _archive(project)
    code, findings = _check(project)
    assert (code, findings) == (0, [])
    pair(project.content, "2026/late", front(_ago(days=2), "[local]"))
    pair(project.content, "2026/today", front(_ago(hours=1), "[local]"))
    code, findings = _check(project)
    assert code == 1
    assert {(f["post"], f["code"], f["severity"]) for f in findings} == {
        ("2026/late", "schedule-invalid", "error"),
        ("2026/today", "schedule-late", "warning"),
    }
    today = next(f for f in findings if f["code"] == "schedule-late")
    assert "will publish at once" in str(today["message"])


def test_changed_since_holds_what_changed_after_the_reference(project: Project) -> None:
    base = _archive(project)
    pair(project.content, "2026/late", front(_ago(days=2), "[local]"))
    commit_all(project.root, "a late post")
    assert _check(project) == (0, []), "a clean tree: nothing is new since the last commit"
    code, findings = _check(project, "--changed-since", base)
    assert code == 1 and [(f["post"], f["code"]) for f in findings] == [("2026/late", "schedule-invalid")]
    pair(project.content, "2026/old", front(_ago(days=3), "[local]"), cy="Mae'r llyfrgell ar gau heddiw.")
    code, findings = _check(project, "--changed-since", base)
    assert {f["post"] for f in findings if f["code"] == "schedule-invalid"} == {"2026/late", "2026/old"}
    bad = run_cli(project.root, "check", "--changed-since", "no-such-branch")
    assert bad.returncode == 2 and "git does not know 'no-such-branch'" in bad.stderr


def test_the_files_pre_commit_passes_are_held_to_the_time_rules(project: Project, tmp_path_factory: Any) -> None:
    _archive(project)
    starter = tmp_path_factory.mktemp("starter")
    init_repository(starter, date.today())
    hook = yaml.safe_load((starter / ".pre-commit-config.yaml").read_text())
    entry = hook["repos"][0]["hooks"][0]
    staged = ["content/2026/old.cy.md", "content/2026/old.en.md", "README.md"]
    passed = [name for name in staged if re.search(entry["files"], name)]
    assert passed == ["content/2026/old.cy.md", "content/2026/old.en.md"]
    command = entry["entry"].split()[1:]
    result = run_cli(project.root, *command, "--format", "json", *passed)
    assert result.returncode == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["schedule-invalid"]


def _blocks(after_heading: str) -> str:
    text = DOCS.read_text()
    start = text.index(after_heading)
    return text[start:].split("```yaml\n", 1)[1].split("```", 1)[0]


def _run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _ci_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def test_the_github_actions_snippet_runs_as_written(project: Project) -> None:
    documented = _blocks("#### GitHub Actions")
    assert documented == workflow(), "docs/commands.md shows the workflow 'publisher init' writes"
    steps = yaml.safe_load(documented)["jobs"]["check"]["steps"]
    step = next(s for s in steps if s.get("name") == "Check new and changed posts")
    assert step["env"]["BASE"] == "${{ github.event.pull_request.base.sha || github.event.before }}"
    base = _archive(project)
    pair(project.content, "2026/late", front(_ago(days=2), "[local]"))
    commit_all(project.root, "a late post")
    result = _run_script(step["run"], project.root, _ci_env(BASE=base))
    assert result.returncode == 1, result.stderr
    assert "::error file=content/2026/late.cy.md,line=2::schedule-invalid" in result.stdout
    assert "2026/old" not in result.stdout
    # A new branch's first push: GitHub gives 0000...; the snippet falls back to the first commit.
    result = _run_script(step["run"], project.root, _ci_env(BASE="0" * 40))
    assert result.returncode == 1 and "content/2026/late.cy.md" in result.stdout
    git(project.root, "rm", "--quiet", "-r", "content/2026/late.cy.md", "content/2026/late.en.md")
    commit_all(project.root, "removed")
    result = _run_script(step["run"], project.root, _ci_env(BASE=base))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gitlab_ci_snippet_runs_as_written(project: Project) -> None:
    job = yaml.safe_load(_blocks("#### GitLab CI"))["publisher-check"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    script = "\n".join(line for line in job["script"] if not line.startswith("pip install"))
    base = _archive(project)
    pair(project.content, "2026/late", front(_ago(days=2), "[local]"))
    commit_all(project.root, "a late post")
    result = _run_script(script, project.root, _ci_env(CI_MERGE_REQUEST_DIFF_BASE_SHA=base))
    assert result.returncode == 1 and "schedule-invalid" in result.stdout, result.stderr
    result = _run_script(script, project.root, _ci_env(CI_COMMIT_BEFORE_SHA=git(project.root, "rev-parse", "HEAD")))
    assert result.returncode == 0, result.stdout + result.stderr
