"""The replies inbox end to end: the real CLI against the fake server's five platforms, with frozen clocks.

Collect, classify (a message with no clear language under our Welsh post is
Welsh), answer in the right language (English to Welsh refused with a code),
the holding statement, hiding with the removal notice, the working-day clock
across a weekend and a Welsh bank holiday, and what status and the report show.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from _smtp import PASSWORD, SmtpServer
from conftest import Project
from fakeplatform import FakeServer
from inbox_support import (
    ACCOUNT,
    PLATFORMS,
    incoming,
    inject,
    invoke,
    invoke_json,
    our_posts,
    posts,
    welsh_post,
)

FRIDAY = datetime(2026, 5, 22, 9, 0, tzinfo=UTC)  # 10:00 BST, Friday before the Spring Bank Holiday (Mon 25 May)
HIDEABLE = {"facebook", "instagram", "bluesky"}
UNCLEAR = "Diolch!"
ENGLISH = "When will the library open again after the electrical work?"
MIXED = "Ydy'r llyfrgell ar agor ddydd Sadwrn? Is the library open on Saturday?"
OFFENSIVE = "Mae hyn yn hollol warthus, rydych chi i gyd yn dwp ac yn ddiwerth."
ANSWER_CY = "Bydd y llyfrgell ar agor eto ddydd Mawrth am naw o'r gloch."
ANSWER_EN = "The library will open again on Tuesday at nine o'clock."


def _publish_and_collect(project: Project, server: FakeServer, platform: str) -> dict[str, dict[str, Any]]:
    """Our Welsh and English posts on ``platform``, four messages under them, collected: messages by text."""
    account = ACCOUNT[platform]
    welsh_post(project, "2026-05-22T09:55", (account,))
    result = invoke("run", "--once")
    assert result.exit_code == 0, result.output
    ours = our_posts(project)
    welsh, english = ours[(account, "cy")], ours[(account, "en")]
    inject(
        server.url,
        {"platform": platform, "text": UNCLEAR, "author": "dai", "reply_to": welsh},
        {"platform": platform, "text": ENGLISH, "author": "sian", "reply_to": english},
        {"platform": platform, "text": MIXED, "author": "ffion", "reply_to": welsh},
        {"platform": platform, "text": OFFENSIVE, "author": "trol", "reply_to": welsh},
    )
    fetched = invoke_json("inbox", "fetch")
    assert fetched["new"] == 4, fetched
    listed = invoke_json("inbox", "list")["messages"]
    return {next(t for t in (UNCLEAR, ENGLISH, MIXED, OFFENSIVE) if t in m["text"]): m for m in listed}


def _remote(server: FakeServer, text: str) -> str:
    return next(m["id"] for m in incoming(server.url).values() if m["text"] == text)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_collects_classifies_answers_in_the_right_language_and_hides(
    inbox_project: Project, fake_server: FakeServer, platform: str
) -> None:
    with time_machine.travel(FRIDAY, tick=True):
        messages = _publish_and_collect(inbox_project, fake_server, platform)
        assert {t: (m["language"], m["language_basis"]) for t, m in messages.items()} == {
            UNCLEAR: ("cy", "thread"),  # no clear language, under our Welsh post
            ENGLISH: ("en", "detected"),
            MIXED: ("mixed", "detected"),
            OFFENSIVE: ("cy", "detected"),
        }
        assert messages[UNCLEAR]["thread"]["language"] == "cy"
        before = len(posts(fake_server.url))

        welsh = str(messages[UNCLEAR]["id"])
        refused = invoke("inbox", "reply", welsh, "--en", ANSWER_EN, "--by", "A. Jones")
        assert refused.exit_code == 1 and "reply-language" in refused.output and "no override" in refused.output
        assert len(posts(fake_server.url)) == before, "nothing was sent"
        answered = invoke_json("inbox", "reply", welsh, "--cy", ANSWER_CY, "--by", "A. Jones")
        assert [d["state"] for d in answered["deliveries"]] == ["published"]
        reply = posts(fake_server.url)[-1]
        assert reply["reply_to"] == _remote(fake_server, UNCLEAR) and ANSWER_CY in reply["text"]
        assert ANSWER_EN not in reply["text"]
        if platform == "mastodon":
            assert reply["text"].startswith("@dai ") and reply["language"] == "cy"

        mixed = str(messages[MIXED]["id"])
        alone = invoke("inbox", "reply", mixed, "--cy", ANSWER_CY, "--by", "A. Jones")
        assert alone.exit_code == 1 and "reply-language" in alone.output
        assert invoke("inbox", "reply", mixed, "--cy", ANSWER_CY, "--en", ANSWER_EN, "--by", "A. Jones").exit_code == 0
        bilingual = [p for p in posts(fake_server.url) if p.get("reply_to") == _remote(fake_server, MIXED)]
        text = " ".join(p["text"] for p in bilingual)
        assert text.index(ANSWER_CY) < text.index(ANSWER_EN), "Welsh first"

        held = invoke_json("inbox", "ack", str(messages[ENGLISH]["id"]), "--by", "A. Jones")
        assert held["deliveries"][0]["state"] == "published"
        holding = posts(fake_server.url)[-1]["text"]
        assert holding.index("Diolch am eich sylwadau") < holding.index("Thank you for your comments")

        offensive = str(messages[OFFENSIVE]["id"])
        hidden = invoke("inbox", "hide", offensive, "--reason", "abusive", "--notice", "--by", "A. Jones")
        if platform in HIDEABLE:
            assert hidden.exit_code == 0, hidden.output
            assert incoming(fake_server.url)[_remote(fake_server, OFFENSIVE)]["hidden"] is True
            ours = our_posts(inbox_project)[(ACCOUNT[platform], "cy")]
            notice = " ".join(p["text"] for p in posts(fake_server.url) if p.get("reply_to") == ours)
            assert notice.index("Tynnwyd y sylw hwn") < notice.index("This comment was removed"), "Welsh first"
        else:
            assert hidden.exit_code == 1 and "does not let an account hide" in hidden.output
        states = {m["id"]: m["state"] for m in invoke_json("inbox", "list", "--state", "all")["messages"]}
        assert states[int(welsh)] == states[int(mixed)] == "answered"
        assert states[messages[ENGLISH]["id"]] == "acknowledged"
        assert states[int(offensive)] == ("closed" if platform in HIDEABLE else "open")


def test_the_clock_runs_in_working_days_across_a_weekend_and_a_welsh_bank_holiday(
    inbox_project: Project, fake_server: FakeServer
) -> None:
    url = fake_server.url
    stamp = FRIDAY.isoformat().replace("+00:00", "Z")
    inject(
        url,
        {
            "platform": "bluesky",
            "text": "Pryd fydd y bin ailgylchu yn cael ei gasglu yr wythnos nesaf?",
            "created_at": stamp,
        },
        {"platform": "bluesky", "text": "When will the recycling bin be collected next week?", "created_at": stamp},
    )
    with time_machine.travel(datetime(2026, 5, 22, 11, 0, tzinfo=UTC), tick=False):
        assert invoke_json("inbox", "fetch")["new"] == 2
        welsh, english = invoke_json("inbox", "list")["messages"]
        assert welsh["language"] == "cy" and english["language"] == "en", "Welsh first among equals"
        # Saturday, Sunday and Monday 25 May (Spring Bank Holiday) are not working days.
        assert welsh["ack_due_at"] == "2026-05-26T16:00:00+00:00"  # end of Tuesday, 17:00 BST
        assert welsh["answer_due_at"] == "2026-06-01T16:00:00+00:00"  # Tue, Wed, Thu, Fri, Mon
        reply = ("inbox", "reply", str(english["id"]), "--en", "Next Thursday, as usual.", "--by", "B. Evans")
        assert invoke(*reply).exit_code == 0
    with time_machine.travel(datetime(2026, 5, 26, 15, 59, tzinfo=UTC), tick=False):
        assert invoke_json("inbox", "list", "--state", "overdue")["messages"] == []
    with time_machine.travel(datetime(2026, 5, 26, 16, 1, tzinfo=UTC), tick=False):
        [late] = invoke_json("inbox", "list", "--state", "overdue")["messages"]
        assert late["id"] == welsh["id"] and late["ack_overdue"] and not late["answer_overdue"]
        assert late["working_days_waiting"] == 1
    with time_machine.travel(datetime(2026, 6, 1, 15, 59, tzinfo=UTC), tick=False):
        [still] = invoke_json("inbox", "list")["messages"]
        assert still["ack_overdue"] and not still["answer_overdue"]
    with time_machine.travel(datetime(2026, 6, 2, 8, 30, tzinfo=UTC), tick=False):
        [owed] = invoke_json("inbox", "list", "--state", "overdue")["messages"]
        assert owed["answer_overdue"] and owed["working_days_waiting"] == 6
        report = invoke_json("report", "compliance")["inbox"]
        assert report["breaches"] == 1 and [w["id"] for w in report["welsh_unanswered"]] == [welsh["id"]]
        answer = "Bydd y bin yn cael ei gasglu ddydd Iau nesaf, fel arfer."
        assert invoke("inbox", "reply", str(welsh["id"]), "--cy", answer, "--by", "B. Evans").exit_code == 0
    with time_machine.travel(datetime(2026, 6, 3, 9, 0, tzinfo=UTC), tick=False):
        report = invoke_json("report", "compliance")["inbox"]
        cy, en = report["languages"][0], report["languages"][1]
        assert (cy["language"], en["language"]) == ("cy", "en")
        assert cy["answer_median_working_days"] == 6 and en["answer_median_working_days"] == 0
        assert report["breaches"] == 1, "answered after the limit still counts"
        assert report["welsh_unanswered"] == [] and report["welsh_answered_in_english"] == 0
        assert report["welsh_waits_longer"]["answer"] is True, "shown side by side, Welsh waited longer"


def test_a_message_marked_no_reply_stops_its_clock_and_assign_names_who_answers(
    inbox_project: Project, fake_server: FakeServer
) -> None:
    inject(fake_server.url, {"platform": "mastodon", "text": "Great photo of the library, well done everyone!"})
    with time_machine.travel(FRIDAY, tick=False):
        invoke_json("inbox", "fetch")
        [message] = invoke_json("inbox", "list")["messages"]
        assigned = invoke_json("inbox", "assign", str(message["id"]), "--to", "Libraries", "--by", "A. Jones")
        assert assigned["assigned_to"] == "Libraries"
        assert [m["id"] for m in invoke_json("inbox", "list", "--assigned", "Libraries")["messages"]] == [message["id"]]
        closed = invoke_json("inbox", "no-reply", str(message["id"]), "--reason", "praise", "--by", "A. Jones")
        assert closed["state"] == "closed"
    with time_machine.travel(datetime(2026, 6, 10, 9, 0, tzinfo=UTC), tick=False):
        assert invoke_json("inbox", "list", "--state", "overdue")["messages"] == []
        shown = invoke_json("inbox", "show", str(message["id"]))
        assert shown["closed_reason"] == "praise" and not shown["answer_overdue"]
        assert [e["action"] for e in shown["history"]] == ["inbox_assign", "inbox_no_reply"]
        assert all(e["by"] == "A. Jones" for e in shown["history"])
        en = invoke_json("report", "compliance")["inbox"]["languages"][1]
        assert en["no_answer_needed"] == 1 and en["breaches"] == 0


def test_the_daemon_collects_tells_the_communications_team_and_status_shows_it(
    inbox_project: Project, fake_server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    with time_machine.travel(FRIDAY, tick=True):
        messages = _publish_and_collect(inbox_project, fake_server, "facebook")
        offensive = str(messages[OFFENSIVE]["id"])
        assert invoke("inbox", "hide", offensive, "--reason", "abusive language", "--by", "A. Jones").exit_code == 0
        welsh = our_posts(inbox_project)[("ffb", "cy")]
        inject(fake_server.url, {"platform": "facebook", "text": "And parking, please?", "reply_to": welsh})
        with caplog.at_level(logging.INFO, logger="publisher.inbox"):
            assert invoke("run", "--once").exit_code == 0  # the daemon's inbox job runs in --once too
            assert invoke("run", "--once").exit_code == 0
        told = [r.getMessage() for r in caplog.records if "policy 12" in r.getMessage()]
        assert len(told) == 1, "told once"
        assert "hidden by A. Jones (abusive language)" in told[0] and "cyfathrebu@example.gov.uk" in told[0]
        assert len(invoke_json("inbox", "list", "--state", "all")["messages"]) == 5, "collected by the daemon"
        status = json.loads(invoke("status", "--format", "json").stdout)
        assert [h["message"] for h in status["inbox"]["hidden"]] == [int(offensive)]
        assert all(not p["id"].startswith("inbox/") for p in status["posts"]), "answers are not posts"
        text = invoke("status").output
        assert "hidden (policy 12, Communications Team told)" in text and "abusive language" in text
        assert all(len(line) <= 80 for line in text.splitlines() if line.startswith(("Inbox", "  late"))), text


def test_a_hidden_comment_is_mailed_to_the_communications_team_once(
    inbox_project: Project, fake_server: FakeServer, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = inbox_project.root / "config/publisher.toml"
    config.write_text(config.read_text() + smtp_server.config())
    monkeypatch.setenv("PUBLISHER_SMTP_PASSWORD", PASSWORD)
    with time_machine.travel(FRIDAY, tick=True):
        messages = _publish_and_collect(inbox_project, fake_server, "facebook")
        offensive = str(messages[OFFENSIVE]["id"])
        hidden = invoke("inbox", "hide", offensive, "--reason", "abusive language", "--by", "A. Jones")
        assert hidden.exit_code == 0 and "told by e-mail" in hidden.output, hidden.output
        assert invoke("run", "--once").exit_code == 0
        assert invoke("run", "--once").exit_code == 0, "a restart mails nothing again"
    [(to, message, raw)] = [r for r in smtp_server.inbox.received if "hidden" in str(r[1]["Subject"])]
    assert sorted(to) == ["comms@example.gov.uk", "cyfathrebu@example.gov.uk"]
    body = message.get_content()
    assert f"#{offensive} on ffb (facebook)" in body and "hidden by A. Jones" in body and "abusive language" in body
    assert OFFENSIVE not in raw and PASSWORD not in raw, "the comment itself and secrets stay out of the mail"


def test_a_pause_stops_scheduled_posts_but_not_a_hide(inbox_project: Project, fake_server: FakeServer) -> None:
    with time_machine.travel(FRIDAY, tick=True):
        messages = _publish_and_collect(inbox_project, fake_server, "facebook")
        assert invoke("pause", "--reason", "a death in the community", "--by", "B. Evans").exit_code == 0
        offensive = str(messages[OFFENSIVE]["id"])
        hidden = invoke_json("inbox", "hide", offensive, "--reason", "abusive language", "--by", "A. Jones")
        assert [d["state"] for d in hidden["deliveries"]] == ["published"], hidden


def test_the_compliance_report_has_the_inbox_section_in_every_format(
    inbox_project: Project, fake_server: FakeServer
) -> None:
    with time_machine.travel(FRIDAY, tick=True):
        messages = _publish_and_collect(inbox_project, fake_server, "mastodon")
        invoke("inbox", "reply", str(messages[UNCLEAR]["id"]), "--cy", ANSWER_CY, "--by", "A. Jones")
        text = invoke("report", "compliance").output
        assert "Inbox (Standard 59" in text and "Welsh messages answered in English: 0 (must be 0)" in text
        assert "Welsh messages unanswered: 1" in text  # the offensive one (Mastodon cannot hide it)
        csv_text = invoke("report", "compliance", "--format", "csv").output
        table = csv_text.split("\n\n", 1)[1].splitlines()
        assert table[0] == "inbox,cy,en,mixed,unknown" and table[1] == "messages received,2,1,1,0"
        output = inbox_project.root / "report.html"
        invoke("report", "compliance", "--format", "html", "--output", str(output))
        html = output.read_text()
        assert 'id="inbox"' in html and "Welsh messages answered in English (must be 0)" in html


def test_a_read_rate_limit_pauses_the_account_until_its_reset(inbox_project: Project, fake_server: FakeServer) -> None:
    url = fake_server.url
    inject(url, {"platform": "mastodon", "text": "Is the tip open on bank holidays?"})
    with time_machine.travel(FRIDAY, tick=True):
        from inbox_support import call

        call(url, "/_read_faults", {"script": [{"status": 429, "reset_in": 600}]})
        first = invoke_json("inbox", "fetch", "--account", "fm")
        assert "rate limit" in first["accounts"][0]["error"].lower()
        reads = len([r for r in call(url, "/_requests") if r["path"] == "/api/v1/notifications"])
        second = invoke_json("inbox", "fetch", "--account", "fm")
        assert second["accounts"][0]["skipped"].startswith("rate limited until")
        assert len([r for r in call(url, "/_requests") if r["path"] == "/api/v1/notifications"]) == reads
    with time_machine.travel(datetime(2026, 5, 22, 9, 15, tzinfo=UTC), tick=True):
        assert invoke_json("inbox", "fetch", "--account", "fm")["new"] == 1


def test_x_reads_are_opt_in_and_stop_at_the_daily_cap(inbox_project: Project, fake_server: FakeServer) -> None:
    from inbox_support import config_text

    url = fake_server.url
    inbox_project.write("config/publisher.toml", config_text(url).replace("fx = 500", "fx = 12"))
    inject(url, *({"platform": "x", "text": f"Question number {n} about the bins, please?"} for n in range(15)))
    with time_machine.travel(FRIDAY, tick=True):
        fetched = invoke_json("inbox", "fetch", "--account", "fx")["accounts"][0]
        assert fetched["reads"] == 12 and fetched["new"] == 11  # the user id once, then 11 mentions
        inject(url, {"platform": "x", "text": "And one more about the bins, please?"})
        capped = invoke_json("inbox", "fetch", "--account", "fx")["accounts"][0]
        assert capped["skipped"] == "daily read cap reached" and capped["reads"] == 0
    with time_machine.travel(datetime(2026, 5, 23, 9, 0, tzinfo=UTC), tick=True):
        next_day = invoke_json("inbox", "fetch", "--account", "fx")["accounts"][0]
        assert next_day["new"] == 1 and next_day["reads"] == 1, "from since_id: the user id is not read again"
    without = config_text(url).replace("daily_reads = { fx = 500 }", "")
    inbox_project.write("config/publisher.toml", without)
    assert "fx" not in inbox_project.config().inbox.accounts, "X is opt-in: no cap, no reads"


def test_every_page_is_collected_once_on_every_platform(inbox_project: Project, fake_server: FakeServer) -> None:
    url = fake_server.url
    with time_machine.travel(FRIDAY, tick=True):
        welsh_post(inbox_project, "2026-05-22T09:55")
        assert invoke("run", "--once").exit_code == 0
        ours = our_posts(inbox_project)
        for platform in PLATFORMS:
            inject(url, {"platform": platform, "text": "First", "reply_to": ours[(ACCOUNT[platform], "cy")]})
        assert invoke_json("inbox", "fetch")["new"] == 5
        for platform in PLATFORMS:
            reply_to = ours[(ACCOUNT[platform], "cy")]
            inject(url, *({"platform": platform, "text": f"Neges {n}", "reply_to": reply_to} for n in range(130)))
        fetched = invoke_json("inbox", "fetch")
        assert {a["account"]: a["new"] for a in fetched["accounts"]} == {a: 130 for a in ACCOUNT.values()}
        assert invoke_json("inbox", "fetch")["new"] == 0
    messages = invoke_json("inbox", "list", "--state", "all")["messages"]
    assert len(messages) == 5 * 131 == len({(m["account"], m["url"], m["text"]) for m in messages})
