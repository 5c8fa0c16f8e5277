"""``publisher emergency``: who may use it and when, the Welsh sources, validation, JSON for scripts."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner
from emergency_support import BASE_ARGS, CY, EN, audit_events, local, run_emergency

from publisher.cli import cli

from conftest import Project
from pictures import photo


@time_machine.travel(local(2026, 11, 25, 11, 0), tick=False)
def test_refused_inside_hours_with_next_steps(project: Project) -> None:
    result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 1
    assert "Translation Team is at work now (Wednesday 11:00, until 17:00 Europe/London)" in result.output
    assert "Translation Request Form" in result.output and "--override-hours" in result.output


@time_machine.travel(local(2026, 11, 25, 11, 0), tick=True)
def test_override_hours_publishes_and_is_recorded(project: Project) -> None:
    result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones", "--override-hours")
    assert result.exit_code == 0, result.output
    [event] = [a for a in audit_events(project) if a["action"] == "emergency_post"]
    assert (
        event["actor"] == "A. Jones"
        and event["detail"]["override_hours"] is True
        and event["detail"]["reason"] == "wall collapsed"
    )


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_evening_post_publishes_welsh_first_and_creates_a_review_item(project: Project) -> None:
    result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 0, result.output
    files = sorted((project.root / "outbox").glob("*.json"))
    [combined] = [json.loads(f.read_text()) for f in files]
    assert combined["text"].startswith(CY) and combined["text"].endswith(EN)
    listing = CliRunner().invoke(cli, ["review", "list", "--format", "json"])
    [item] = json.loads(listing.output)["items"]
    assert item["source"] == "summary" and item["due_at"].startswith("2026-11-26T17:00")


@time_machine.travel(local(2026, 11, 28, 11, 0), tick=True)
def test_unauthorised_person_is_refused_and_audited(project: Project) -> None:
    result = run_emergency(project, *BASE_ARGS, "--by", "C. Smith")
    assert result.exit_code == 1 and "'C. Smith' may not use the emergency path" in result.output
    assert audit_events(project)[-1]["action"] == "emergency_refused"


@time_machine.travel(local(2026, 11, 28, 11, 0), tick=True)
def test_machine_translation_needs_public_safety(project: Project) -> None:
    result = run_emergency(
        project, "--account", "local", "--en", EN, "--machine-translate", "--reason", "x", "--by", "A. Jones", "--yes"
    )
    assert result.exit_code == 1 and "--public-safety" in result.output


@pytest.mark.parametrize(
    "when",
    [
        local(2026, 12, 28, 11, 0),  # Boxing Day observed (Monday), normally a working morning
        datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")),  # 01:30 BST, the first of the two 01:30s
        datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("UTC")),  # 01:30 GMT, the second
        local(2026, 11, 28, 11, 0),  # a Saturday
    ],
)
def test_out_of_hours_moments_allow_the_command(project: Project, when: datetime) -> None:
    with time_machine.travel(when, tick=True):
        result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 0, result.output
    assert "next at work" in result.output


@time_machine.travel(local(2026, 11, 28, 11, 0), tick=True)
def test_media_is_validated_and_published_with_alt_text_then_approved(project: Project) -> None:
    image = project.write("content/media/wall.jpg", photo())
    args = (
        *BASE_ARGS,
        "--by",
        "A. Jones",
        "--media",
        str(image),
        "--alt-cy",
        "Wal gerrig wedi dymchwel ar draws y ffordd.",
        "--alt-en",
        "A collapsed stone wall across the road.",
        "--rights",
        "own",
    )
    missing_consent = run_emergency(project, *args)
    assert missing_consent.exit_code == 1 and "[consent-missing]" in missing_consent.output
    outside = project.write("elsewhere.jpg", photo())
    result = run_emergency(
        project, *[str(outside) if a == str(image) else a for a in args], "--consent", "not-required"
    )
    assert (
        result.exit_code == 1 and "[media-missing]" in result.output and "outside the content folder" in result.output
    )
    result = run_emergency(project, *args, "--consent", "not-required")
    assert result.exit_code == 0, result.output
    [sent] = [json.loads(f.read_text()) for f in (project.root / "outbox").glob("*.json")]
    assert (
        sent["media"][0]["alt"]
        == "Wal gerrig wedi dymchwel ar draws y ffordd. / A collapsed stone wall across the road."
    )
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    approved = CliRunner().invoke(cli, ["review", "approve", str(item["id"]), "--reviewer", "Gwenllian Morgan"])
    assert approved.exit_code == 0 and "approved by Gwenllian Morgan" in approved.output
    assert json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"] == []
    assert next(a for a in audit_events(project) if a["action"] == "review_approved")["actor"] == "Gwenllian Morgan"
    again = CliRunner().invoke(cli, ["review", "approve", str(item["id"]), "--reviewer", "G. Morgan"])
    assert again.exit_code == 2 and "already approved" in again.output


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_json_output_gives_scripts_the_urls_and_the_review_item(project: Project) -> None:
    result = run_emergency(project, *BASE_ARGS, "--by", "A. Jones", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # nothing but the JSON on stdout
    [delivery] = report["deliveries"]
    assert delivery["account"] == "local" and delivery["language"] == "cy+en" and delivery["state"] == "published"
    assert delivery["url"] and delivery["error"] is None
    assert report["source"] == "summary" and report["findings"] == []
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    assert report["review_item"] == item["id"] and report["post"] == item["post"]
    approved = CliRunner().invoke(
        cli, ["review", "approve", str(item["id"]), "--reviewer", "Gwenllian Morgan", "--format", "json"]
    )
    assert approved.exit_code == 0
    assert json.loads(approved.stdout) == {
        "item": item["id"],
        "state": "approved",
        "reviewer": "Gwenllian Morgan",
        "corrections": [],
    }


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_json_output_carries_the_findings_when_nothing_is_published(project: Project) -> None:
    english_as_welsh = ("--account", "local", "--en", EN, "--cy", EN, "--reason", "wall collapsed", "--yes")
    result = run_emergency(project, *english_as_welsh, "--by", "A. Jones", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["deliveries"] == [] and report["review_item"] is None
    assert "language-mismatch" in {f["code"] for f in report["findings"] if f["severity"] == "error"}
    assert "not published" in result.stderr
    assert not list((project.root / "outbox").glob("*.json"))


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_json_output_asks_on_stderr_and_keeps_stdout_clean(project: Project) -> None:
    args = [a for a in BASE_ARGS if a != "--yes"]
    result = CliRunner().invoke(cli, ["emergency", *args, "--by", "A. Jones", "--format", "json"], input="n\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Publish this now?" in result.stderr and "Not published." in result.stderr and CY in result.stderr
    assert not list((project.root / "outbox").glob("*.json"))
