"""The inbox inside ``publisher run``: collect every ``[inbox] interval``, purge, tell people (docs/inbox.md).

Each run collects from every inbox account, deletes personal data past
``keep_for``, logs each newly hidden comment for the Communications Team
(policy 12; with ``[notifications]`` set up, the daemon also mails them:
publisher/queue/notices.py), and once per working day warns of messages past their
acknowledgement or answer time, Welsh first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from publisher.config import Config
from publisher.inbox.collect import collect, utcnow
from publisher.inbox.retention import purge
from publisher.queue import models as m
from publisher.queue.daemon import Periodic
from publisher.queue.db import Database
from publisher.queue.inbox_clock import clocks
from publisher.queue.states import DeliveryState, MessageLanguage, ResponseKind
from publisher.workdays import is_working_day

log = logging.getLogger("publisher.inbox")


def report_hidden(config: Config, db: Database, now: datetime) -> int:
    """Log each comment hidden since the last run for the Communications Team; how many."""
    team = config.inbox.communications_team or "the Communications Team"
    with db.sessions.begin() as session:
        rows = session.execute(
            select(m.InboxMessage, m.InboxResponse)
            .join(m.InboxResponse, m.InboxResponse.message_id == m.InboxMessage.id)
            .join(m.Delivery, m.Delivery.id == m.InboxResponse.delivery_id)
            .where(
                m.InboxResponse.kind == ResponseKind.HIDE,
                m.Delivery.state == DeliveryState.PUBLISHED,
                m.InboxMessage.reported_at.is_(None),
            )
        ).all()
        for message, response in rows:
            log.warning(
                "policy 12: %s comment #%d by %s on %s was hidden by %s (%s); tell %s",
                message.platform,
                message.id,
                message.author_handle or "(deleted)",
                message.account,
                response.by,
                response.reason,
                team,
            )
            message.reported_at = now
        return len(rows)


def overdue(db: Database, now: datetime) -> tuple[int, int, int]:
    """(past the acknowledgement time, past the answer time, how many of those late are Welsh) among open messages."""
    with db.sessions() as session:
        messages = list(
            session.scalars(
                select(m.InboxMessage).where(m.InboxMessage.closed_at.is_(None), m.InboxMessage.redacted_at.is_(None))
            )
        )
        times = clocks(session, messages)
    late_ack = [msg for msg in messages if times[msg.id].ack_overdue(now)]
    late_answer = [msg for msg in messages if times[msg.id].answer_overdue(now)]
    late = {msg.id: msg for msg in late_ack + late_answer}
    welsh = sum(1 for msg in late.values() if msg.language is MessageLanguage.WELSH)
    return len(late_ack), len(late_answer), welsh


class InboxJob:
    """The daemon's periodic inbox work (one instance per daemon: it remembers the day it last warned)."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.config, self.clock = config, clock
        self.warned_on: date | None = None

    def __call__(self, db: Database) -> None:
        collect(self.config, db, clock=self.clock)
        now = self.clock()
        purged = purge(self.config, db, now)
        if purged:
            log.info("inbox: deleted the personal data of %d message(s) past keep_for", purged)
        report_hidden(self.config, db, now)
        self.warn_overdue(db, now)

    def warn_overdue(self, db: Database, now: datetime) -> None:
        today = now.astimezone(self.config.timezone).date()
        if self.warned_on == today or not is_working_day(self.config, today):
            return
        self.warned_on = today
        late_ack, late_answer, welsh = overdue(db, now)
        if late_ack or late_answer:
            log.warning(
                "inbox: %d message(s) not acknowledged in time and %d not answered in time (%d of them Welsh): "
                "'publisher inbox list --state overdue'",
                late_ack,
                late_answer,
                welsh,
            )


def daemon_jobs(config: Config) -> list[Periodic]:
    """What ``publisher run`` runs for the inbox: nothing until ``[inbox]`` is in the config."""
    if not config.inbox.enabled:
        return []
    return [Periodic("inbox", config.inbox.interval, InboxJob(config))]
