"""``publisher inbox reply`` and ``ack``: answers and holding statements, in the language the message needs.

Standard 59 and policy 11.2 (docs/inbox.md): a Welsh message gets a Welsh
answer (English is refused, with no override); a mixed or unclear one gets
a bilingual answer, Welsh first; an English one may be answered in either
language or both. The holding statement comes from the word bank: in Welsh
to a Welsh message, bilingually (Welsh first) to any other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.post import normalise
from publisher.i18n import _
from publisher.inbox.answers import InboxError, Outcome, check, load, outcomes, pieces, queue, refuse_errors, send
from publisher.inbox.statements import HOLDING, statement
from publisher.queue import models as m
from publisher.queue.db import open_database
from publisher.queue.inbox_clock import clocks
from publisher.queue.states import DeliveryState, MessageLanguage, ResponseKind


def _already_sent(session: Session, message: m.InboxMessage, texts: list[str]) -> None:
    """Refuse to send the same answer to the same message twice (a command run again by mistake)."""
    sent = session.scalars(
        select(m.Delivery.text)
        .join(m.InboxResponse, m.InboxResponse.delivery_id == m.Delivery.id)
        .where(m.InboxResponse.message_id == message.id, m.Delivery.state != DeliveryState.FAILED)
    ).all()
    if any(text in sent for text in texts):
        raise InboxError(
            _("inbox message #%(message)d already has this answer; it is not sent twice") % {"message": message.id}
        )


def reply(
    config: Config,
    message_id: int,
    cy: str,
    en: str,
    by: str,
    now: datetime,
) -> Outcome:
    """Answer a message (Welsh ``cy`` and/or English ``en``) through the queue; Refused if a rule says no."""
    cy, en = normalise(cy.strip()), normalise(en.strip())
    with open_database(config) as db:
        with db.sessions.begin() as session:
            message = load(session, message_id)
            warnings = refuse_errors(check(config, message, cy, en, now))
            parts = pieces(message, cy, en)
            _already_sent(session, message, [p.text for p in parts])
            ids = queue(session, message, ResponseKind.REPLY, parts, by, now)
        send(config, db, message_id)
        return Outcome(message=message_id, action="reply", deliveries=outcomes(db, ids), warnings=warnings)


def ack(
    config: Config,
    message_id: int,
    by: str,
    now: datetime,
) -> Outcome:
    """Post the holding statement: Welsh to a Welsh message, else Welsh and English, Welsh first."""
    held = statement(config, HOLDING)
    with open_database(config) as db:
        with db.sessions.begin() as session:
            message = load(session, message_id)
            clock = clocks(session, [message])[message.id]
            if clock.acknowledged_at is not None or clock.pending:
                if clock.pending:
                    done = _("inbox message #%(message)d has an answer on its way; no second holding statement")
                else:
                    done = _("inbox message #%(message)d was acknowledged at %(when)s; no second holding statement")
                raise InboxError(done % {"message": message_id, "when": clock.acknowledged_at})
            cy, en = held.cy, ("" if message.language is MessageLanguage.WELSH else held.en)
            warnings = refuse_errors(check(config, message, cy, en, now))
            ids = queue(session, message, ResponseKind.ACK, pieces(message, cy, en), by, now)
        send(config, db, message_id)
        return Outcome(message=message_id, action="ack", deliveries=outcomes(db, ids), warnings=warnings)
