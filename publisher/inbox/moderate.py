"""``publisher inbox hide``, ``no-reply`` and ``assign``: policy 11.2 and 12 (docs/inbox.md).

Hiding goes through the queue like an answer (a hide made twice leaves the
comment hidden). With ``--notice`` the bilingual removal notice goes under
our post, Welsh first. Who hid it and why is recorded; the Communications
Team is told through the daemon's log, ``status`` and (with ``[notifications]``)
e-mail. Marking a message as
needing no answer stops its clock, with the reason; assigning it names who
answers. Each is audited with who did it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.i18n import N_, _
from publisher.inbox.answers import (
    InboxError,
    Outcome,
    Piece,
    check,
    load,
    outcomes,
    pieces,
    post_id,
    queue,
    refuse_errors,
    send,
)
from publisher.inbox.statements import REMOVAL, statement
from publisher.platforms.specs import SPECS
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import open_database
from publisher.queue.states import DeliveryState, ResponseKind


def _hideable(message: m.InboxMessage) -> None:
    platform = SPECS[message.platform]
    if not platform.can_hide:
        raise InboxError(
            _("%(platform)s does not let an account hide comments: mark it no-reply, or report it there")
            % {"platform": platform.title}
        )
    if not message.hideable:
        raise InboxError(
            _("%(platform)s lets an account hide only replies in its own threads; this is not one")
            % {"platform": platform.title}
        )


def _done(session: Session, message: m.InboxMessage, kind: ResponseKind) -> bool:
    """Whether a response of ``kind`` to the message is published or on its way."""
    states = session.scalars(
        select(m.Delivery.state)
        .join(m.InboxResponse, m.InboxResponse.delivery_id == m.Delivery.id)
        .where(m.InboxResponse.message_id == message.id, m.InboxResponse.kind == kind)
    ).all()
    return any(state != DeliveryState.FAILED for state in states)


def hide(
    config: Config,
    message_id: int,
    reason: str,
    by: str,
    now: datetime,
    *,
    notice: bool = False,
) -> Outcome:
    """Hide a comment (policy 12), with the removal notice under our post when ``notice``; who and why recorded."""
    if not reason.strip():
        raise InboxError(_("say why the comment is hidden (--reason): it is recorded and the Communications Team told"))
    removal = statement(config, REMOVAL) if notice else None
    with open_database(config) as db:
        with db.sessions.begin() as session:
            message = load(session, message_id)
            _hideable(message)
            ids, warnings = [], []
            if not _done(session, message, ResponseKind.HIDE):
                ids += queue(session, message, ResponseKind.HIDE, [Piece("", "")], by, now, reason=reason)
            elif not notice:
                raise InboxError(_("inbox message #%(message)d is already hidden") % {"message": message_id})
            if removal is not None:
                if message.notice_target is None:
                    raise InboxError(
                        _("this message is not under one of our posts: there is nowhere to post the notice")
                    )
                if _done(session, message, ResponseKind.NOTICE):
                    message_text = _("the removal notice for inbox message #%(message)d was already posted")
                    raise InboxError(message_text % {"message": message_id})
                warnings = refuse_errors(check(config, message, removal.cy, removal.en, now, language="mixed"))
                parts = pieces(message, removal.cy, removal.en, mention=False)
                first = ids[-1] if ids else None  # the notice goes out once the comment is hidden
                ids += queue(session, message, ResponseKind.NOTICE, parts, by, now, reason=reason, after=first)
        send(config, db, message_id)
        team = config.inbox.communications_team or _("the Communications Team")
        return Outcome(
            message=message_id,
            action="hide",
            deliveries=outcomes(db, ids),
            warnings=warnings,
            note=_(_HOW_TOLD[config.notifications.enabled]) % {"team": team},
        )


_HOW_TOLD = {
    True: N_("%(team)s is told by e-mail, in the daemon's log and in 'publisher status' (policy 12)"),
    False: N_("%(team)s is told through the daemon's log and 'publisher status' (policy 12)"),
}


def no_reply(config: Config, message_id: int, reason: str, by: str, now: datetime) -> dict[str, object]:
    """Mark a message as needing no answer: its clock stops, with the reason."""
    if not reason.strip():
        raise InboxError(_("say why no answer is needed (--reason): it is what the report shows"))
    with open_database(config) as db, db.sessions.begin() as session:
        message = load(session, message_id)
        message.closed_reason, message.closed_by, message.closed_at = reason.strip(), by, now
        record(
            session,
            by,
            "inbox_no_reply",
            post_id=post_id(message),
            detail={"message": message_id, "reason": reason},
            at=now,
        )
    return {"message": message_id, "state": "closed", "reason": reason.strip(), "by": by, "at": now.isoformat()}


def assign(config: Config, message_id: int, to: str, by: str, now: datetime) -> dict[str, object]:
    """Name who answers a message (policy 11.2: each service answers for its own area)."""
    with open_database(config) as db, db.sessions.begin() as session:
        message = load(session, message_id)
        before, message.assigned_to = message.assigned_to, to.strip() or None
        detail = {"message": message_id, "to": message.assigned_to, "before": before}
        record(session, by, "inbox_assign", post_id=post_id(message), detail=detail, at=now)
    return {"message": message_id, "assigned_to": to.strip() or None, "by": by, "at": now.isoformat()}
