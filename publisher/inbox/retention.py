"""``[inbox] keep_for``: messages from the public are personal data, kept only so long (docs/inbox.md).

After ``keep_for`` a message's text, author, links and platform targets are
deleted, and the @mention of its author is taken out of our answers' stored
text; its account, platform, kind, language, times and what was done about
it stay, so the reports' counts do not change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.db import Database

REMOVED = "(deleted after keep_for)"


def purge(config: Config, db: Database, now: datetime) -> int:
    """Delete the personal data of messages received more than ``keep_for`` ago; how many were purged."""
    cutoff = now - config.inbox.keep_for
    with db.sessions.begin() as session:
        messages = session.scalars(
            select(m.InboxMessage).where(m.InboxMessage.received_at < cutoff, m.InboxMessage.redacted_at.is_(None))
        ).all()
        for message in messages:
            handle = message.author_handle
            message.text = message.author_handle = message.author_name = message.author_id = message.url = None
            message.reply_target, message.notice_target, message.redacted_at = {}, None, now
            answers = session.scalars(select(m.Delivery).where(m.Delivery.post_id == f"inbox/{message.id}")).all()
            for delivery in answers:
                if handle and f"@{handle}" in delivery.text:
                    delivery.text = delivery.text.replace(f"@{handle}", "@" + REMOVED)
                delivery.target_remote = None
        return len(messages)
