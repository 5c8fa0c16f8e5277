"""Nothing unchecked, unauthorised or secret reaches a platform, a log or a report.

One test (or a few) per path that was open: corrections and templates that
skipped the rules, invisible tricks, files that hang or bloat a read,
templates without bounds, who may approve, an audit trail that could be
bypassed or edited, secrets that survived a cut, and output that could be
injected into.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result
from emergency_support import BASE_ARGS, CY, EN, audit_events, local, run_emergency

from publisher.cli import cli
from publisher.errors import ConfigError
from publisher.redaction import Secrets, printable

from _crash import PUBLISHER, fake_config, fake_env
from conftest import CY_BODY, CY_FRONT, EN_BODY, Project
from fakeplatform import FakeServer

EVENING = local(2026, 11, 25, 20, 0)  # a Wednesday evening: the Translation Team is not at work


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _emergency_item(project: Project) -> int:
    assert run_emergency(project, *BASE_ARGS, "--by", "A. Jones").exit_code == 0
    [item] = json.loads(_cli("review", "list", "--format", "json").output)["items"]
    return int(item["id"])


def _correct(project: Project, item: int, text: str, *extra: str) -> Result:
    path = project.write("corrected.txt", text)
    return _cli(
        "review", "correct", str(item), "--cy-file", str(path), "--reviewer", "G. Morgan", *extra, "--format", "json"
    )


# -- 1. corrections pass the rules ----------------------------------------------------------------------------


@time_machine.travel(EVENING, tick=True)
@pytest.mark.parametrize(
    ("text", "code"),
    [
        (EN, "language-mismatch"),  # English given as the Welsh correction
        (CY + " Gwybodaeth bellach: https://example-council-login.top/verify", "correction-link"),
    ],
    ids=["english-as-welsh", "phishing-link"],
)
def test_a_correction_that_breaks_a_rule_is_refused_with_its_code_and_recorded(
    project: Project, text: str, code: str
) -> None:
    item = _emergency_item(project)
    result = _correct(project, item, text)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["state"] == "refused" and code in {f["code"] for f in data["findings"]}
    refusal = audit_events(project)[-1]
    assert refusal["action"] == "review_refused" and code in refusal["detail"]["codes"]
    assert json.loads(_cli("review", "list", "--format", "json").output)["items"], "the item is still open"


@time_machine.travel(EVENING, tick=True)
def test_a_correction_too_long_for_x_counted_xs_way_is_refused(project: Project) -> None:
    args = ["--account", "powys-x", "--en", EN, "--cy", CY, "--reason", "wall", "--by", "A. Jones", "--yes"]
    assert run_emergency(project, *args).exit_code == 1  # no credentials here: nothing went out, the item exists
    [item] = json.loads(_cli("review", "list", "--format", "json").output)["items"]
    result = _correct(project, item["id"], CY + " " + "Diolch am eich amynedd tra bod y gwaith yn mynd rhagddo." * 6)
    assert result.exit_code == 1 and "too-long" in {f["code"] for f in json.loads(result.stdout)["findings"]}


@time_machine.travel(EVENING, tick=True)
def test_a_personal_phone_number_in_a_correction_must_be_accepted(project: Project) -> None:
    item = _emergency_item(project)
    text = CY + " Ffoniwch Siân ar 07700 900123."
    refused = _correct(project, item, text)
    assert refused.exit_code == 1 and {f["code"] for f in json.loads(refused.stdout)["findings"]} == {"personal-data"}
    accepted = _correct(project, item, text, "--accept-warnings")
    assert accepted.exit_code == 0, accepted.output


# -- 2. emergency templates take free text in each language ---------------------------------------------------

ROAD = ("--account", "local", "--template", "road-closure", "--var", "road=A483", "--var", "place=Llandrindod")


def _copy_wordbank(project: Project) -> None:
    project.write("config/wordbank.yaml", (Path(__file__).parent.parent / "config" / "wordbank.yaml").read_text())


@time_machine.travel(EVENING, tick=True)
def test_free_text_template_variables_need_a_value_in_each_language(project: Project) -> None:
    _copy_wordbank(project)
    english_only = ("--var", "reason=a collapsed wall", "--var", "diversion=via the B4081")
    result = run_emergency(project, *ROAD, *english_only, "--reason", "wall", "--by", "A. Jones", "--yes")
    assert result.exit_code == 2 and "reason" in result.output and "each language" in result.output
    both = (
        "--var", "reason.cy=wal wedi dymchwel", "--var", "reason.en=a collapsed wall",
        "--var", "diversion.cy=drwy'r B4081", "--var", "diversion.en=via the B4081",
    )  # fmt: skip
    result = run_emergency(project, *ROAD, *both, "--reason", "wall", "--by", "A. Jones", "--yes")
    assert result.exit_code == 0, result.output
    [sent] = [json.loads(f.read_text()) for f in (project.root / "outbox").glob("*.json")]
    assert "oherwydd wal wedi dymchwel" in sent["text"] and "because of a collapsed wall" in sent["text"]


@time_machine.travel(EVENING, tick=True)
def test_a_template_rendering_english_into_the_welsh_is_refused_by_the_language_rule(project: Project) -> None:
    project.write(
        "config/wordbank.yaml",
        """templates:
  - name: notice
    variables: [message]
    cy: "{{ message }}"
    en: "{{ message }}"
""",
    )
    message = "The library will be closed on Monday because of electrical work in the building."
    args = ("--account", "local", "--template", "notice", "--var", f"message={message}")
    result = run_emergency(project, *args, "--reason", "x", "--by", "A. Jones", "--yes")
    assert result.exit_code == 1 and "[language-mismatch]" in result.output


# -- 3. invisible tricks -------------------------------------------------------------------------------------

ENGLISH = "The library will be closed on Monday because of electrical work. We apologise for any inconvenience."


@pytest.mark.parametrize(
    "disguised",
    [
        "\u200d".join(ENGLISH),  # a zero-width joiner between every letter
        "".join(c + "\u0301" if c.isalpha() else c for c in ENGLISH),  # a combining accent on every letter
        ENGLISH.replace("a", "\u0430").replace("e", "\u0435").replace("o", "\u043e"),  # Cyrillic look-alikes
        "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ENGLISH),  # fullwidth letters
    ],
    ids=["zero-width-joiners", "combining-flood", "cyrillic-lookalikes", "fullwidth"],
)
def test_english_in_disguise_is_still_english(project: Project, disguised: str) -> None:
    project.post(cy_body=disguised)
    assert "language-mismatch" in project.codes()


def test_a_right_to_left_override_is_an_error_of_its_own(project: Project) -> None:
    hidden = CY_BODY + " \u202e.sdrow neddih\u202c"
    project.post(cy_body=hidden)
    [finding] = [f for f in project.check().findings if f.code == "bidi-control"]
    assert finding.severity == "error" and "U+202E" in finding.message and finding.line == 6
    project.post(cy_body=CY_BODY, en_front='media:\n  - {file: p.jpg, alt: "A photo\u2066 of the park"}\n')
    assert "bidi-control" in project.codes()


# -- 4 and 7. templates that the daemon renders are checked and bounded ----------------------------------------

SCHEDULE = """name: reminder
accounts: [local]
slots:
  - {days: [mon, tue, wed, thu, fri, sat, sun], at: "18:00"}
recurring:
  cy: "%s"
  en: "Reminder: the bins go out tomorrow. {{ date_en }}"
translation: {reviewed: true, reviewer: Gwenllian Morgan}
"""


@pytest.mark.parametrize(
    "welsh",
    [
        "{% for i in range(10**9) %}x{% endfor %}",
        "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 10**9 }}",
        "{{ '%1000000000s' % 'x' }}",
        "{{ '{:>999999999}'.format('x') }}",
        "{{ date | nosuchfilter }}",
        "{{ nosuchvariable }}",
    ],
    ids=["huge-range", "nested-loops", "huge-repeat", "huge-percent", "huge-format", "unknown-filter", "undefined"],
)
def test_a_template_over_a_cap_is_a_coded_finding_quickly(project: Project, welsh: str) -> None:
    project.write("schedules/reminder.yaml", SCHEDULE % welsh.replace('"', '\\"'))
    started = time.monotonic()
    findings = [f for f in project.check().findings if f.post == "schedule:reminder"]
    assert time.monotonic() - started < 5
    assert [f.code for f in findings] == ["schedule-invalid"], findings


@time_machine.travel(datetime(2026, 11, 25, 17, 0, tzinfo=UTC), tick=True)
def test_a_recurring_text_failing_at_run_time_holds_its_post_and_the_daemon_goes_on(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.queue import recurring
    from publisher.text.templates import TemplateError

    project.write("schedules/reminder.yaml", SCHEDULE % "Nodyn atgoffa: mae'r biniau allan yfory. {{ date_cy }}")
    project.post(cy_front="publish_at: 2026-11-25T16:30\naccounts: [local]\n"
                 "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n")  # fmt: skip

    def fails(*_: Any) -> Any:  # what check could not foresee: the run-time render fails
        raise TemplateError("the template runs too long (a loop too big?); make it simpler")

    monkeypatch.setattr(recurring, "_render", fails)
    result = _cli("run", "--once")
    assert result.exit_code == 1, "a post is held"
    posts = {p["id"]: p for p in json.loads(_cli("status", "--format", "json").output)["posts"]}
    held = [p for pid, p in posts.items() if pid.startswith("recurring/reminder/")]
    assert held and all(p["state"] == "held" and p["held_codes"] == ["schedule-invalid"] for p in held)
    assert "cannot be rendered" in (held[0]["note"] or "")
    assert posts["post"]["deliveries"][0]["state"] == "published", "the other post went out"


# -- 6. every file read is bounded and regular ----------------------------------------------------------------


def test_a_fifo_named_like_a_post_neither_hangs_check_nor_the_daemon(project: Project) -> None:
    project.post("good")
    os.mkfifo(project.content / "trap.cy.md")
    project.write("content/trap.en.md", f"---\n---\n{EN_BODY}\n")
    started = time.monotonic()
    result = subprocess.run(
        [*PUBLISHER, "check", "--format", "json"], cwd=project.root, capture_output=True, text=True, timeout=60
    )
    findings = json.loads(result.stdout)["findings"]
    assert any(f["post"] == "trap" and "not a regular file" in f["message"] for f in findings)
    ran = subprocess.run([*PUBLISHER, "run", "--once"], cwd=project.root, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert time.monotonic() - started < 60


def test_an_oversized_post_file_is_refused_without_reading_it_whole(project: Project) -> None:
    project.write("content/big.cy.md", b"---\npublish_at: 2027-01-12T10:00\n---\n" + b"a" * (2 * 1024 * 1024))
    project.write("content/big.en.md", f"---\n---\n{EN_BODY}\n")
    messages = [f.message for f in project.check().findings if f.post == "big"]
    assert any("larger than 1 MiB" in m for m in messages)


BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
)


def test_yaml_bombs_and_deep_nesting_in_schedules_and_front_matter_are_coded_findings(project: Project) -> None:
    project.write("schedules/bomb.yaml", "name: bomb\n" + BOMB)
    project.write("schedules/deep.yaml", "name: deep\nslots: " + "[" * 5000 + "]" * 5000 + "\n")
    project.write("content/deep.cy.md", "---\naccounts: " + "[" * 5000 + "]" * 5000 + "\n---\nx\n")
    project.write("content/deep.en.md", f"---\n---\n{EN_BODY}\n")
    findings = project.check().findings
    by_post = {f.post: f for f in findings if f.code in ("schedule-invalid", "front-matter-invalid")}
    assert "anchors and aliases" in by_post["schedule:bomb"].message
    assert "deep" in by_post and "schedule:deep" in by_post


def test_a_word_bank_bomb_is_a_configuration_error_not_gigabytes(project: Project) -> None:
    project.write("config/wordbank.yaml", BOMB)
    result = subprocess.run(
        [*PUBLISHER, "wordbank", "search", "x"], cwd=project.root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "anchors and aliases" in result.stderr and "Traceback" not in result.stderr


def test_a_symlink_out_of_the_project_is_not_read_as_the_consent_register(project: Project, tmp_path: Path) -> None:
    outside = tmp_path.parent / "outside-consent.csv"
    outside.write_text("reference,subject,expires_on,withdrawn_on\nF-1,x,,\n")
    (project.root / "config" / "consent.csv").symlink_to(outside)
    with pytest.raises(ConfigError, match="leads outside the project"):
        project.check()


# -- 8 and 9. who may approve, and a record that cannot be bypassed ----------------------------------------------


@time_machine.travel(EVENING, tick=True)
def test_only_translation_team_members_approve_and_the_refusal_names_who_and_where(project: Project) -> None:
    item = _emergency_item(project)
    refused = _cli("review", "approve", str(item), "--reviewer", "Someone Else")
    assert refused.exit_code == 1 and "not a Translation Team member" in refused.output
    event = audit_events(project)[-1]
    assert event["action"] == "review_refused" and event["actor"] == "Someone Else"
    with sqlite3.connect(project.root / "publisher.db") as db:
        os_user, host = db.execute("SELECT os_user, host FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    assert os_user and host


@time_machine.travel(EVENING, tick=True)
def test_every_refusal_is_recorded(project: Project) -> None:
    unknown = run_emergency(project, "--account", "nope", "--en", EN, "--cy", CY, "--reason", "r", "--by", "A. Jones")
    assert unknown.exit_code == 2
    invalid = run_emergency(
        project, "--account", "local", "--en", EN, "--cy", EN, "--reason", "r", "--by", "A. Jones", "--yes"
    )
    assert invalid.exit_code == 1
    said_no = CliRunner().invoke(cli, ["emergency", *BASE_ARGS[:-1], "--by", "A. Jones"], input="n\n")
    assert said_no.exit_code == 1
    whys = [e["detail"]["why"] for e in audit_events(project) if e["action"] == "emergency_refused"]
    assert len(whys) == 3 and "not in the config" in whys[0] and "errors" in whys[1] and "said no" in whys[2]
    lines = [json.loads(line) for line in (project.root / "audit.log").read_text().splitlines()]
    assert [line["action"] for line in lines] == ["emergency_refused"] * 3


@time_machine.travel(EVENING, tick=True)
def test_audit_verify_finds_a_deleted_or_changed_event_and_a_bypassed_database(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _emergency_item(project)
    assert _cli("audit", "verify").exit_code == 0
    with sqlite3.connect(project.root / "publisher.db") as db:
        db.execute("UPDATE audit_events SET actor = 'Nobody' WHERE action = 'emergency_post'")
    changed = _cli("audit", "verify")
    assert changed.exit_code == 1 and "was changed after it was written" in changed.output
    with sqlite3.connect(project.root / "publisher.db") as db:
        db.execute("DELETE FROM audit_events WHERE action = 'emergency_post'")
    deleted = _cli("audit", "verify")
    assert deleted.exit_code == 1 and "missing or different in the database" in deleted.output
    # Pointing the database at a throwaway file does not make the record vanish: the log file keeps it.
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", f"sqlite:///{tmp_path / 'throwaway.db'}")
    with time_machine.travel(local(2026, 11, 25, 21, 0), tick=True):
        assert run_emergency(project, *BASE_ARGS, "--by", "A. Jones").exit_code == 0
    monkeypatch.delenv("PUBLISHER_DATABASE_URL")
    actions = [json.loads(line)["action"] for line in (project.root / "audit.log").read_text().splitlines()]
    assert actions.count("emergency_post") == 2
    assert _cli("audit", "verify").exit_code == 1


# -- 10. one daemon per SQLite database, through a symlink too ------------------------------------------------


def test_a_second_daemon_through_a_symlinked_database_path_exits_2(project: Project) -> None:
    project.write(
        "config/publisher.toml", 'database = "sqlite:///data/publisher.db"\n' + project.config_path.read_text()
    )
    (project.root / "data").mkdir()
    (project.root / "alias").symlink_to(project.root / "data")
    first = subprocess.Popen([*PUBLISHER, "run"], cwd=project.root, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        env = {**os.environ, "PUBLISHER_DATABASE_URL": f"sqlite:///{project.root / 'alias' / 'publisher.db'}"}
        second = subprocess.run(
            [*PUBLISHER, "run"], cwd=project.root, env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 2 and "already using" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)


# -- 11-13. secrets ---------------------------------------------------------------------------------------------


def test_a_secret_cut_in_half_is_still_scrubbed_and_scrubbing_comes_before_shortening() -> None:
    secrets = Secrets()
    token = "EAABsbCS1iHgBAKZCZBZCZAZBZCZAvery-long-page-token-9f8e7d6c5b4a"
    secrets.add(token)
    body = "x" * 480 + " Invalid OAuth access token: " + token
    scrubbed = secrets.scrub(body)
    assert token[:8] not in scrubbed and len(scrubbed) <= 501
    assert secrets.scrub("cut here: " + token[:12]) == "cut here: ***"
    assert secrets.scrub("short: EAAB") == "short: EAAB", "fewer than 8 characters are not a secret's start"


def test_debug_logs_of_third_party_libraries_carry_no_secret(project: Project, fake_server: FakeServer) -> None:
    project.write("config/publisher.toml", fake_config(fake_server.url, 'request_timeout = "5s"'))
    due = datetime.now(UTC).isoformat(timespec="seconds")
    project.post(cy_front=CY_FRONT.replace("[local]", "[fake-x]").replace("2027-01-12T10:00", due))
    env = {
        **fake_env(),
        "PUBLISHER_LOG_LEVEL": "DEBUG",
        "FAKE_X_API_KEY": "consumer-key-7f3a9c2e41",
        "FAKE_X_ACCESS_TOKEN": "access-token-1122334455",
        "FAKE_X_API_SECRET": "consumer-secret-aabbccddee",
        "FAKE_X_ACCESS_TOKEN_SECRET": "token-secret-ffeeddccbb",
    }
    result = subprocess.run(
        [*PUBLISHER, "run", "--once"], cwd=project.root, env=env, capture_output=True, text=True, timeout=120
    )
    assert "DEBUG" in result.stderr and result.returncode == 0, result.stderr[-2000:]
    for name in ("FAKE_X_API_KEY", "FAKE_X_ACCESS_TOKEN", "FAKE_X_API_SECRET", "FAKE_X_ACCESS_TOKEN_SECRET"):
        assert env[name][:8] not in result.stderr, f"{name} in the debug log"


@pytest.mark.parametrize(
    "line",
    ['api_base = "https://user:hunter22@proxy.example"', 'database = "postgresql+psycopg://app:s3cret99@db/publisher"'],
)
def test_a_url_with_a_password_is_refused_in_the_config(project: Project, line: str) -> None:
    config = project.config_path.read_text().replace("[accounts.powys-x]\n", f"[accounts.powys-x]\n{line}\n")
    if line.startswith("database"):
        config = line + "\n" + project.config_path.read_text()
    project.write("config/publisher.toml", config)
    with pytest.raises(ConfigError, match="URL with a password") as caught:
        project.config()
    assert "hunter22" not in str(caught.value) and "s3cret99" not in str(caught.value)


# -- 14 and 15. output cannot be injected into --------------------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    from publisher.reports.formats import csv_text

    rows = [{"id": '=HYPERLINK("http://evil")', "a": "+1", "b": "-2", "c": "@SUM(A1)", "d": "\tx", "e": -3, "f": "ok"}]
    text = csv_text(rows, list(rows[0]))
    cells = text.splitlines()[1]
    assert cells.startswith("\"'=HYPERLINK") and ",'+1,'-2,'@SUM(A1),'\tx" in cells and cells.endswith(",-3,ok")


@pytest.mark.parametrize("post_id", ["[/nope]", "evil\nINFO forged line", "\x1b]0;owned\x07", "../../escape"])
def test_an_unsafe_post_id_is_a_coded_finding(project: Project, post_id: str) -> None:
    project.post(cy_front=CY_FRONT + f"id: {json.dumps(post_id)}\n")
    [finding] = [f for f in project.check().findings if f.code == "front-matter-invalid"]
    assert "may only use letters" in finding.message and finding.line == 5
    assert "\n" not in finding.message and "\x1b" not in finding.message


def test_status_shows_hostile_text_as_text(project: Project) -> None:
    project.post("bad", cy_front=CY_FRONT.replace("2027-01-12T10:00", "2027-01-12T10:00") + 'id: "[/nope]"\n')
    _cli("run", "--once")
    result = _cli("status")
    assert result.exit_code == 0 and "[/nope]" in result.output


def test_a_log_message_stays_on_one_line(caplog: Any) -> None:
    from publisher.logs import ScrubbingFormatter

    record = logging.LogRecord(
        "publisher", logging.INFO, __file__, 1, "queued %s", ("evil\n2027 INFO forged\x1b[31m",), None
    )
    line = ScrubbingFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\x1b" not in line and printable("a\nb") == "a\\nb"
