"""``publisher retry POST_ID [--account A]``: re-queue what failed, once the cause is fixed (docs/commands.md "retry").

A delivery refused by the platform (a missing token, say) is ``failed`` and
needs a person. Once the person has fixed the cause, ``retry`` puts it back
in the queue: a failed delivery is queued again (the platform refused it,
or was asked and had no such post: nothing of it is out there); one whose
outcome is still unknown is checked with the platform first, as always,
before anything is resent. Welsh still goes first, because the English
delivery still depends on the Welsh one. Done in one transaction, with the
rows locked, so two people retrying at once re-queue it once; audited.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.i18n import N_, _
from publisher.queue import models as m
from publisher.queue.audit import record, who_runs_this
from publisher.queue.db import describe_location, open_existing
from publisher.queue.notices import attention_key
from publisher.queue.states import DeliveryState, PostState


class RetryRefused(LookupError):
    """Nothing can be retried as asked; ``param`` names the argument at fault (None: not a usage error)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def unknown_post_message(post_id: str, match: str | None) -> str:
    """No post ``post_id`` in the database, suggesting the closest id (``retry`` and ``status`` say the same)."""
    if match:
        return _("no post '%(post)s' in the database (did you mean '%(match)s'?)") % {"post": post_id, "match": match}
    return _("no post '%(post)s' in the database") % {"post": post_id}


@dataclass
class Retried:
    """What was put back in the queue, in publishing order."""

    post_id: str
    deliveries: list[dict[str, str | int | None]] = field(default_factory=list)


def _find_post(session: Session, post_id: str) -> m.StoredPost:
    post = session.get(m.StoredPost, post_id)
    if post is None:
        known = list(session.scalars(select(m.StoredPost.id)))
        match = difflib.get_close_matches(post_id, known, n=1)
        raise RetryRefused(unknown_post_message(post_id, match[0] if match else None), "POST_ID")
    if post.state in (PostState.HELD, PostState.CANCELLED, PostState.EXPIRED):
        why = {
            PostState.HELD: N_(
                "post '%(post)s' cannot be retried: it is held by validation errors: fix them ('publisher check') "
                "and the daemon queues it"
            ),
            PostState.CANCELLED: N_("post '%(post)s' cannot be retried: it was cancelled (its files were deleted)"),
            PostState.EXPIRED: N_(
                "post '%(post)s' cannot be retried: it expired (due more than max_lateness ago): "
                "give it a new time to publish it"
            ),
        }[post.state]
        raise RetryRefused(_(why) % {"post": post_id})
    return post


def _requeue(delivery: m.Delivery, by: str, now: datetime) -> dict[str, str | int | None]:
    was = delivery.state.value
    reason = delivery.last_error
    if delivery.state == DeliveryState.FAILED:
        delivery.state = DeliveryState.QUEUED
        delivery.last_error = f"retried by {by} (it had failed: {reason})"
    else:  # unknown: it may be on the platform; the dispatcher asks before anything is resent
        delivery.last_error = f"retried by {by}: checking the platform before any resend"
    delivery.attempts = 0
    delivery.needs_attention = 0
    delivery.next_attempt_at = now
    delivery.updated_at = now
    return {
        "id": delivery.id,
        "account": delivery.account,
        "language": delivery.language,
        "part": delivery.part,
        "was": was,
        "error": reason,
    }


def retry(
    config: Config, post_id: str, account: str | None = None, now: datetime | None = None, by: str | None = None
) -> Retried:
    """Re-queue the post's failed deliveries (of ``account`` only, if given); RetryRefused when there are none.

    ``by`` is who asked (the web workspace passes its signed-in user); by default, who runs this process.
    """
    now = now or datetime.now(UTC)
    by = by or who_runs_this()[0]
    with open_existing(config, upgrade=True) as db:
        if db is None:
            raise RetryRefused(
                _("no database at %(where)s: run retry where the daemon's database is")
                % {"where": describe_location(config)}
            )
        with db.sessions.begin() as session:
            post = _find_post(session, post_id)
            query = (
                select(m.Delivery)
                .where(
                    m.Delivery.post_id == post.id,
                    m.Delivery.revision == post.revision,
                    or_(m.Delivery.state == DeliveryState.FAILED, m.Delivery.needs_attention == 1),
                )
                .order_by(m.Delivery.seq)
                .with_for_update()
            )
            rows = [d for d in session.scalars(query) if account is None or account in (d.account, d.target)]
            if account is not None and account not in {d.account for d in post.deliveries} | set(post.accounts or []):
                message = _("post '%(post)s' does not go to '%(account)s'")
                raise RetryRefused(message % {"post": post_id, "account": account}, "--account")
            if not rows:
                raise RetryRefused(
                    _("nothing of '%(post)s' has failed on %(account)s: nothing to retry")
                    % {"post": post_id, "account": account}
                    if account
                    else _("nothing of '%(post)s' has failed: nothing to retry") % {"post": post_id}
                )
            done = Retried(post_id=post.id, deliveries=[_requeue(d, by, now) for d in rows])
            session.execute(delete(m.Notification).where(m.Notification.key.in_([attention_key(d.id) for d in rows])))
            record(
                session,
                by,
                "retried",
                post_id=post.id,
                at=now,
                detail={"deliveries": done.deliveries},
                log_file=config.audit_log,
            )
    return done
