"""Answers, hides, retention and export: exactly once through the queue, audited, and kept no longer than allowed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select

from publisher.inbox.answers import Piece, queue
from publisher.platforms.base import OutcomeUnknown
from publisher.queue import models as m
from publisher.queue.daemon import Daemon, Periodic
from publisher.queue.db import Database
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import DeliveryState, MessageKind, MessageLanguage, ResponseKind

from conftest import BASE_CONFIG, Project
from fakeplatform import FakeServer
from fakes import APPLIED, FakeRemote
from inbox_support import config_text, incoming, inject, invoke, invoke_json, posts

NOW = datetime(2026, 5, 22, 9, 0, tzinfo=UTC)


def _message(db: Database, language: MessageLanguage = MessageLanguage.WELSH) -> m.InboxMessage:
    with db.sessions.begin() as session:
        message = m.InboxMessage(
            account="powys-facebook",
            platform="facebook",
            remote_id="c1",
            kind=MessageKind.COMMENT,
            author_handle="Dai",
            text="Pryd mae'r llyfrgell ar agor?",
            language=language,
            language_basis="detected",
            received_at=NOW,
            collected_at=NOW,
            reply_target={"id": "c1", "url": None, "extra": {}},
            hideable=True,
            ack_due_at=NOW + timedelta(days=1),
            answer_due_at=NOW + timedelta(days=5),
        )
        session.add(message)
    return message


def _dispatch(project: Project, db: Database, remote: FakeRemote, clock: Any = lambda: NOW) -> Dispatcher:
    return Dispatcher(project.config(), db.sessions, dialect=db.dialect, adapter_factory=remote.factory(), clock=clock)


def _queue(db: Database, message: m.InboxMessage, kind: ResponseKind, parts: list[Piece]) -> list[int]:
    with db.sessions.begin() as session:
        row = session.get(m.InboxMessage, message.id)
        assert row is not None
        return queue(session, row, kind, parts, "A. Jones", NOW)


def _state(db: Database, delivery_id: int) -> DeliveryState:
    with db.sessions() as session:
        delivery = session.get(m.Delivery, delivery_id)
        assert delivery is not None
        return delivery.state


def test_an_answer_cut_off_mid_call_is_reconciled_not_resent(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    remote = FakeRemote(faults=[OutcomeUnknown(APPLIED)])
    message = _message(db)
    [answer] = _queue(db, message, ResponseKind.REPLY, [Piece("cy", "Bydd ar agor ddydd Mawrth.")])
    _dispatch(project, db, remote).run_due()
    assert _state(db, answer) == DeliveryState.UNKNOWN
    later = _dispatch(project, db, remote, clock=lambda: NOW + timedelta(minutes=5))
    later.run_due()
    assert _state(db, answer) == DeliveryState.PUBLISHED
    assert len(remote.published) == 1 and remote.posts[remote.published[0].key]["reply_to"] == "c1"


def test_a_hide_cut_off_mid_call_is_simply_made_again(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    message = _message(db)
    [hide] = _queue(db, message, ResponseKind.HIDE, [Piece("", "")])
    dispatcher = _dispatch(project, db, FakeRemote())
    [claim] = dispatcher.claim()
    assert dispatcher._start(claim) is not None  # the attempt row: the call may have been made
    dispatcher.recover(all_leases=True)  # the daemon died mid-call
    assert _state(db, hide) == DeliveryState.QUEUED, "a hide is repeatable: no reconciling needed"
    remote = FakeRemote()
    _dispatch(project, db, remote).run_due()
    assert _state(db, hide) == DeliveryState.PUBLISHED and remote.hidden == ["c1"]


def test_the_notice_waits_for_the_hide_and_english_for_welsh(project: Project, open_db: Any) -> None:
    db = open_db(project.config())
    message = _message(db, MessageLanguage.UNKNOWN)
    [hide] = _queue(db, message, ResponseKind.HIDE, [Piece("", "")])
    with db.sessions.begin() as session:
        row = session.get(m.InboxMessage, message.id)
        assert row is not None
        row.notice_target = {"id": "post-1", "url": None, "extra": {}}
        parts = [Piece("cy", "Tynnwyd y sylw hwn."), Piece("en", "This comment was removed.")]
        welsh, english = queue(session, row, ResponseKind.NOTICE, parts, "A. Jones", NOW, after=hide)
    remote = FakeRemote(faults=[RuntimeError("the hide fails")])  # an unexpected error: the outcome is unknown
    _dispatch(project, db, remote).run_due()
    assert [_state(db, i) for i in (welsh, english)] == [DeliveryState.QUEUED] * 2, "no notice before the hide"
    _dispatch(project, db, remote, clock=lambda: NOW + timedelta(hours=2)).run_due()
    assert remote.hidden == ["c1", "c1"], "a hide whose outcome is unknown is made again, not looked for"
    assert [c.language for c in remote.published] == ["cy", "en"]
    assert all(remote.posts[c.key]["reply_to"] == "post-1" for c in remote.published)


# -- through the CLI, against the fake server ---------------------------------------------------------


def _one(server: FakeServer, platform: str, text: str, **extra: Any) -> int:
    inject(server.url, {"platform": platform, "text": text, **extra})
    invoke_json("inbox", "fetch")
    return int(invoke_json("inbox", "list", "--state", "all")["messages"][-1]["id"])


def test_nothing_is_sent_twice_to_one_message_by_mistake(inbox_project: Project, fake_server: FakeServer) -> None:
    with time_machine.travel(NOW, tick=True):
        message = str(_one(fake_server, "mastodon", "When is the next recycling collection on our street?"))
        first = invoke("inbox", "reply", message, "--en", "Next Tuesday morning.", "--by", "A. Jones")
        again = invoke("inbox", "reply", message, "--en", "Next Tuesday morning.", "--by", "A. Jones")
        assert first.exit_code == 0 and again.exit_code == 1 and "not sent twice" in again.output
        acked = invoke("inbox", "ack", message, "--by", "A. Jones")
        assert acked.exit_code == 1 and "no second holding statement" in acked.output
    assert len([p for p in posts(fake_server.url) if p["platform"] == "mastodon"]) == 1


def test_an_answer_is_checked_like_a_post(inbox_project: Project, fake_server: FakeServer) -> None:
    with time_machine.travel(NOW, tick=True):
        message = str(_one(fake_server, "x", "When will the swimming pool in Newtown open again?"))
        long = "The pool will open again next month once the repairs are finished. " * 5
        refused = invoke("inbox", "reply", message, "--en", long, "--by", "A. Jones")
        assert refused.exit_code == 1 and "too-long" in refused.output and "limit is 280" in refused.output
        swapped = invoke(
            "inbox", "reply", message, "--cy", "The pool will open again next month, we hope.", "--by", "A"
        )
        assert swapped.exit_code == 1 and "language-mismatch" in swapped.output
        warned = invoke("inbox", "reply", message, "--en", "Ring Dai on 07700 900123 for details.", "--by", "A")
        assert warned.exit_code == 0 and "personal-data" in warned.output, "a warning, and it is sent"
        unknown = invoke("inbox", "show", "999")
        assert unknown.exit_code == 2 and "no inbox message #999" in unknown.output


def test_hiding_is_refused_where_the_platform_cannot_and_done_once_where_it_can(
    inbox_project: Project, fake_server: FakeServer
) -> None:
    with time_machine.travel(NOW, tick=True):
        mention = str(_one(fake_server, "bluesky", "You are all useless and stupid at the council."))
        refused = invoke("inbox", "hide", mention, "--reason", "abuse", "--by", "A. Jones")
        assert refused.exit_code == 1 and "only replies in its own threads" in refused.output
        no_reason = invoke("inbox", "hide", mention, "--reason", " ", "--by", "A. Jones")
        assert no_reason.exit_code == 1 and "say why" in no_reason.output


def test_messages_past_keep_for_lose_their_text_and_author_but_keep_their_counts(
    inbox_project: Project, fake_server: FakeServer
) -> None:
    inbox_project.write("config/publisher.toml", config_text(fake_server.url, inbox='keep_for = "30d"'))
    old = (NOW - timedelta(days=40)).isoformat().replace("+00:00", "Z")
    with time_machine.travel(NOW, tick=True):
        inject(
            fake_server.url,
            {
                "platform": "mastodon",
                "text": "Pryd fydd y ffordd ar agor eto ar ôl y llifogydd?",
                "author": "dai",
                "created_at": old,
            },
            {"platform": "mastodon", "text": "When will the road reopen after the floods?", "author": "dai"},
        )
        invoke_json("inbox", "fetch")
        welsh = next(m for m in invoke_json("inbox", "list")["messages"] if m["language"] == "cy")
        answer = "Bydd y ffordd ar agor eto ddydd Llun nesaf, gobeithio."
        assert invoke("inbox", "reply", str(welsh["id"]), "--cy", answer, "--by", "A. Jones").exit_code == 0
        assert invoke("run", "--once").exit_code == 0  # the daemon's inbox job purges
        shown = invoke_json("inbox", "show", str(welsh["id"]))
        assert shown["text"] is None and shown["author"] is None and shown["url"] is None
        assert shown["language"] == "cy" and shown["state"] == "answered"
        assert "@dai" not in shown["responses"][0]["text"] and answer in shown["responses"][0]["text"]
        exported = invoke_json("inbox", "export", "--author", "@DAI", "--by", "Information Governance")
        assert [m["text"] for m in exported["messages"]] == ["@cyngor When will the road reopen after the floods?"]
        assert exported["deleted_after_keep_for"] == 1 and exported["generated_by"] == "Information Governance"
        report = invoke_json("report", "compliance")["inbox"]
        assert report["messages"] == 2 and report["languages"][0]["answered"] == 1
        assert invoke("inbox", "reply", str(welsh["id"]), "--cy", "Diolch eto.", "--by", "A").exit_code == 1


def test_a_subject_access_export_has_everything_from_one_person_and_is_audited(
    inbox_project: Project, fake_server: FakeServer, open_db: Any
) -> None:
    with time_machine.travel(NOW, tick=True):
        inject(
            fake_server.url,
            {"platform": "mastodon", "text": "When is the library open this weekend please?", "author": "ffion"},
            {"platform": "bluesky", "text": "Diolch am y newyddion am y llyfrgell!", "author": "ffion"},
            {"platform": "mastodon", "text": "Is the car park free on Sundays?", "author": "sian"},
        )
        invoke_json("inbox", "fetch")
        [mine] = [m for m in invoke_json("inbox", "list")["messages"] if m["author"] == "ffion"]
        invoke("inbox", "reply", str(mine["id"]), "--en", "From ten till four on Saturday.", "--by", "B. Evans")
        exported = invoke_json("inbox", "export", "--author", "ffion", "--by", "IG Officer")
        assert len(exported["messages"]) == 1, "handles are matched whole: ffion.bsky.social is another handle"
        assert exported["messages"][0]["responses"][0]["by"] == "B. Evans"
        text = invoke("inbox", "export", "--author", "ffion.bsky.social", "--by", "IG Officer").output
        assert "Diolch am y newyddion" in text and "car park" not in text
    with open_db(inbox_project.config()).sessions() as session:
        audit = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "inbox_export")).all()
    assert [(a.actor, a.detail["author"]) for a in audit] == [
        ("IG Officer", "ffion"),
        ("IG Officer", "ffion.bsky.social"),
    ]


def test_without_an_inbox_table_nothing_is_read(project: Project) -> None:
    result = invoke("inbox", "fetch")
    assert result.exit_code == 0 and "add an [inbox] table" in result.output
    assert invoke_json("inbox", "list")["messages"] == []
    assert "inbox" not in invoke("report", "compliance", "--format", "csv").output


def test_a_failing_periodic_job_never_stops_publishing(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG)

    def boom(_db: Database) -> None:
        raise RuntimeError("the platform is on fire")

    daemon = Daemon(project.config(), jobs=[Periodic("inbox", timedelta(minutes=5), boom)])
    assert daemon.run_once() == 0


def test_answers_are_not_posts_in_the_reports(inbox_project: Project, fake_server: FakeServer) -> None:
    with time_machine.travel(NOW, tick=True):
        message = str(_one(fake_server, "mastodon", "Where can I find the new bus timetable please?"))
        invoke("inbox", "reply", message, "--en", "On the council website, under Transport.", "--by", "A")
        report = json.loads(invoke("report", "compliance", "--format", "json").stdout)
    assert report["posts"] == [] and report["totals"]["posts"] == 0
    assert incoming(fake_server.url)


def test_two_daemons_on_postgresql_collect_each_account_once(
    inbox_project: Project, fake_server: FakeServer, postgres_server: Any, monkeypatch: pytest.MonkeyPatch, open_db: Any
) -> None:
    """An advisory lock per account: a second collector skips it; INSERT ... ON CONFLICT stores each message once."""
    import threading

    from publisher.inbox.collect import collect

    from inbox_support import call

    monkeypatch.setenv("PUBLISHER_DATABASE_URL", postgres_server.create_database())
    config = inbox_project.config()
    db = open_db(config)
    assert db.dialect == "postgresql"
    inject(fake_server.url, {"platform": "mastodon", "text": "Cyntaf"})
    collect(config, db, only=["fm"])
    inject(fake_server.url, *({"platform": "mastodon", "text": f"Neges {n}"} for n in range(90)))
    call(fake_server.url, "/_read_faults", {"delay": 0.3})
    reports: list[Any] = []
    threads = [threading.Thread(target=lambda: reports.append(collect(config, db, only=["fm"]))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = sorted((r.accounts[0].new, r.accounts[0].skipped or "") for r in reports)
    assert outcomes == [(0, "another daemon is collecting from this account"), (90, "")]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.InboxMessage)) == 91


def test_the_daemon_warns_of_late_messages_once_a_working_day(
    inbox_project: Project, fake_server: FakeServer, open_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from publisher.inbox.job import InboxJob

    config = inbox_project.config()
    db = open_db(config)
    stamp = NOW.isoformat().replace("+00:00", "Z")
    inject(
        fake_server.url,
        {"platform": "bluesky", "text": "Pryd mae'r llyfrgell ar agor ddydd Sadwrn?", "created_at": stamp},
    )
    job = InboxJob(config, clock=lambda: NOW)
    job(db)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="publisher.inbox"):
        job.warn_overdue(db, datetime(2026, 5, 30, 10, 0, tzinfo=UTC))  # a Saturday: no working day, no warning
        job.warn_overdue(db, datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
        job.warn_overdue(db, datetime(2026, 6, 2, 15, 0, tzinfo=UTC))
    [warning] = [r.getMessage() for r in caplog.records]
    assert "1 message(s) not acknowledged in time and 1 not answered in time (1 of them Welsh)" in warning


def test_messages_and_answers_are_stored_and_sent_in_nfc(inbox_project: Project, fake_server: FakeServer) -> None:
    decomposed = "Mae'r w\u0302yl yn wych eleni, diolch i bawb am drefnu."
    with time_machine.travel(NOW, tick=True):
        message = _one(fake_server, "bluesky", decomposed)
        [listed] = invoke_json("inbox", "list")["messages"]
        assert "\u0175yl" in listed["text"] and "\u0302" not in listed["text"] and listed["language"] == "cy"
        answer = "Diolch! Roedd yr w\u0302yl yn llwyddiant mawr eleni."
        assert invoke("inbox", "reply", str(message), "--cy", answer, "--by", "A. Jones").exit_code == 0
    assert posts(fake_server.url)[-1]["text"] == "Diolch! Roedd yr \u0175yl yn llwyddiant mawr eleni."
