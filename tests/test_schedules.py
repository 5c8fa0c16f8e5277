"""Schedules through the real ``publisher run --once`` with frozen clocks: slots, recurrence, DST."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from click.testing import CliRunner

from publisher.cli import cli

from conftest import NOW, Project

LONDON = ZoneInfo("Europe/London")
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
WEEKLY = """name: weekly
accounts: [local]
slots:
  - {days: [tue, fri], at: "10:00"}
skip_bank_holidays: true
"""


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def scheduled_post(project: Project, slug: str, order: int | None = None) -> None:
    front = (
        "schedule: weekly\naccounts: [local]\n" + (f"queue_order: {order}\n" if order is not None else "") + REVIEWED
    )
    project.post(
        slug,
        cy_front=front,
        cy_body=f"Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol ({slug}).",
        en_body=f"The library will be closed on Monday because of electrical work ({slug}).",
    )


def run_once(at: datetime) -> Any:
    with time_machine.travel(at, tick=True):
        return CliRunner().invoke(cli, ["run", "--once"])


def status(at: datetime) -> dict[str, dict[str, Any]]:
    with time_machine.travel(at, tick=True):
        data = json.loads(CliRunner().invoke(cli, ["status", "--format", "json"]).output)
    return {p["id"]: p for p in data["posts"]}


def slots(at: datetime) -> dict[str, str]:
    return {pid: p["scheduled_at"] for pid, p in status(at).items() if p["schedule"] == "weekly"}


def test_slots_are_assigned_in_queue_order_and_stay_put(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    scheduled_post(project, "b", order=2)
    scheduled_post(project, "a", order=1)
    scheduled_post(project, "c")
    monday = local(2027, 1, 11, 9, 0)
    assert run_once(monday).exit_code == 0
    first = slots(monday)
    assert first == {
        "a": "2027-01-12T10:00:00+00:00",
        "b": "2027-01-15T10:00:00+00:00",
        "c": "2027-01-19T10:00:00+00:00",
    }
    scheduled_post(project, "z", order=0)  # a later post with a lower queue_order does not take an assigned slot
    assert run_once(local(2027, 1, 11, 9, 30)).exit_code == 0
    second = slots(local(2027, 1, 11, 9, 30))
    assert {k: second[k] for k in first} == first and second["z"] == "2027-01-22T10:00:00+00:00"
    assert "(weekly slot)" in status(monday)["a"]["local_time"]


def test_slot_posts_publish_at_their_slot_and_a_freed_slot_is_reused(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    scheduled_post(project, "a", order=1)
    scheduled_post(project, "b", order=2)
    run_once(local(2027, 1, 11, 9, 0))
    (project.content / "b.cy.md").unlink()
    (project.content / "b.en.md").unlink()
    scheduled_post(project, "c", order=3)
    run_once(local(2027, 1, 11, 9, 5))
    assert slots(local(2027, 1, 11, 9, 5))["c"] == "2027-01-15T10:00:00+00:00", "b's future slot went to the next post"
    run_once(local(2027, 1, 12, 10, 0, 5))
    posts = status(local(2027, 1, 12, 10, 1))
    assert [d["state"] for d in posts["a"]["deliveries"]] == ["published"]
    assert [d["state"] for d in posts["c"]["deliveries"]] == ["queued"]


def test_bank_holidays_in_wales_are_skipped(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY.replace("[tue, fri]", "[mon]"))
    scheduled_post(project, "a")
    run_once(local(2026, 12, 27, 12, 0))  # Sunday before Boxing Day (observed Monday 28th)
    assert slots(local(2026, 12, 27, 12, 0))["a"] == "2027-01-04T10:00:00+00:00"


RECURRING = """name: reminder
accounts: [local]
slots:
  - {days: [sun], at: "01:30"}
recurring:
  cy: "Nodyn atgoffa: mae casgliadau biniau'r wythnos hon yn dechrau yfory, {{ date_cy }}."
  en: "Reminder: this week's bin collections start tomorrow, {{ date_en }}."
translation: {reviewed: true, reviewer: Gwenllian Morgan}
"""


def test_recurring_posts_once_per_slot_across_both_clock_changes(project: Project) -> None:
    project.write("schedules/reminder.yaml", RECURRING)
    for night in (local(2027, 3, 28, 0, 0), local(2027, 10, 30, 23, 0)):
        for minutes in (0, 5, 30, 95, 200):  # several runs (restarts) around each clock change
            run_once(datetime.fromtimestamp(night.timestamp() + minutes * 60, LONDON))
    posts = status(local(2027, 11, 1, 12, 0))
    spring = [p for pid, p in posts.items() if pid.startswith("recurring/reminder/2027-03-28")]
    autumn = [p for pid, p in posts.items() if pid.startswith("recurring/reminder/2027-10-31")]
    assert len(spring) == 1 and spring[0]["scheduled_at"] == "2027-03-28T01:00:00+00:00", (
        "01:30 does not exist: 02:00 BST"
    )
    assert len(autumn) == 1 and autumn[0]["scheduled_at"] == "2027-10-31T00:30:00+00:00", (
        "01:30 happens twice: the first"
    )
    for post in spring + autumn:
        assert [d["state"] for d in post["deliveries"]] == ["published"]
    outbox = [json.loads(p.read_text()) for p in sorted((project.root / "outbox").glob("*.json"))]
    assert [o["text"].split(",")[1].split(".")[0].strip() for o in outbox[:1]] == ["Dydd Sul 28 Mawrth 2027"]
    assert sum(1 for o in outbox if "31 Hydref 2027" in o["text"]) == 1


def test_check_reports_schedule_problems_and_gaps(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    codes = {f.code for f in project.check(now=NOW).findings}
    assert codes == {"schedule-empty"}
    scheduled_post(project, "a")
    scheduled_post(project, "b")
    assert project.check(now=NOW).findings == []
    project.write("schedules/weekly.yaml", WEEKLY.replace("[tue, fri]", "[tue, fry]").replace("[local]", "[locl]"))
    findings = project.check(now=NOW).findings
    by_code = {f.code: f for f in findings}
    assert (
        "did you mean 'fri'" in by_code["schedule-invalid"].message
        and by_code["schedule-invalid"].file == "schedules/weekly.yaml"
    )
    assert "did you mean 'local'" in by_code["account-unknown"].message
    project.write(
        "schedules/reminder.yaml",
        RECURRING.replace(
            "Nodyn atgoffa: mae casgliadau biniau'r wythnos hon yn dechrau yfory",
            "Reminder: this week's bin collections start tomorrow",
        ),
    )
    assert any(
        f.code == "language-mismatch" and f.file == "schedules/reminder.yaml" for f in project.check(now=NOW).findings
    )


def test_preview_shows_the_assigned_slot(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    scheduled_post(project, "a")
    before = CliRunner().invoke(cli, ["preview", "a", "--format", "json"])
    assert json.loads(before.output)["publish_at"] is None and json.loads(before.output)["schedule"] == "weekly"
    run_once(local(2027, 1, 11, 9, 0))
    after = json.loads(CliRunner().invoke(cli, ["preview", "a", "--format", "json"]).output)
    assert (
        after["publish_at"]["utc"].startswith("2027-01-12T10:00") and "slot of 'weekly'" in after["publish_at"]["local"]
    )


def test_a_missed_slot_moves_to_the_next_free_slot_instead_of_expiring(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    scheduled_post(project, "a", order=1)
    scheduled_post(project, "b", order=2)
    run_once(local(2027, 1, 11, 9, 0))
    assert slots(local(2027, 1, 11, 9, 0))["a"] == "2027-01-12T10:00:00+00:00"
    # The daemon was down from Monday to Thursday: a's Tuesday slot is long missed; b keeps its Friday.
    result = run_once(local(2027, 1, 14, 9, 0))
    assert result.exit_code == 0
    posts = status(local(2027, 1, 14, 9, 0))
    assert posts["a"]["state"] == "active" and posts["a"]["scheduled_at"] == "2027-01-19T10:00:00+00:00"
    assert "was missed; moved to the next free slot" in posts["a"]["note"]
    assert posts["b"]["scheduled_at"] == "2027-01-15T10:00:00+00:00"
    assert [d["state"] for d in posts["a"]["deliveries"]] == ["queued"]


def test_a_post_takes_its_schedules_accounts_unless_it_names_its_own(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    for slug in ("a", "b"):
        project.post(
            slug,
            cy_front=f"schedule: weekly\n{REVIEWED}",
            cy_body=f"Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol ({slug}).",
            en_body=f"The library will be closed on Monday because of electrical work ({slug}).",
        )
    assert project.check().findings == []
    run_once(local(2027, 1, 11, 9, 0))
    assert [d["account"] for d in status(local(2027, 1, 11, 9, 0))["a"]["deliveries"]] == ["local"]
    project.post(
        "c",
        cy_front=f"schedule: weekly\naccounts: [local-separate]\n{REVIEWED}",
        cy_body="Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol (c).",
        en_body="The library will be closed on Monday because of electrical work (c).",
    )
    [finding] = project.check().findings
    assert (finding.code, finding.severity, finding.line) == ("accounts-differ", "warning", 3)
    assert "its schedule 'weekly' posts to local" in finding.message


def test_checking_one_file_reports_the_schedule_findings_of_a_full_check(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY)
    scheduled_post(project, "a")
    scheduled_post(project, "b")
    full = [f for f in project.check().findings if f.post.startswith("schedule:")]
    one = project.check(targets=(project.content / "a.cy.md",))
    assert [f for f in one.findings if f.post.startswith("schedule:")] == full == []
    (project.content / "b.cy.md").unlink()
    (project.content / "b.en.md").unlink()
    full = [f for f in project.check().findings if f.code == "schedule-empty"]
    one = project.check(targets=(project.content / "a.cy.md",))
    assert [f for f in one.findings if f.code == "schedule-empty"] == full and len(full) == 1
    whole = project.check(targets=(project.root / "schedules" / "weekly.yaml",))
    assert whole.posts == 1, "a schedule file checks every post"


def test_a_schedule_with_a_start_date_has_no_slot_before_it(project: Project) -> None:
    project.write("schedules/weekly.yaml", WEEKLY + "starts: 2027-03-01\n")
    scheduled_post(project, "a")
    run_once(local(2027, 1, 11, 9, 0))
    assert slots(local(2027, 1, 11, 9, 0))["a"] == "2027-03-02T10:00:00+00:00"
    project.write("schedules/weekly.yaml", WEEKLY + "starts: 1 March\n")
    assert "starts = '1 March' is not a date" in " ".join(f.message for f in project.check().findings)
