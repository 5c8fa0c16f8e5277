"""Creating and cancelling deliveries: the one place a post becomes messages in the queue.

Used by the content sync, recurring posts, the emergency path and
corrections, so every path to a platform goes through the same chain of
deliveries and the same dispatcher (docs/commands.md "run").
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.post import Post
from publisher.platforms.media import source_digest
from publisher.queue import models as m
from publisher.queue.states import WAITING_STATES, DeliveryState
from publisher.text.compose import Attachment, compose


def idempotency_key(post_id: str, revision: int, seq: int, content_hash: str) -> str:
    """Fixed when the delivery is created; platforms with native idempotency dedupe on it."""
    return hashlib.sha256(f"{post_id}\0{revision}\0{seq}\0{content_hash}".encode()).hexdigest()[:32]


UNREADABLE = "unreadable"  # no digest matches it: the dispatcher refuses the file (media-changed)


def _media(config: Config, post: Post, attachments: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    """Each image's path relative to the content folder, its alt text and its digest now.

    The digest is checked again at upload, so the file uploaded is the one
    the rules checked (docs/platforms.md "Images").
    """
    content_root = config.content_dir
    welsh = post.file("cy")
    source = welsh.path.parent if welsh is not None else content_root
    media = []
    for attachment in attachments:
        real = (source / attachment.file).resolve()
        media.append(
            {
                "file": str(real.relative_to(content_root.resolve())),
                "alt": attachment.alt,
                "sha256": source_digest(real, content_root) or UNREADABLE,
            }
        )
    return media


def create_deliveries(session: Session, config: Config, row: m.StoredPost, post: Post, now: datetime) -> None:
    """One delivery per composed message; each depends on the previous one of its account.

    That chain is what makes Welsh go first (and thread parts go in order):
    a delivery is claimable only once the one before it is published.
    """
    seq = 0
    due = row.scheduled_at or now
    for target in post.accounts:
        previous: m.Delivery | None = None
        created: list[m.Delivery] = []
        for message in compose(post, config, target):
            delivery = m.Delivery(
                post_id=row.id,
                revision=row.revision,
                seq=seq,
                account=message.account,
                target=target,
                platform=message.platform,
                language=message.language,
                part=message.part,
                text=message.text,
                media=_media(config, post, message.media),
                depends_on_id=previous.id if previous else None,
                reply_to_id=created[message.reply_to].id if message.reply_to is not None else None,
                idempotency_key=idempotency_key(row.id, row.revision, seq, row.content_hash),
                state=DeliveryState.QUEUED,
                next_attempt_at=due,
                created_at=now,
                updated_at=now,
            )
            session.add(delivery)
            session.flush()  # ids for the next delivery's dependency
            created.append(delivery)
            previous = delivery
            seq += 1


def cancel_waiting(session: Session, post: m.StoredPost, state: DeliveryState, reason: str, now: datetime) -> None:
    """Close the post's deliveries that have not started (``state``: cancelled or expired), saying why."""
    session.execute(
        update(m.Delivery)
        .where(m.Delivery.post_id == post.id, m.Delivery.state.in_(WAITING_STATES))
        .values(state=state, last_error=reason, updated_at=now, lease_owner=None, lease_until=None)
    )


def started(post: m.StoredPost) -> bool:
    """True once any delivery of the post's current revision may have reached a platform.

    A failed delivery has not: the platform refused it, or was asked and has
    no such post. So a post whose Welsh failed (and whose English waits
    behind it) takes an edit as a new text to queue, not as a change "after
    publishing" (docs/commands.md "retry").
    """
    return any(
        d.state in (DeliveryState.PUBLISHING, DeliveryState.UNKNOWN, DeliveryState.PUBLISHED)
        or (d.attempts > 0 and d.state in WAITING_STATES)
        for d in post.deliveries
        if d.revision == post.revision
    )
