"""E-mail the people who must act: failures, overdue reviews, a daily digest of held posts (docs/commands.md "run").

The account's administrator (``administrator_email``) and the comms team
(``[notifications] comms_team``) hear when a delivery fails or needs a
person; the comms team and the Translation Team's addresses when a review
of an emergency post's Welsh is overdue; the comms team (and ``[inbox]
communications_team``, when it is an address) when a comment was hidden from
public view (policy 12); the administrator and the comms team when ``accounts
check`` finds a problem (a token about to expire, credentials that fail, a
bio that breaks policy 9.6), once per problem; and once a day, the comms team and the
administrators concerned, about posts held by validation. Each mail is
sent once: what was sent is recorded in the database before the restart
that would otherwise send it again, and a mail that could not be sent is
tried again later. A failing SMTP server is logged once when it starts
failing and once when it works again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.mail import Mail, MailError, send
from publisher.queue.queries import hidden_since
from publisher.queue.states import DeliveryState, PostState, ReviewState
from publisher.workdays import working_days_between

log = logging.getLogger("publisher.notify")

SENDING, SENT = "sending", "sent"
HIDDEN_MAILED_FOR = timedelta(days=30)  # hides older than this (before mail was set up) are not mailed
STALE_CLAIM = timedelta(minutes=10)  # a "sending" row older than this was left by a crash: send again
_LANGUAGES = {"cy": "Welsh", "en": "English", "cy+en": "Welsh and English"}


def attention_key(delivery_id: int) -> str:
    """The record of the mail about one delivery's failure (``retry`` removes it, so a new failure mails again)."""
    return f"attention:{delivery_id}"


def _problems_digest(row: m.AccountCheck) -> str:
    """What identifies a set of account problems: a countdown ("in 9 day(s)") is the same problem each day, a
    renewed token with a new expiry is a new one."""
    steady = [re.sub(r"in \d+ day\(s\)", "", problem) for problem in row.problems]
    expires = row.token_expires_at.isoformat() if row.token_expires_at else ""
    return hashlib.sha256("\n".join([expires, *steady]).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Notice:
    """A mail to send, the records that say it was sent, and what kind it is."""

    keys: tuple[str, ...]
    kind: str
    mail: Mail


Sender = Callable[[Mail], None]


def _line(delivery: m.Delivery) -> str:
    language = _LANGUAGES.get(delivery.language, delivery.language)
    part = f" part {delivery.part + 1}" if delivery.part else ""
    if delivery.state == DeliveryState.FAILED:
        what = f"failed after {delivery.attempts} attempt(s): {delivery.last_error or 'no reason given'}"
    elif delivery.needs_attention:
        what = f"{delivery.state.value}, needs a person: {delivery.last_error or ''}"
    else:
        what = f"{delivery.state.value} (waits for the one before it)"
    return f"- {delivery.account}, {language}{part}: {what}"


class Notifier:
    """Decides what mail is due, sends it once, and records it."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        env: Mapping[str, str] | None = None,
        sender: Sender | None = None,
    ) -> None:
        self.config = config
        self.settings = config.notifications
        self.sessions = sessions
        self.clock = clock
        self.env = os.environ if env is None else env
        self.sender = sender or (lambda mail: send(self.settings, mail, self.env))
        self.failing_since: datetime | None = None

    # -- who ------------------------------------------------------------------

    def _administrators(self, accounts: Iterable[str]) -> list[str]:
        found = []
        for name in accounts:
            account = self.config.accounts.get(name)
            if account is not None and account.administrator_email:
                found.append(account.administrator_email)
        return found

    def _to(self, *groups: Iterable[str]) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for group in groups:
            for address in group:
                seen.setdefault(address, None)
        return tuple(seen)

    # -- what -----------------------------------------------------------------

    def _failures(self, session: Session) -> list[Notice]:
        rows = session.scalars(
            select(m.Delivery)
            .join(m.StoredPost, m.StoredPost.id == m.Delivery.post_id)
            .where(
                m.Delivery.revision == m.StoredPost.revision,
                or_(m.Delivery.state == DeliveryState.FAILED, m.Delivery.needs_attention == 1),
            )
            .order_by(m.Delivery.post_id, m.Delivery.seq)
        ).all()
        sent = set(session.scalars(select(m.Notification.key).where(m.Notification.key.like("attention:%"))))
        by_post: dict[str, list[m.Delivery]] = {}
        for delivery in rows:
            if attention_key(delivery.id) not in sent:
                by_post.setdefault(delivery.post_id, []).append(delivery)
        return [self._failure_notice(session, post_id, new) for post_id, new in by_post.items()]

    def _failure_notice(self, session: Session, post_id: str, new: list[m.Delivery]) -> Notice:
        post = session.get(m.StoredPost, post_id, options=[selectinload(m.StoredPost.deliveries)])
        current = [d for d in post.deliveries if d.revision == post.revision] if post is not None else new
        accounts = {d.account for d in new} | {d.target for d in new}
        lines = [_line(d) for d in current if d.state != DeliveryState.PUBLISHED]
        first = new[0]
        subject = f"[publisher] needs a person: {post_id} on {first.account} ({_LANGUAGES.get(first.language, '')})"
        body = "\n".join(
            [
                f"The post {post_id} did not all go out:",
                "",
                *lines,
                "",
                "Welsh goes first: nothing more of the post goes to an account until its Welsh is out.",
                f"Once the cause is fixed: publisher retry {post_id}",
                f"To see it: publisher status {post_id}",
            ]
        )
        to = self._to(self.settings.comms_team, self._administrators(sorted(accounts)))
        return Notice(tuple(attention_key(d.id) for d in new), "failure", Mail(to, subject, body + "\n"))

    def _overdue_reviews(self, session: Session, now: datetime) -> list[Notice]:
        items = session.scalars(
            select(m.ReviewItem)
            .where(m.ReviewItem.state == ReviewState.OPEN, m.ReviewItem.due_at < now)
            .order_by(m.ReviewItem.due_at)
        ).all()
        notices = []
        for item in items:
            post = session.get(m.StoredPost, item.post_id)
            late = working_days_between(self.config, item.due_at, now)
            subject = f"[publisher] Translation Team review #{item.id} overdue: {item.post_id}"
            body = "\n".join(
                [
                    f"The Welsh of emergency post {item.post_id} ({item.translation_source.value}) was due for review "
                    f"on {item.due_at.astimezone(self.config.timezone):%A %d %B %H:%M}; "
                    f"it is {late} working day(s) overdue.",
                    "",
                    f"Welsh: {post.text_cy if post else ''}",
                    f"English: {post.text_en if post else ''}",
                    "",
                    f"publisher review approve {item.id} --reviewer NAME, or publisher review correct {item.id} ...",
                ]
            )
            to = self._to(self.settings.comms_team, self.settings.translation_team)
            notices.append(Notice((f"review-overdue:{item.id}",), "review_overdue", Mail(to, subject, body + "\n")))
        return notices

    def _held_digest(self, session: Session, now: datetime) -> list[Notice]:
        local = now.astimezone(self.config.timezone)
        if local.time() < self.settings.digest_at:
            return []
        key = f"held-digest:{local.date().isoformat()}"
        if session.get(m.Notification, key) is not None:
            return []
        held = session.scalars(
            select(m.StoredPost).where(m.StoredPost.state == PostState.HELD).order_by(m.StoredPost.id)
        ).all()
        if not held:
            return []
        lines = [f"- {post.id}: {', '.join(post.held_codes or [])}" for post in held]
        body = "\n".join(
            [
                f"{len(held)} post(s) are held by validation and will not be published until fixed:",
                "",
                *lines,
                "",
                "'publisher check' says, by file and line, what to fix.",
            ]
        )
        accounts = sorted({name for post in held for name in post.accounts or []})
        to = self._to(self.settings.comms_team, self._administrators(accounts))
        subject = f"[publisher] {len(held)} post(s) held by validation ({local:%Y-%m-%d})"
        return [Notice((key,), "held_digest", Mail(to, subject, body + "\n"))]

    def _hidden_comments(self, session: Session, now: datetime) -> list[Notice]:
        """One mail about the comments hidden since the last (policy 12: the Communications Team is told)."""
        rows = hidden_since(session, now - HIDDEN_MAILED_FOR)
        sent = set(session.scalars(select(m.Notification.key).where(m.Notification.key.like("hidden:%"))))
        new = [(msg, response, d) for msg, response, d in rows if f"hidden:{msg.id}" not in sent]
        if not new:
            return []
        lines = [
            f"- #{msg.id} on {msg.account} ({msg.platform}), by {msg.author_handle or '(deleted)'}: hidden by "
            f"{response.by} at {(d.published_at or now).astimezone(self.config.timezone):%Y-%m-%d %H:%M} "
            f"({response.reason})"
            for msg, response, d in new
        ]
        body = "\n".join(
            [
                f"{len(new)} comment(s) hidden from public view (policy 12):",
                "",
                *lines,
                "",
                "To see one: publisher inbox show ID",
            ]
        )
        team = self.config.inbox.communications_team
        to = self._to(self.settings.comms_team, [team] if "@" in team else [])
        subject = f"[publisher] {len(new)} comment(s) hidden (policy 12)"
        return [
            Notice(tuple(f"hidden:{msg.id}" for msg, _, _ in new), "comment_hidden", Mail(to, subject, body + "\n"))
        ]

    def _account_problems(self, session: Session) -> list[Notice]:
        """One mail per account whose latest ``accounts check`` found something new that needs a person."""
        notices = []
        for row in session.scalars(select(m.AccountCheck).order_by(m.AccountCheck.account)):
            if not row.problems:
                continue
            key = f"account:{row.account}:{_problems_digest(row)}"
            if session.get(m.Notification, key) is not None:
                continue
            body = "\n".join(
                [
                    f"The account {row.account} ({row.platform}) needs a person (accounts check at "
                    f"{row.checked_at.astimezone(self.config.timezone):%Y-%m-%d %H:%M}):",
                    "",
                    *(f"- {problem}" for problem in row.problems),
                    "",
                    "To check again: publisher accounts check",
                ]
            )
            to = self._to(self.settings.comms_team, self._administrators([row.account]))
            subject = f"[publisher] account {row.account} needs a person"
            notices.append(Notice((key,), "account_problem", Mail(to, subject, body + "\n")))
        return notices

    # -- once -----------------------------------------------------------------

    def _claim(self, notice: Notice, now: datetime) -> bool:
        """Record the mail as being sent; False if it was sent (or is being sent) already."""
        try:
            with self.sessions.begin() as session:
                for key in notice.keys:
                    row = session.get(m.Notification, key)
                    if row is not None:
                        if row.state == SENT or now - row.created_at < STALE_CLAIM:
                            return False
                        session.delete(row)
                        session.flush()
                    session.add(
                        m.Notification(
                            key=key,
                            kind=notice.kind,
                            state=SENDING,
                            recipients=list(notice.mail.to),
                            subject=notice.mail.subject,
                            created_at=now,
                        )
                    )
        except IntegrityError:
            return False  # another daemon is sending it
        return True

    def _settle(self, notice: Notice, sent: bool, now: datetime) -> None:
        with self.sessions.begin() as session:
            if sent:
                for key in notice.keys:
                    row = session.get(m.Notification, key)
                    if row is not None:
                        row.state, row.sent_at = SENT, now
            else:
                session.execute(delete(m.Notification).where(m.Notification.key.in_(notice.keys)))

    def _deliver(self, notice: Notice, now: datetime) -> bool | None:
        """True when sent, False when not due (sent already, or no one to send to), None when sending failed."""
        if not notice.mail.to or not self._claim(notice, now):
            return False
        try:
            self.sender(notice.mail)
        except MailError as exc:
            self._settle(notice, False, now)
            if self.failing_since is None:
                self.failing_since = now
                log.error("cannot send e-mail through %s: %s; trying again later", self.settings.smtp_host, exc)
            return None
        self._settle(notice, True, now)
        if self.failing_since is not None:
            log.warning("e-mail works again after %.0f s", (now - self.failing_since).total_seconds())
            self.failing_since = None
        log.info("mailed %s: %s", ", ".join(notice.mail.to), notice.mail.subject)
        return True

    def run(self) -> int:
        """Send whatever is due now; the number of mails sent."""
        if not self.settings.enabled:
            return 0
        now = self.clock()
        with self.sessions() as session:
            notices = [
                *self._failures(session),
                *self._overdue_reviews(session, now),
                *self._held_digest(session, now),
                *self._hidden_comments(session, now),
                *self._account_problems(session),
            ]
        sent = 0
        for notice in notices:
            outcome = self._deliver(notice, now)
            if outcome is None:
                break  # the server is failing: the rest waits for the next try
            sent += outcome
        return sent
