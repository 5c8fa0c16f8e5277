"""Smaller faults found on the way, each held by a test: thread parts, misnamed files, review dates, the
Translation Team's hours in the emergency note, a missing word bank, and the examples the README describes."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from click.testing import CliRunner
from emergency_support import BASE_ARGS, local, run_emergency

from publisher.cli import cli

from conftest import CY_BODY, CY_FRONT, EN_BODY, Project

ROOT = Path(__file__).resolve().parent.parent


def test_a_thread_whose_languages_have_different_numbers_of_parts_is_refused(project: Project) -> None:
    project.post(
        cy_front=CY_FRONT + "thread: true\n",
        cy_body=f"{CY_BODY}\n\n---\n\nMae rhagor o fanylion ar ein gwefan, gan gynnwys yr oriau agor newydd.",
        en_body=EN_BODY,
    )
    [finding] = project.check().findings
    assert (finding.code, finding.file, finding.line) == ("pair-mismatch", "content/post.cy.md", 7)
    assert "thread: 2 Welsh part(s) here but 1 English part(s)" in finding.message
    result = CliRunner().invoke(cli, ["preview", "post", "--format", "json"])
    assert result.exit_code == 1 and json.loads(result.output)["errors"] == ["pair-mismatch"]


def test_a_file_named_nearly_like_a_post_file_is_reported_with_the_right_name(project: Project) -> None:
    project.post("kept")
    project.write("content/gritting.eng.md", f"---\n---\n{EN_BODY}\n")
    project.write("content/gritting.cym.md", f"---\n{CY_FRONT}---\n{CY_BODY}\n")
    project.write("content/kept.en.md.md", f"---\n---\n{EN_BODY}\n")
    findings = [f for f in project.check().findings if f.code == "file-misnamed"]
    assert {(f.file, f.severity) for f in findings} == {
        ("content/gritting.eng.md", "error"),
        ("content/gritting.cym.md", "error"),
        ("content/kept.en.md.md", "error"),
    }
    messages = {f.file: f.message for f in findings}
    assert "rename it to gritting.en.md" in messages["content/gritting.eng.md"]
    assert "rename it to gritting.cy.md" in messages["content/gritting.cym.md"]
    assert "kept.en.md is already there" in messages["content/kept.en.md.md"]
    one = project.check(targets=(project.content / "gritting.eng.md",))
    assert "content/gritting.eng.md" in {f.file for f in one.findings if f.code == "file-misnamed"}


def test_a_review_date_in_another_format_is_a_front_matter_problem_that_says_the_format(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("reviewed_on: 2026-11-20", "reviewed_on: 25/11/2026"))
    [finding] = project.check().findings
    assert (
        finding.code == "front-matter-invalid" and "YYYY-MM-DD" in finding.message and "25/11/2026" in finding.message
    )


@time_machine.travel(local(2026, 11, 25, 11, 0), tick=True)
def test_the_emergency_note_says_the_translation_team_is_at_work_now(project: Project) -> None:
    result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones", "--override-hours")
    assert result.exit_code == 0, result.output
    assert "the Translation Team is at work now (until 17:00)" in result.output
    assert "next at work" not in result.output


def test_searching_a_word_bank_that_does_not_exist_says_so(project: Project) -> None:
    result = CliRunner().invoke(cli, ["wordbank", "search", "flood"])
    assert result.exit_code == 1
    assert "there is no word bank" in result.output and "config/wordbank.yaml does not exist" in result.output
    assert "Nothing in the word bank matches" not in result.output


def test_the_examples_are_what_the_readme_says(tmp_path: Path, monkeypatch: object) -> None:
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "The example posts are scheduled in 2027" in readme
    for name in ("config", "content", "schedules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Europe/London")), tick=True):
        runner = CliRunner()
        assert runner.invoke(cli, ["run", "--once"]).exit_code == 0
        posts = json.loads(runner.invoke(cli, ["status", "--format", "json"]).output)["posts"]
    assert posts and not (tmp_path / "outbox").exists(), "starting the daemon on the examples published something"
    assert all(p["scheduled_at"].startswith("2027-") for p in posts), [(p["id"], p["scheduled_at"]) for p in posts]
    assert {d["state"] for p in posts for d in p["deliveries"]} == {"queued"}


def test_every_rule_code_has_a_row_in_the_content_reference() -> None:
    from publisher.rules import BY_CODE

    table = (ROOT / "docs" / "content.md").read_text()
    assert [code for code in BY_CODE if f"| `{code}` |" not in table] == []
