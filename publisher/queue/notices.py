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
from functools import partial

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from publisher.config import Config
from publisher.i18n import LANGUAGES, N_, _, language, ngettext, reset_language, set_language
from publisher.queue import models as m
from publisher.queue.mail import Mail, MailError, send
from publisher.queue.queries import hidden_since
from publisher.queue.states import DeliveryState, PostState, ReviewState
from publisher.workdays import working_days_between

log = logging.getLogger("publisher.notify")

SENDING, SENT = "sending", "sent"
HIDDEN_MAILED_FOR = timedelta(days=30)  # hides older than this (before mail was set up) are not mailed
STALE_CLAIM = timedelta(minutes=10)  # a "sending" row older than this was left by a crash: send again
_LANGUAGES = {"cy": N_("Welsh"), "en": N_("English"), "cy+en": N_("Welsh and English")}
SEPARATOR = "-" * 40


def bilingual(render: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    """Subject and body in Welsh, then in English: staff mail is bilingual, Welsh first (Standard 58).

    ``render`` writes (subject, body) in the language in use; it is called once per language.
    """
    parts = []
    for code in LANGUAGES:
        token = set_language(code)
        try:
            parts.append(render())
        finally:
            reset_language(token)
    (cy_subject, cy_body), (en_subject, en_body) = parts
    return f"[publisher] {cy_subject} / {en_subject}", f"{cy_body}\n\n{SEPARATOR}\n\n{en_body}\n"


def _when(moment: datetime, pattern: str) -> str:
    """A day and time in words in the language in use (Babel's Welsh and English calendars)."""
    from babel.dates import format_datetime

    return str(format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale="cy" if language() == "cy" else "en_GB"))


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
    values = {
        "account": delivery.account,
        "language": _(_LANGUAGES[delivery.language]) if delivery.language in _LANGUAGES else delivery.language,
        "part": delivery.part + 1,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "error": delivery.last_error or "",
    }
    where = _("%(account)s, %(language)s part %(part)d") if delivery.part else _("%(account)s, %(language)s")
    if delivery.state == DeliveryState.FAILED:
        if not delivery.last_error:
            values["error"] = _("no reason given")
        what = ngettext(
            "failed after %(attempts)d attempt: %(error)s",
            "failed after %(attempts)d attempts: %(error)s",
            delivery.attempts,
        )
    elif delivery.needs_attention:
        what = _("%(state)s, needs a person: %(error)s")
    else:
        what = _("%(state)s (waits for the one before it)")
    return f"- {where % values}: {what % values}"


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
        first = new[0]

        def render() -> tuple[str, str]:
            label = _(_LANGUAGES[first.language]) if first.language in _LANGUAGES else ""
            values = {"post": post_id, "account": first.account, "language": label}
            subject = _("needs a person: %(post)s on %(account)s (%(language)s)") % values
            body = [
                _("The post %(post)s did not all go out:") % values,
                "",
                *[_line(d) for d in current if d.state != DeliveryState.PUBLISHED],
                "",
                _("Welsh goes first: nothing more of the post goes to an account until its Welsh is out."),
                _("Once the cause is fixed: publisher retry %(post)s") % values,
                _("To see it: publisher status %(post)s") % values,
            ]
            return subject, "\n".join(body)

        to = self._to(self.settings.comms_team, self._administrators(sorted(accounts)))
        return Notice(tuple(attention_key(d.id) for d in new), "failure", Mail(to, *bilingual(render)))

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
            mail = bilingual(partial(self._review_text, item, post, late))
            to = self._to(self.settings.comms_team, self.settings.translation_team)
            notices.append(Notice((f"review-overdue:{item.id}",), "review_overdue", Mail(to, *mail)))
        return notices

    def _review_text(self, item: m.ReviewItem, post: m.StoredPost | None, late: int) -> tuple[str, str]:
        values = {
            "item": item.id,
            "post": item.post_id,
            "source": item.translation_source.value,
            "due": _when(item.due_at.astimezone(self.config.timezone), "EEEE dd MMMM HH:mm"),
            "late": late,
        }
        subject = _("Translation Team review #%(item)d overdue: %(post)s") % values
        due = ngettext(
            "The Welsh of emergency post %(post)s (%(source)s) was due for review on %(due)s; "
            "it is %(late)d working day overdue.",
            "The Welsh of emergency post %(post)s (%(source)s) was due for review on %(due)s; "
            "it is %(late)d working days overdue.",
            late,
        )
        body = [
            due % values,
            "",
            _("Welsh: %(text)s") % {"text": post.text_cy if post else ""},
            _("English: %(text)s") % {"text": post.text_en if post else ""},
            "",
            _("publisher review approve %(item)d --reviewer NAME, or publisher review correct %(item)d ...") % values,
        ]
        return subject, "\n".join(body)

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

        def render() -> tuple[str, str]:
            values = {"n": len(held), "day": f"{local:%Y-%m-%d}"}
            subject = ngettext(
                "%(n)d post held by validation (%(day)s)", "%(n)d posts held by validation (%(day)s)", len(held)
            )
            first = ngettext(
                "%(n)d post is held by validation and will not be published until fixed:",
                "%(n)d posts are held by validation and will not be published until fixed:",
                len(held),
            )
            body = [first % values, "", *lines, "", _("'publisher check' says, by file and line, what to fix.")]
            return subject % values, "\n".join(body)

        accounts = sorted({name for post in held for name in post.accounts or []})
        to = self._to(self.settings.comms_team, self._administrators(accounts))
        return [Notice((key,), "held_digest", Mail(to, *bilingual(render)))]

    def _hidden_comments(self, session: Session, now: datetime) -> list[Notice]:
        """One mail about the comments hidden since the last (policy 12: the Communications Team is told)."""
        rows = hidden_since(session, now - HIDDEN_MAILED_FOR)
        sent = set(session.scalars(select(m.Notification.key).where(m.Notification.key.like("hidden:%"))))
        new = [(msg, response, d) for msg, response, d in rows if f"hidden:{msg.id}" not in sent]
        if not new:
            return []
        tz = self.config.timezone

        def render() -> tuple[str, str]:
            line = _(
                "- #%(message)d on %(account)s (%(platform)s), by %(author)s: hidden by %(by)s at %(at)s (%(reason)s)"
            )
            lines = [
                line
                % {
                    "message": msg.id,
                    "account": msg.account,
                    "platform": msg.platform,
                    "author": msg.author_handle or _("(deleted)"),
                    "by": response.by,
                    "at": f"{(d.published_at or now).astimezone(tz):%Y-%m-%d %H:%M}",
                    "reason": response.reason,
                }
                for msg, response, d in new
            ]
            n = {"n": len(new)}
            first = ngettext(
                "%(n)d comment hidden from public view (policy 12):",
                "%(n)d comments hidden from public view (policy 12):",
                len(new),
            )
            body = [first % n, "", *lines, "", _("To see one: publisher inbox show ID")]
            subject = ngettext("%(n)d comment hidden (policy 12)", "%(n)d comments hidden (policy 12)", len(new)) % n
            return subject, "\n".join(body)

        team = self.config.inbox.communications_team
        to = self._to(self.settings.comms_team, [team] if "@" in team else [])
        keys = tuple(f"hidden:{msg.id}" for msg, _response, _d in new)
        return [Notice(keys, "comment_hidden", Mail(to, *bilingual(render)))]

    def _account_problems(self, session: Session) -> list[Notice]:
        """One mail per account whose latest ``accounts check`` found something new that needs a person."""
        notices = []
        for row in session.scalars(select(m.AccountCheck).order_by(m.AccountCheck.account)):
            if not row.problems:
                continue
            key = f"account:{row.account}:{_problems_digest(row)}"
            if session.get(m.Notification, key) is not None:
                continue
            mail = bilingual(partial(self._account_text, row))
            to = self._to(self.settings.comms_team, self._administrators([row.account]))
            notices.append(Notice((key,), "account_problem", Mail(to, *mail)))
        return notices

    def _account_text(self, row: m.AccountCheck) -> tuple[str, str]:
        """The problems are as ``accounts check`` recorded them (stored, so in English)."""
        values = {
            "account": row.account,
            "platform": row.platform,
            "at": f"{row.checked_at.astimezone(self.config.timezone):%Y-%m-%d %H:%M}",
        }
        body = [
            _("The account %(account)s (%(platform)s) needs a person (accounts check at %(at)s):") % values,
            "",
            *(f"- {problem}" for problem in row.problems),
            "",
            _("To check again: publisher accounts check"),
        ]
        return _("account %(account)s needs a person") % values, "\n".join(body)

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
