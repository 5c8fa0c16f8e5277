"""The emergency path: hours and bank holidays, who may use it, Welsh sources, review."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import responses
import time_machine
from click.testing import CliRunner

from _crash import PUBLISHER, fake_config, fake_env, server_posts
from conftest import Project
from fakeplatform import FakeServer
from publisher.cli import cli
from publisher.config import load_config
from publisher.workdays import add_working_days, team_at_work
from publisher.rules.wordbank_templates import check_templates
from publisher.text.templates import TemplateError, render
from publisher.emergency.translator import TranslationError, translate_to_welsh

LONDON = ZoneInfo("Europe/London")
EN = "The A483 at Llandrindod is closed because of a collapsed wall. Please avoid the area."
CY = "Mae'r A483 yn Llandrindod ar gau oherwydd wal wedi dymchwel. Osgowch yr ardal os gwelwch yn dda."


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("when", "at_work"),
    [
        (local(2026, 11, 25, 11, 0), True),  # a Wednesday morning
        (local(2026, 11, 25, 19, 30), False),  # a Wednesday evening
        (local(2026, 11, 27, 16, 45), False),  # Friday after 16:30
        (local(2026, 11, 28, 11, 0), False),  # a Saturday
        (local(2026, 12, 28, 11, 0), False),  # Boxing Day observed on Monday
        (local(2026, 12, 29, 11, 0), True),  # the Tuesday after
        (local(2026, 10, 26, 9, 30), True),  # the Monday after the clocks went back
    ],
)
def test_translation_team_hours_and_welsh_bank_holidays(project: Project, when: datetime, at_work: bool) -> None:
    assert team_at_work(project.config(), when) is at_work


def test_clock_change_night_is_out_of_hours_and_local(project: Project) -> None:
    config = project.config()
    # 2026-10-25 is a Sunday, and 01:30 happens twice; neither is working time.
    assert not team_at_work(config, datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")))
    # 08:30 UTC on Monday 26th is 08:30 GMT (before 09:00); 09:00 UTC is 09:00 GMT.
    assert not team_at_work(config, datetime(2026, 10, 26, 8, 30, tzinfo=ZoneInfo("UTC")))
    assert team_at_work(config, datetime(2026, 10, 26, 9, 0, tzinfo=ZoneInfo("UTC")))


def test_review_is_due_after_working_days_skipping_holidays(project: Project) -> None:
    config = project.config()
    due = add_working_days(config, local(2026, 12, 24, 20, 0), 1)  # Thursday evening before Christmas
    assert due == local(2026, 12, 29, 17, 0), "Friday 25, Sat, Sun and Monday 28 (observed) are not working days"


def run(project: Project, *args: str) -> Any:
    return CliRunner().invoke(cli, ["emergency", *args], catch_exceptions=False)


BASE_ARGS = ("--account", "local", "--en", EN, "--cy", CY, "--reason", "wall collapsed", "--yes")


@time_machine.travel(local(2026, 11, 25, 11, 0), tick=False)
def test_refused_inside_hours_with_next_steps(project: Project) -> None:
    result = run(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 1
    assert "Translation Team is at work now (Wednesday 11:00, until 17:00 Europe/London)" in result.output
    assert "Translation Request Form" in result.output and "--override-hours" in result.output


@time_machine.travel(local(2026, 11, 25, 11, 0), tick=True)
def test_override_hours_publishes_and_is_recorded(project: Project) -> None:
    result = run(project, *BASE_ARGS, "--by", "A. Jones", "--override-hours")
    assert result.exit_code == 0, result.output
    [event] = [a for a in _audit(project) if a["action"] == "emergency_post"]
    assert event["actor"] == "A. Jones" and event["detail"]["override_hours"] is True and event["detail"]["reason"] == "wall collapsed"


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_evening_post_publishes_welsh_first_and_creates_a_review_item(project: Project) -> None:
    result = run(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 0, result.output
    files = sorted((project.root / "outbox").glob("*.json"))
    [combined] = [json.loads(f.read_text()) for f in files]
    assert combined["text"].startswith(CY) and combined["text"].endswith(EN)
    listing = CliRunner().invoke(cli, ["review", "list", "--format", "json"])
    [item] = json.loads(listing.output)["items"]
    assert item["source"] == "summary" and item["due_at"].startswith("2026-11-26T17:00")


@time_machine.travel(local(2026, 11, 28, 11, 0), tick=True)
def test_unauthorised_person_is_refused_and_audited(project: Project) -> None:
    result = run(project, *BASE_ARGS, "--by", "C. Smith")
    assert result.exit_code == 1 and "'C. Smith' may not use the emergency path" in result.output
    assert _audit(project)[-1]["action"] == "emergency_refused"


@time_machine.travel(local(2026, 11, 28, 11, 0), tick=True)
def test_machine_translation_needs_public_safety(project: Project) -> None:
    result = run(project, "--account", "local", "--en", EN, "--machine-translate", "--reason", "x", "--by", "A. Jones", "--yes")
    assert result.exit_code == 1 and "--public-safety" in result.output


def test_google_is_refused_citing_the_policy(project: Project) -> None:
    project.write("config/publisher.toml", project.config_path.read_text() + '\n[machine_translation]\nprovider = "google"\n')
    result = subprocess.run([*PUBLISHER, "check"], cwd=project.root, capture_output=True, text=True)
    assert result.returncode == 2 and "8.5" in result.stderr and "Google" in result.stderr


@responses.activate
def test_microsoft_translator_success_401_429(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = project.config().machine_translation
    monkeypatch.setenv(settings.key_env, "mt-key-123456")
    url = f"{settings.endpoint}/translate"
    responses.post(url, json=[{"translations": [{"text": "Mae'r ffordd ar gau.", "to": "cy"}]}])
    assert translate_to_welsh(settings, "The road is closed.") == "Mae'r ffordd ar gau."
    sent = responses.calls[0].request
    assert "api-version=3.0" in sent.url and "from=en" in sent.url and "to=cy" in sent.url
    assert sent.headers["Ocp-Apim-Subscription-Key"] == "mt-key-123456" and sent.headers["Ocp-Apim-Subscription-Region"] == "uksouth"
    assert json.loads(sent.body) == [{"Text": "The road is closed."}]
    responses.replace(responses.POST, url, status=401, json={"error": {"code": 401000, "message": "invalid key mt-key-123456"}})
    with pytest.raises(TranslationError, match="refused the key") as caught:
        translate_to_welsh(settings, "x")
    assert "mt-key-123456" not in str(caught.value)
    responses.replace(responses.POST, url, status=429, json={"error": {"code": 429001, "message": "Too many requests"}})
    with pytest.raises(TranslationError, match="429"):
        translate_to_welsh(settings, "x")


def test_templates_render_both_languages_with_welsh_dates() -> None:
    bank = load_config(Path(__file__).resolve().parent.parent / "config" / "publisher.toml")
    from publisher.content.wordbank import load_wordbank

    templates = load_wordbank(bank.wordbank).templates
    assert {"road-closure", "school-closure-weather", "water-supply-interruption", "flood-warning", "service-disruption", "event-cancelled"} <= set(templates)
    rendered = render(templates["school-closure-weather"], {"school": "Ysgol Gynradd Llanidloes", "date": "2026-12-28"})
    assert rendered.cy.startswith("Dydd Llun 28 Rhagfyr 2026:") and rendered.en.startswith("Monday 28 December 2026:")
    with pytest.raises(TemplateError, match="needs --var for: date"):
        render(templates["school-closure-weather"], {"school": "X"})
    with pytest.raises(TemplateError, match="has no variable"):
        render(templates["flood-warning"], {"area": "Afon Gwy", "colour": "red"})


def test_templates_are_sandboxed() -> None:
    from publisher.content.wordbank import Template

    evil = Template(name="evil", description="", variables=(), en="{{ ''.__class__.__mro__[1].__subclasses__() }}", cy="x")
    with pytest.raises(TemplateError):
        render(evil, {})


def test_check_reports_bad_templates(project: Project) -> None:
    from publisher.content.wordbank import Template

    text = "templates:\n  - name: swapped\n  - name: vars\n"
    templates = {
        "swapped": Template(name="swapped", description="", variables=("area",), cy="Flood warning for {{ area }}. Do not drive through flood water.", en="Flood warning for {{ area }}. Do not walk through flood water."),
        "vars": Template(name="vars", description="", variables=("area",), cy="Rhybudd llifogydd ar gyfer {{ place }}.", en="Flood warning for {{ area }}."),
    }
    findings = check_templates(templates, text, "config/wordbank.yaml")
    by_template = {(f.post, f.code, f.line) for f in findings}
    assert ("template:swapped", "language-mismatch", 2) in by_template
    assert ("template:vars", "pair-mismatch", 3) in by_template


def _audit(project: Project) -> list[dict[str, Any]]:
    from sqlalchemy import create_engine, select

    from publisher.queue.models import AuditEvent

    engine = create_engine(f"sqlite:///{project.root / 'publisher.db'}")
    with engine.connect() as connection:
        rows = connection.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.detail).order_by(AuditEvent.id)).all()
    engine.dispose()
    return [{"action": a, "actor": b, "detail": c} for a, b, c in rows]


@pytest.fixture
def fake_server() -> Any:
    server = FakeServer().start()
    yield server
    server.stop()


def test_emergency_end_to_end_welsh_first_review_and_corrections(project: Project, fake_server: FakeServer) -> None:
    config = fake_config(fake_server.url, 'request_timeout = "5s"').replace("[daemon]", '[emergency]\nauthorised = ["A. Jones"]\n[daemon]')
    project.write("config/publisher.toml", config)
    args = ["emergency", "--account", "fake-facebook", "--account", "fake-x", "--en", EN, "--cy", CY,
            "--reason", "wall collapsed", "--by", "A. Jones", "--override-hours", "--yes"]
    result = subprocess.run([*PUBLISHER, *args], cwd=project.root, env=fake_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    posts = server_posts(fake_server.url)
    assert len(posts) == 4
    for platform in ("graph", "x"):
        texts = [p["text"] for p in posts if p["platform"] == platform]
        assert texts == [CY, EN], f"{platform}: Welsh first"
    listing = json.loads(subprocess.run([*PUBLISHER, "review", "list", "--format", "json"], cwd=project.root, env=fake_env(), capture_output=True, text=True).stdout)
    [item] = listing["items"]
    corrected = project.write("corrected.txt", "Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd wedi dymchwel. Osgowch yr ardal, os gwelwch yn dda.")
    result = subprocess.run([*PUBLISHER, "review", "correct", str(item["id"]), "--cy-file", str(corrected), "--reviewer", "Gwenllian Morgan", "--format", "json"],
                            cwd=project.root, env=fake_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["item"] == item["id"] and outcome["state"] == "corrected" and outcome["reviewer"] == "Gwenllian Morgan"
    by_account = {c["account"]: c for c in outcome["corrections"]}
    assert by_account["fake-facebook"]["how"] == "edit" and by_account["fake-facebook"]["state"] == "edited"
    assert by_account["fake-x"]["how"] == "reply" and by_account["fake-x"]["state"] == "published" and by_account["fake-x"]["url"]
    after = server_posts(fake_server.url)
    welsh_facebook = next(p for p in after if p["platform"] == "graph" and p.get("edits"))
    assert welsh_facebook["text"].startswith("Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd") and welsh_facebook["edits"] == [CY]
    x_posts = [p for p in after if p["platform"] == "x"]
    welsh_x = next(p for p in x_posts if p["text"] == CY)
    reply = next(p for p in x_posts if p["reply_to"] == welsh_x["id"])
    assert reply["text"].startswith("Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd")
    actions = [a["action"] for a in _audit(project)]
    assert {"emergency_post", "correction_edited", "correction_queued"} <= set(actions)
    assert "No emergency posts await review." in subprocess.run([*PUBLISHER, "review", "list"], cwd=project.root, env=fake_env(), capture_output=True, text=True).stdout


def test_run_warns_about_overdue_reviews_once_per_working_day(project: Project, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from publisher.queue.daemon import Daemon

    with time_machine.travel(local(2026, 11, 25, 20, 0), tick=True):
        assert run(project, *BASE_ARGS, "--by", "A. Jones").exit_code == 0
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
        result = run(project, *BASE_ARGS, "--by", "A. Jones")
    assert result.exit_code == 0, result.output
    assert "next at work" in result.output


@time_machine.travel(local(2026, 11, 28, 11, 0), tick=True)
def test_media_is_validated_and_published_with_alt_text_then_approved(project: Project) -> None:
    image = project.write("content/media/wall.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    args = (*BASE_ARGS, "--by", "A. Jones", "--media", str(image), "--alt-cy", "Wal gerrig wedi dymchwel ar draws y ffordd.",
            "--alt-en", "A collapsed stone wall across the road.", "--rights", "own")
    missing_consent = run(project, *args)
    assert missing_consent.exit_code == 1 and "[consent-missing]" in missing_consent.output
    outside = project.write("elsewhere.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    result = run(project, *[str(outside) if a == str(image) else a for a in args], "--consent", "not-required")
    assert result.exit_code == 1 and "[media-missing]" in result.output and "outside the content folder" in result.output
    result = run(project, *args, "--consent", "not-required")
    assert result.exit_code == 0, result.output
    [sent] = [json.loads(f.read_text()) for f in (project.root / "outbox").glob("*.json")]
    assert sent["media"][0]["alt"] == "Wal gerrig wedi dymchwel ar draws y ffordd. / A collapsed stone wall across the road."
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    approved = CliRunner().invoke(cli, ["review", "approve", str(item["id"]), "--reviewer", "Gwenllian Morgan"])
    assert approved.exit_code == 0 and "approved by Gwenllian Morgan" in approved.output
    assert json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"] == []
    assert [a for a in _audit(project) if a["action"] == "review_approved"][0]["actor"] == "Gwenllian Morgan"
    again = CliRunner().invoke(cli, ["review", "approve", str(item["id"]), "--reviewer", "X"])
    assert again.exit_code == 2 and "already approved" in again.output


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_json_output_gives_scripts_the_urls_and_the_review_item(project: Project) -> None:
    result = run(project, *BASE_ARGS, "--by", "A. Jones", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # nothing but the JSON on stdout
    [delivery] = report["deliveries"]
    assert delivery["account"] == "local" and delivery["language"] == "cy+en" and delivery["state"] == "published"
    assert delivery["url"] and delivery["error"] is None
    assert report["source"] == "summary" and report["findings"] == []
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    assert report["review_item"] == item["id"] and report["post"] == item["post"]
    approved = CliRunner().invoke(cli, ["review", "approve", str(item["id"]), "--reviewer", "Gwenllian Morgan", "--format", "json"])
    assert approved.exit_code == 0
    assert json.loads(approved.stdout) == {"item": item["id"], "state": "approved", "reviewer": "Gwenllian Morgan", "corrections": []}


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_json_output_carries_the_findings_when_nothing_is_published(project: Project) -> None:
    english_as_welsh = ("--account", "local", "--en", EN, "--cy", EN, "--reason", "wall collapsed", "--yes")
    result = run(project, *english_as_welsh, "--by", "A. Jones", "--format", "json")
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


@time_machine.travel(local(2026, 11, 25, 20, 0), tick=True)
def test_correction_in_the_outbox_is_an_edit_said_in_text(project: Project) -> None:
    assert run(project, *BASE_ARGS, "--by", "A. Jones").exit_code == 0
    [item] = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    corrected = project.write("corrected.txt", "Mae'r A483 yn Llandrindod ar gau oherwydd wal sydd wedi dymchwel. Osgowch yr ardal.")
    result = CliRunner().invoke(cli, ["review", "correct", str(item["id"]), "--cy-file", str(corrected), "--reviewer", "Gwenllian Morgan"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("local: edited ")
    assert f"Review item #{item['id']} corrected by Gwenllian Morgan." in result.stdout
    [sent] = [json.loads(f.read_text()) for f in (project.root / "outbox").glob("*.json")]
    assert "wal sydd wedi dymchwel" in sent["text"]
