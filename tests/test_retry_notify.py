"""A failure can be seen and recovered: logged with its reason, needs a person, retried once, and e-mailed.

End to end against the fake X server with a missing token (the Welsh fails, the English waits), a real SMTP
server (aiosmtpd) for the mail, and in-process queues with a frozen clock for reconciling, overdue reviews and
the daily digest of held posts.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from publisher.i18n import reset_language, set_language
from publisher.queue import models as m
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.mail import Mail, build
from publisher.queue.notices import Notifier
from publisher.queue.states import DeliveryState, PostSource, PostState, ReviewState, TranslationSource
from publisher.queue.sync import sync_content
from publisher.redaction import KNOWN
from publisher.services.retry import retry

from _cli import front, pair, run_cli, status_json
from _crash import fake_env, server_posts
from _smtp import PASSWORD, SmtpServer, free_port, start
from conftest import Project
from fakeplatform import FakeServer
from fakes import APPLIED, FakeRemote

T0 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


def _config(server: FakeServer, smtp: SmtpServer) -> str:
    return f"""
[accounts.fake-x]
platform = "x"
strategy = "separate"
credentials_env = "FAKE_X"
api_base = "{server.url}"
administrator = "A. Jones"
administrator_email = "a.jones@example.gov.uk"

[accounts.local-separate]
platform = "outbox"
strategy = "separate"

[daemon]
request_timeout = "2s"
lease = "10s"
""" + smtp.config()


def _env(token: bool) -> dict[str, str]:
    env = fake_env()
    env["PUBLISHER_SMTP_PASSWORD"] = PASSWORD
    if not token:
        del env["FAKE_X_ACCESS_TOKEN"]
    return env


def _now(minutes: int = -1) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def test_a_failed_welsh_post_is_seen_mailed_once_and_retried_welsh_first(
    project: Project, fake_server: FakeServer, smtp_server: SmtpServer
) -> None:
    project.write("config/publisher.toml", _config(fake_server, smtp_server))
    pair(project.content, "p", front(_now(), "[fake-x]"))
    pair(project.content, "fine", front(_now(), "[local-separate]"))
    first = run_cli(project.root, "run", "--once", env=_env(token=False))
    assert first.returncode == 1, "a failure must fail run --once"
    assert "post p, fake-x, Welsh: failed:" in first.stderr and "FAKE_X_ACCESS_TOKEN is not set" in first.stderr
    assert "needs a person: post p, fake-x, Welsh" in first.stderr and "publisher retry p" in first.stderr
    data = status_json(project.root, env=_env(False))
    welsh, english = next(p for p in data["posts"] if p["id"] == "p")["deliveries"]
    assert (welsh["state"], welsh["needs_attention"]) == ("failed", True)
    assert english["waiting_for"] == "waits for the Welsh post on fake-x (failed)"
    assert [p["id"] for p in status_json(project.root, "--failed", env=_env(False))["posts"]] == ["p"]
    # One mail, to the account's administrator and the comms team, saying which post, why and what to do.
    [(to, message, raw)] = smtp_server.inbox.received
    assert sorted(to) == ["a.jones@example.gov.uk", "comms@example.gov.uk"]
    assert "p" in str(message["Subject"]) and "fake-x" in str(message["Subject"])
    body = message.get_content()
    assert "FAKE_X_ACCESS_TOKEN is not set" in body and "publisher retry p" in body
    assert PASSWORD not in raw and smtp_server.inbox.logins == ["publisher"]
    # Nothing retries by itself, and nothing is mailed twice (the restart included).
    assert run_cli(project.root, "run", "--once", env=_env(token=True)).returncode == 1
    assert server_posts(fake_server.url) == [] and len(smtp_server.inbox.received) == 1
    # Fixed; retried once: Welsh first, exactly once.
    done = run_cli(project.root, "retry", "p", env=_env(True))
    assert done.returncode == 0 and "re-queued fake-x Welsh" in done.stdout, done.stderr
    again = run_cli(project.root, "retry", "p", env=_env(True))
    assert again.returncode == 1 and "nothing to retry" in again.stderr
    assert run_cli(project.root, "run", "--once", env=_env(True)).returncode == 0
    posts = server_posts(fake_server.url)
    assert [p["text"][:4] for p in sorted(posts, key=lambda p: int(p["id"]))] == ["Bydd", "The "]
    assert run_cli(project.root, "run", "--once", env=_env(True)).returncode == 0
    assert len(server_posts(fake_server.url)) == 2
    assert '"retried"' in (project.root / "audit.log").read_text()
    assert len(smtp_server.inbox.received) == 1


def test_an_edit_after_the_welsh_failed_is_queued_not_ignored(
    project: Project, fake_server: FakeServer, smtp_server: SmtpServer
) -> None:
    project.write("config/publisher.toml", _config(fake_server, smtp_server))
    pair(project.content, "p", front(_now(), "[fake-x]"))
    assert run_cli(project.root, "run", "--once", env=_env(token=False)).returncode == 1
    pair(project.content, "p", front(_now(), "[fake-x]"), cy="Bydd y llyfrgell ar agor ddydd Mawrth fel arfer.")
    result = run_cli(project.root, "run", "--once", env=_env(token=True))
    assert result.returncode == 0, result.stderr
    assert "not republished" not in result.stderr
    texts = [p["text"].split(" (")[0] for p in server_posts(fake_server.url)]
    assert texts[0] == "Bydd y llyfrgell ar agor ddydd Mawrth fel arfer."


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def queue(project: Project, open_db: Any) -> tuple[Project, Clock, Any]:
    pair(project.content, "p", front("2027-01-12T10:00+00:00"))
    config = project.config()
    db = open_db(config)
    clock = Clock(T0)
    sync_content(config, db.sessions, clock())
    return project, clock, db


def _deliveries(db: Any) -> list[m.Delivery]:
    with db.sessions() as session:
        return list(session.scalars(select(m.Delivery).order_by(m.Delivery.seq)))


def test_retry_checks_an_unknown_outcome_with_the_platform_before_any_resend(queue: Any) -> None:
    project, clock, db = queue
    remote = FakeRemote(faults=[OutcomeUnknownApplied()])
    dispatcher = Dispatcher(
        project.config(), db.sessions, dialect=db.dialect, owner="a", clock=clock, adapter_factory=remote.factory()
    )
    dispatcher.run_due()
    with db.sessions.begin() as session:  # it landed, but the platform could not be asked: a person must decide
        welsh = session.scalars(select(m.Delivery).where(m.Delivery.language == "cy")).one()
        welsh.needs_attention, welsh.next_attempt_at = 1, T0 + timedelta(days=1)
    done = retry(project.config(), "p", now=clock.now)
    assert [d["was"] for d in done.deliveries] == ["unknown"]
    clock.now += timedelta(seconds=1)
    dispatcher.run_due()
    assert [d.state for d in _deliveries(db)] == [DeliveryState.PUBLISHED, DeliveryState.PUBLISHED]
    assert [c.language for c in remote.published] == ["cy", "en"], "the Welsh was sent twice"


def OutcomeUnknownApplied() -> Exception:
    from publisher.platforms.base import OutcomeUnknown

    return OutcomeUnknown(APPLIED)


def test_a_failed_post_is_not_expired_while_it_waits_for_a_person(queue: Any) -> None:
    project, clock, db = queue
    from publisher.platforms.base import PermanentError

    remote = FakeRemote(rule=lambda r: PermanentError("HTTP 401: token expired") if r.language == "cy" else None)
    config = project.config()
    Dispatcher(
        config, db.sessions, dialect=db.dialect, owner="a", clock=clock, adapter_factory=remote.factory()
    ).run_due()
    clock.now += timedelta(hours=12)  # well past max_lateness
    report = sync_content(config, db.sessions, clock())
    assert report.expired == []
    assert [d.state for d in _deliveries(db)] == [DeliveryState.FAILED, DeliveryState.QUEUED]


def _notifier(project: Project, db: Any, clock: Clock, smtp: SmtpServer) -> Notifier:
    if "[notifications]" not in project.config_path.read_text():
        project.write("config/publisher.toml", project.config_path.read_text() + smtp.config())
    return Notifier(project.config(), db.sessions, clock, env={"PUBLISHER_SMTP_PASSWORD": PASSWORD})


def test_an_overdue_review_is_mailed_once_across_restarts(queue: Any, smtp_server: SmtpServer) -> None:
    project, clock, db = queue
    with db.sessions.begin() as session:
        session.add(
            m.StoredPost(
                id="emergency/1",
                slug="emergency/1",
                source=PostSource.EMERGENCY,
                content_hash="x",
                state=PostState.ACTIVE,
                text_cy="Rhybudd llifogydd ar gyfer Afon Gwy.",
                text_en="Flood warning for the River Wye.",
                translation_source=TranslationSource.MACHINE,
                first_seen=T0,
                updated_at=T0,
            )
        )
        session.flush()
        session.add(
            m.ReviewItem(
                post_id="emergency/1",
                translation_source=TranslationSource.MACHINE,
                state=ReviewState.OPEN,
                created_at=T0,
                due_at=T0 + timedelta(days=1),
            )
        )
    clock.now = T0 + timedelta(hours=23)
    assert _notifier(project, db, clock, smtp_server).run() == 0
    clock.now = T0 + timedelta(days=3)
    assert _notifier(project, db, clock, smtp_server).run() == 1
    assert _notifier(project, db, clock, smtp_server).run() == 0, "a restart sent it again"
    [(to, message, _)] = smtp_server.inbox.received
    assert sorted(to) == ["comms@example.gov.uk", "cyfieithu@example.gov.uk"]
    assert "review #1 overdue" in str(message["Subject"]) and "Afon Gwy" in message.get_content()


def test_held_posts_are_mailed_once_a_day_after_the_digest_time(queue: Any, smtp_server: SmtpServer) -> None:
    project, clock, db = queue
    pair(project.content, "held", front("2027-01-13T10:00+00:00", reviewed=False))
    sync_content(project.config(), db.sessions, clock())
    clock.now = datetime(2027, 1, 13, 7, 0, tzinfo=UTC)  # before 08:00 local
    notifier = _notifier(project, db, clock, smtp_server)
    assert notifier.run() == 0
    clock.now = datetime(2027, 1, 13, 8, 30, tzinfo=UTC)
    assert notifier.run() == 1 and notifier.run() == 0
    clock.now += timedelta(days=1)
    assert notifier.run() == 1
    subjects = smtp_server.inbox.subjects
    assert subjects == [  # Welsh first, then English (Standard 58)
        "[publisher] 1 postiad wedi'i ddal yn ôl gan y dilysu (2027-01-13) / 1 post held by validation (2027-01-13)",
        "[publisher] 1 postiad wedi'i ddal yn ôl gan y dilysu (2027-01-14) / 1 post held by validation (2027-01-14)",
    ]
    assert "held: translation-unreviewed" in smtp_server.inbox.received[0][1].get_content()


def _account_check(db: Any, problems: list[str], expires: datetime | None) -> None:
    with db.sessions.begin() as session:
        session.merge(
            m.AccountCheck(
                account="fake-x",
                platform="x",
                checked_at=T0,
                identity="@cyngor",
                token_expires_at=expires,
                problems=problems,
                notes=[],
            )
        )


def test_an_account_problem_is_mailed_once_until_it_changes(queue: Any, smtp_server: SmtpServer) -> None:
    project, clock, db = queue
    notifier = _notifier(project, db, clock, smtp_server)
    expires = T0 + timedelta(days=9)
    _account_check(db, [f"the token expires on {expires:%Y-%m-%d %H:%M} UTC, in 9 day(s): renew it"], expires)
    assert notifier.run() == 1
    assert notifier.run() == 0, "the same problem mailed twice"
    _account_check(db, [f"the token expires on {expires:%Y-%m-%d %H:%M} UTC, in 8 day(s): renew it"], expires)
    assert notifier.run() == 0, "a countdown is the same problem, not a new one each day"
    _account_check(db, [], expires + timedelta(days=60))
    assert notifier.run() == 0, "nothing wrong, nothing mailed"
    _account_check(db, ["bio: the bio is in English only (policy 9.6)"], expires + timedelta(days=60))
    assert notifier.run() == 1
    [first, second] = smtp_server.inbox.received
    assert first[1]["Subject"] == "[publisher] mae angen person ar y cyfrif fake-x / account fake-x needs a person"
    assert "in 9 day(s): renew it" in first[1].get_content() and "accounts check" in first[1].get_content()
    assert "English only" in second[1].get_content()


def test_a_failing_smtp_server_is_logged_once_each_way_and_the_mail_sent_later(
    queue: Any, caplog: pytest.LogCaptureFixture
) -> None:
    project, clock, db = queue
    pair(project.content, "held", front("2027-01-13T10:00+00:00", reviewed=False))
    sync_content(project.config(), db.sessions, clock())
    clock.now = datetime(2027, 1, 13, 9, 0, tzinfo=UTC)
    down = SmtpServer("127.0.0.1", free_port(), inbox=None)  # type: ignore[arg-type]  # nothing listens yet
    notifier = _notifier(project, db, clock, down)
    caplog.set_level(logging.INFO, logger="publisher.notify")
    assert notifier.run() == 0 and notifier.run() == 0
    server = start(down.port)
    try:
        assert notifier.run() == 1
    finally:
        server.controller.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("cannot send e-mail" in m for m in messages) == 1
    assert sum("e-mail works again" in m for m in messages) == 1
    assert len(server.inbox.received) == 1


def test_no_known_secret_ever_leaves_in_a_mail() -> None:
    from publisher.operations import Notifications

    KNOWN.add("tok-9a8b7c6d5e4f3a2b")
    message = build(
        Notifications(smtp_host="x", from_address="publisher@example.gov.uk"),
        Mail(("comms@example.gov.uk",), "failed: tok-9a8b7c6d5e4f3a2b", "HTTP 401 for token tok-9a8b7c6d5e4f3a2b\n"),
    )
    assert "tok-9a8b7c6d5e4f3a2b" not in message.as_string()
    assert "tok-9a8b" not in message.as_string()


def test_retry_speaks_json_and_refuses_an_unknown_post(
    project: Project, fake_server: FakeServer, smtp_server: SmtpServer
) -> None:
    project.write("config/publisher.toml", _config(fake_server, smtp_server))
    pair(project.content, "p", front(_now(), "[fake-x]"))
    run_cli(project.root, "run", "--once", env=_env(token=False))
    result = run_cli(project.root, "retry", "p", "--format", "json", env=_env(True))
    data = json.loads(result.stdout)
    assert data["post"] == "p" and [d["language"] for d in data["requeued"]] == ["cy"]
    unknown = run_cli(project.root, "retry", "nope", env=_env(True))
    assert unknown.returncode == 2 and "no post 'nope'" in unknown.stderr


def test_mail_to_staff_is_in_welsh_then_english_whatever_the_language_in_use(
    queue: Any, smtp_server: SmtpServer
) -> None:
    """Standard 58: a public body's mail to its staff is bilingual, Welsh first, even from an English session."""
    project, clock, db = queue
    pair(project.content, "held", front("2027-01-13T10:00+00:00", reviewed=False))
    sync_content(project.config(), db.sessions, clock())
    clock.now = datetime(2027, 1, 13, 8, 30, tzinfo=UTC)
    token = set_language("en")
    try:
        assert _notifier(project, db, clock, smtp_server).run() == 1
    finally:
        reset_language(token)
    [(_to, message, _raw)] = smtp_server.inbox.received
    subject, body = str(message["Subject"]), message.get_content()
    assert subject.index("wedi'i ddal yn ôl") < subject.index("held by validation")
    welsh = body.index("Mae 1 postiad wedi'i ddal yn ôl gan y dilysu, ac ni fydd yn cael ei gyhoeddi nes ei drwsio:")
    english = body.index("1 post is held by validation and will not be published until fixed:")
    assert welsh < body.index("-" * 40) < english
    assert "Mae 'publisher check' yn dweud, fesul ffeil a llinell, beth i'w drwsio." in body
    assert body.count("held: translation-unreviewed") == 2, "the post's line in each language's part"
