"""Reports over a database filled through the real queue (sync + dispatcher), not hand-made rows."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner

from publisher.cli import cli
from publisher.platforms.base import PermanentError, PublishRequest
from publisher.queue.db import open_database
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.sync import sync_content

from conftest import Project
from fakes import FakeRemote

LONDON = ZoneInfo("Europe/London")
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _suspended_welsh(request: PublishRequest) -> Exception | None:
    """Welsh texts containing FAIL are refused, to leave an English post waiting."""
    return PermanentError("HTTP 403: suspended") if "FAIL" in request.text and request.language == "cy" else None


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def _post(
    project: Project,
    slug: str,
    when: datetime,
    account: str,
    cy: str = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol.",
    review: str = REVIEWED,
) -> None:
    project.post(
        slug,
        cy_front=f"publish_at: {when.isoformat()}\naccounts: [{account}]\n{review}",
        cy_body=f"{cy} ({slug})",
        en_body=f"The library will be closed on Monday because of electrical work. ({slug})",
    )


def publish_through_queue(project: Project, moments: list[datetime]) -> None:
    """Sync once, then run the dispatcher at each moment, as the daemon would."""
    config = project.config()
    clock = [moments[0] - timedelta(hours=1)]
    with open_database(config) as db:
        sync_content(config, db.sessions, clock[0])
        dispatcher = Dispatcher(
            config,
            db.sessions,
            dialect=db.dialect,
            clock=lambda: clock[0],
            adapter_factory=FakeRemote(rule=_suspended_welsh).factory(),
        )
        for moment in moments:
            clock[0] = moment
            dispatcher.run_due()


@pytest.fixture
def history(project: Project) -> Project:
    """Weeks 2027-W11 to W14 around the spring clock change (Sunday 28 March 2027)."""
    times = {
        "w11-a": local(2027, 3, 16, 10, 0),
        "w11-b": local(2027, 3, 18, 10, 0),  # two in W11: fine
        "w12-a": local(2027, 3, 22, 10, 0),  # one in W12: flagged
        "w13-a": local(2027, 3, 29, 0, 30),  # Monday 00:30 BST = Sunday 23:30 UTC: W13 locally
        "w13-b": local(2027, 3, 31, 9, 0),
    }
    for slug, when in times.items():
        _post(project, slug, when, "local")
    _post(
        project,
        "w12-fail",
        local(2027, 3, 23, 10, 0),
        "local-separate",
        cy="FAIL: Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol.",
    )
    _post(project, "held", local(2027, 3, 24, 10, 0), "local", review="translation: {reviewed: false}\n")
    _post(project, "future", local(2027, 4, 14, 10, 0), "local")  # W15: scheduled, not yet published
    publish_through_queue(project, [*sorted(times.values()), local(2027, 3, 23, 10, 0)])
    return project


AFTER_THE_PERIOD = local(2027, 4, 7, 12, 0)


def invoke(*args: str, at: datetime = AFTER_THE_PERIOD) -> Any:
    with time_machine.travel(at, tick=False):
        return CliRunner().invoke(cli, ["report", *args])


def test_cadence_per_account_and_local_iso_week(history: Project) -> None:
    result = invoke("cadence", "--weeks", "5", "--format", "json")  # W10..W14 plus W15, W16 ahead
    data = json.loads(result.output)
    rows = {(r["account"], r["week"]): r for r in data["rows"]}
    assert data["min_per_week"] == 2
    assert rows[("local", "2027-W11")]["published"] == 2 and not rows[("local", "2027-W11")]["flagged"]
    assert rows[("local", "2027-W12")]["published"] == 1 and rows[("local", "2027-W12")]["flagged"]
    assert rows[("local", "2027-W13")]["published"] == 2, "00:30 BST on the Monday belongs to the local week"
    assert rows[("local", "2027-W10")]["published"] == 0 and rows[("local", "2027-W10")]["flagged"], (
        "a week with no posts"
    )
    assert rows[("local", "2027-W15")]["scheduled"] == 1 and rows[("local", "2027-W15")]["published"] == 0
    assert rows[("local-separate", "2027-W12")]["published"] == 0, "the Welsh failed: not a bilingual post"
    assert result.exit_code == 1, "a flagged past week makes the command exit 1"
    text = invoke("cadence", "--weeks", "5").output
    assert "local                    2027-W12 (from 2027-03-22)  published 1  scheduled 0  UNDER 2" in text
    csv_out = invoke("cadence", "--weeks", "5", "--format", "csv").output.splitlines()
    assert csv_out[0] == "account,week,week_start,published,scheduled,flagged"


def test_compliance_per_post_and_totals(history: Project) -> None:
    data = json.loads(invoke("compliance", "--from", "2027-03-15", "--to", "2027-04-04", "--format", "json").output)
    posts = {p["id"]: p for p in data["posts"]}
    assert set(posts) == {"w11-a", "w11-b", "w12-a", "w13-a", "w13-b"}, (
        "published posts only; the failed Welsh never went out"
    )
    w13 = posts["w13-a"]
    assert w13["welsh_first"] is True and w13["strategy"] == "combined" and w13["delay_seconds"] == 0
    assert w13["welsh_at"].startswith("2027-03-28T23:30") and w13["translation_source"] == "reviewed"
    totals = data["totals"]
    assert totals["posts"] == 5 and totals["fully_bilingual"] == 5 and totals["fully_bilingual_share"] == 1.0
    assert totals["held"] == 1 and totals["held_reasons"] == {"translation-unreviewed": 1}
    assert totals["emergency"] == 0
    text = invoke("compliance", "--from", "2027-03-15", "--to", "2027-04-04").output
    assert "5 published: 5 fully bilingual (100%)" in text and "translation-unreviewed: 1" in text


def test_emergency_posts_and_reviews_in_compliance(project: Project) -> None:
    with time_machine.travel(local(2027, 3, 20, 21, 0), tick=True):  # a Saturday night
        result = CliRunner().invoke(
            cli,
            [
                "emergency",
                "--account",
                "local",
                "--en",
                "The A483 at Llandrindod is closed because of a collapsed wall.",
                "--cy",
                "Mae'r A483 yn Llandrindod ar gau oherwydd wal wedi dymchwel.",
                "--reason",
                "wall",
                "--by",
                "A. Jones",
                "--yes",
            ],
        )
        assert result.exit_code == 0, result.output
    _post(project, "normal", local(2027, 3, 22, 10, 0), "local")
    publish_through_queue(project, [local(2027, 3, 22, 10, 0)])
    data = json.loads(invoke("compliance", "--format", "json", at=local(2027, 3, 25, 12, 0)).output)
    [emergency] = [p for p in data["posts"] if p["source"] == "emergency"]
    assert (
        emergency["translation_source"] == "summary"
        and emergency["review_state"] == "open"
        and emergency["review_overdue"] is True
    )
    assert (
        data["totals"]["emergency"] == 1
        and data["totals"]["emergency_share"] == 0.5
        and data["totals"]["overdue_reviews"] == 1
    )


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_headless_chromium(history: Project) -> None:
    output = history.root / "report.html"
    result = invoke(
        "compliance", "--from", "2027-03-01", "--to", "2027-03-31", "--format", "html", "--output", str(output)
    )
    assert result.exit_code == 0, result.output
    html = output.read_text()
    assert "<link" not in html and "<script" not in html and "http://" not in html, "self-contained: no external assets"
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed here (.ci/run installs the Debian 'chromium' package where it can)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [browser, *flags, f"--user-data-dir={profile}", "--dump-dom", output.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert 'class="calendar"' in dom.stdout, dom.stderr[-2000:]
    assert 'data-date="2027-03-29"' in dom.stdout and "entry published" in dom.stdout and "entry held" in dom.stdout
    assert 'class="entry failed" title="w12-fail"' in dom.stdout, "the Welsh failed: shown as failed, not scheduled"
    assert 'id="posts"' in dom.stdout and "w13-a" in dom.stdout and 'id="totals"' in dom.stdout
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "compliance-report.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                *flags,
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1280,1600",
                output.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert shot.exists() and shot.stat().st_size > 10_000


def _at_the_end(*args: str) -> Any:
    with time_machine.travel(AFTER_THE_PERIOD, tick=False):
        return CliRunner().invoke(cli, list(args))


def test_the_html_report_in_welsh_and_english_and_the_machine_formats_the_same_in_both(history: Project) -> None:
    period = ["compliance", "--from", "2027-03-01", "--to", "2027-03-31"]
    pages = {}
    for language in ("cy", "en"):
        output = history.root / f"report-{language}.html"
        result = _at_the_end("--lang", language, "report", *period, "--format", "html", "--output", str(output))
        assert result.exit_code == 0, result.output
        pages[language] = output.read_text()
    welsh, english = pages["cy"], pages["en"]
    assert welsh.startswith('<!DOCTYPE html>\n<html lang="cy">') and english.startswith(
        '<!DOCTYPE html>\n<html lang="en">'
    )
    for heading in ("<h1>Adroddiad cyhoeddi dwyieithog</h1>", "<h2>Cyfansymiau</h2>", "<h2>Calendr: Mawrth 2027</h2>"):
        assert heading in welsh
    assert "<th>Llun</th>" in welsh and "<th>Postiad</th>" in welsh and "Cyfnod: 2027-03-01 i 2027-03-31." in welsh
    assert "<h2>Postiadau a gyhoeddwyd</h2>" in welsh and "<th>Oriau yn y cyfnod</th>" in welsh
    assert not any(word in welsh for word in ("Totals", "Calendar", "Published posts", "Period:", "<th>Mon</th>"))
    for heading in ("<h1>Bilingual publishing report</h1>", "<h2>Totals</h2>", "<h2>Calendar: March 2027</h2>"):
        assert heading in english
    assert "<th>Mon</th>" in english and "Period: 2027-03-01 to 2027-03-31." in english
    assert 'class="entry published"' in welsh and 'data-date="2027-03-29"' in welsh, "the markup is the same"
    for fmt in ("json", "csv"):
        cy = _at_the_end("--lang", "cy", "report", *period, "--format", fmt)
        en = _at_the_end("--lang", "en", "report", *period, "--format", fmt)
        assert cy.exit_code == en.exit_code == 0 and cy.output == en.output, f"--format {fmt} is for machines"
    assert en.output.startswith("id,accounts,strategy,welsh_at,english_at,welsh_first,")
