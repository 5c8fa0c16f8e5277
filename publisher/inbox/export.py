"""``publisher inbox export --author HANDLE``: a subject access request (UK GDPR art. 15; docs/inbox.md).

Everything the inbox holds from one person (matched on their handle or
platform id, without a leading @, in any case), with what was done about
each message and by whom. Who ran the export is audited. Messages past
``keep_for`` no longer hold an author, so they cannot be found: the export
says how many were deleted that way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from publisher.config import Config
from publisher.i18n import _
from publisher.inbox.views import identity, responses
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import open_database


def _message(session: Any, message: m.InboxMessage) -> dict[str, Any]:
    return {
        **identity(message),
        "assigned_to": message.assigned_to,
        "closed_reason": message.closed_reason,
        "responses": responses(session, message),
    }


def subject_access(config: Config, author: str, by: str, now: datetime) -> dict[str, Any]:
    """What the inbox holds about ``author``, for a subject access request."""
    wanted = author.strip().removeprefix("@").lower()
    if not wanted:
        raise ValueError(_("give the person's handle: --author HANDLE"))
    with open_database(config) as db, db.sessions.begin() as session:
        messages = session.scalars(
            select(m.InboxMessage)
            .where(
                or_(
                    func.lower(m.InboxMessage.author_handle) == wanted,
                    func.lower(m.InboxMessage.author_id) == wanted,
                )
            )
            .order_by(m.InboxMessage.received_at)
        ).all()
        deleted = session.scalar(select(func.count()).where(m.InboxMessage.redacted_at.is_not(None))) or 0
        data = {
            "author": wanted,
            "generated_at": now.isoformat(),
            "generated_by": by,
            "keep_for_days": config.inbox.keep_for.days,
            "messages": [_message(session, message) for message in messages],
            "deleted_after_keep_for": int(deleted),
        }
        record(session, by, "inbox_export", detail={"author": wanted, "messages": len(messages)}, at=now)
        return data
