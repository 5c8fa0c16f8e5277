"""The Translation Team's review of emergency posts: list, approve, correct (policy 8.5; docs/emergency.md).

A correction edits the published Welsh where the platform can (``can_edit``
in the platform table); elsewhere it is published as a Welsh reply to the
Welsh post. Either way it is a delivery like any other, sent by the
dispatcher (attempt row, lease fence, exactly once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.emergency.correction_check import check_correction
from publisher.findings import Finding
from publisher.platforms.specs import SPECS
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import open_database
from publisher.queue.deliveries import idempotency_key
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import Action, DeliveryState, ReviewState
from publisher.workdays import working_days_between


class ReviewError(ValueError):
    """The review item cannot be acted on (unknown, or already resolved); the message says why."""


class ReviewRefused(Exception):
    """This person may not do this, or the correction breaks the rules; recorded. ``findings`` says which rules."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


@dataclass
class ReviewOutcome:
    """A review item after approval or correction, with how each correction went."""

    item: int
    state: ReviewState
    reviewer: str
    corrections: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(c["state"] not in ("edited", "published") for c in self.corrections)

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "state": self.state.value,
            "reviewer": self.reviewer,
            "corrections": self.corrections,
        }


def open_items(config: Config, now: datetime) -> list[dict[str, Any]]:
    """Open review items, oldest first, with how many working days each is overdue."""
    with open_database(config) as db, db.sessions() as session:
        rows = session.execute(
            select(m.ReviewItem, m.StoredPost)
            .join(m.StoredPost, m.StoredPost.id == m.ReviewItem.post_id)
            .where(m.ReviewItem.state == ReviewState.OPEN)
            .order_by(m.ReviewItem.created_at)
        ).all()
        return [
            {
                "id": item.id,
                "post": post.id,
                "source": item.translation_source.value,
                "created_at": item.created_at.isoformat(),
                "due_at": item.due_at.isoformat(),
                "overdue_working_days": working_days_between(config, item.due_at, now) if now > item.due_at else 0,
                "cy": post.text_cy,
                "en": post.text_en,
            }
            for item, post in rows
        ]


def _item(session: Session, item_id: int) -> m.ReviewItem:
    item = session.get(m.ReviewItem, item_id)
    if item is None:
        raise ReviewError(f"no review item #{item_id}")
    if item.state != ReviewState.OPEN:
        raise ReviewError(f"review item #{item_id} is already {item.state}")
    return item


def _refuse(
    config: Config, reviewer: str, item_id: int, why: str, now: datetime, findings: list[Finding] | None = None
) -> ReviewRefused:
    """Record the refusal (database and audit log), and the exception that says it."""
    detail = {"item": item_id, "why": why, "codes": sorted({f.code for f in findings or []})}
    with open_database(config) as db, db.sessions.begin() as session:
        record(session, reviewer, "review_refused", at=now, detail=detail, log_file=config.audit_log)
    return ReviewRefused(why, findings)


def _check_member(config: Config, reviewer: str, item_id: int, now: datetime) -> None:
    """Only the Translation Team members named in the configuration approve or correct (policy 8.5)."""
    members = config.translation_team.members
    if reviewer not in members:
        named = ", ".join(members) or "nobody yet (add names to [translation_team] members in the config)"
        raise _refuse(
            config, reviewer, item_id, f"'{reviewer}' is not a Translation Team member; members: {named}", now
        )


def approve(config: Config, item_id: int, reviewer: str, now: datetime) -> ReviewOutcome:
    """Mark the Welsh of an emergency post as reviewed."""
    _check_member(config, reviewer, item_id, now)
    with open_database(config) as db, db.sessions.begin() as session:
        item = _item(session, item_id)
        item.state, item.reviewer, item.resolved_at = ReviewState.APPROVED, reviewer, now
        detail = {"item": item_id}
        record(
            session, reviewer, "review_approved", post_id=item.post_id, at=now, detail=detail, log_file=config.audit_log
        )
    return ReviewOutcome(item=item_id, state=ReviewState.APPROVED, reviewer=reviewer)


def _correction(
    session: Session, item: m.ReviewItem, welsh: m.Delivery, text: str, english: str, seq: int, now: datetime
) -> m.Delivery:
    """The delivery that corrects one published Welsh post: an edit where the platform can, else a Welsh reply."""
    editable = SPECS[welsh.platform].can_edit
    delivery = m.Delivery(
        post_id=item.post_id,
        revision=welsh.revision,
        seq=seq,
        account=welsh.account,
        target=welsh.target,
        platform=welsh.platform,
        language=welsh.language if editable else "cy",
        part=0,
        text=(text if welsh.language == "cy" else f"{text}\n\n{english}") if editable else text,
        media=[],
        action=Action.EDIT if editable else Action.CORRECTION_REPLY,
        edit_of_id=welsh.id if editable else None,
        reply_to_id=None if editable else welsh.id,
        idempotency_key=idempotency_key(item.post_id, welsh.revision, seq, f"correction-{item.id}"),
        state=DeliveryState.QUEUED,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def _by_hand(delivery: m.Delivery) -> dict[str, str | None]:
    """A Welsh post the platform lets us neither edit nor answer: a person must correct it there."""
    title = SPECS[delivery.platform].title
    error = f"{title} can neither edit a post nor reply to one: correct it by hand"
    return {
        "account": delivery.account,
        "how": "by hand",
        "state": "failed",
        "url": delivery.remote_url,
        "error": error,
    }


def _queue_corrections(
    session: Session, item_id: int, text: str, reviewer: str, now: datetime, log_file: Path
) -> tuple[str, list[int], list[dict[str, str | None]]]:
    """Resolve the item and queue one correction per published Welsh post; (post id, correction ids, by hand)."""
    item = _item(session, item_id)
    post = session.get(m.StoredPost, item.post_id)
    assert post is not None
    welsh = session.scalars(
        select(m.Delivery)
        .where(
            m.Delivery.post_id == item.post_id,
            m.Delivery.action == Action.PUBLISH,
            m.Delivery.language.in_(("cy", "cy+en")),
            m.Delivery.part == 0,
            m.Delivery.state == DeliveryState.PUBLISHED,
        )
        .order_by(m.Delivery.seq)
    ).all()
    seq = int(session.scalar(select(func.max(m.Delivery.seq)).where(m.Delivery.post_id == item.post_id)) or 0)
    ids, manual = [], []
    for offset, delivery in enumerate(welsh, start=1):
        platform = SPECS[delivery.platform]
        if not (platform.can_edit or platform.can_reply):
            manual.append(_by_hand(delivery))
            continue
        correction = _correction(session, item, delivery, text, post.text_en, seq + offset, now)
        ids.append(correction.id)
        detail = {"text": text, "how": "edit" if correction.action is Action.EDIT else "reply"}
        record(
            session,
            reviewer,
            "correction_queued",
            post_id=item.post_id,
            delivery_id=delivery.id,
            at=now,
            detail=detail,
            log_file=log_file,
        )
    item.state, item.reviewer, item.resolved_at, item.correction = ReviewState.CORRECTED, reviewer, now, text
    post.text_cy = text
    return post.id, ids, manual


def _outcome(delivery: m.Delivery) -> dict[str, str | None]:
    edit = delivery.action is Action.EDIT
    state = "edited" if edit and delivery.state == DeliveryState.PUBLISHED else delivery.state.value
    return {
        "account": delivery.account,
        "how": "edit" if edit else "reply",
        "state": state,
        "url": delivery.remote_url,
        "error": delivery.last_error,
    }


def _check_text(config: Config, item_id: int, text: str, reviewer: str, now: datetime, accept_warnings: bool) -> None:
    """The correction passes the rules (errors refuse it; warnings too, unless accepted)."""
    with open_database(config) as db, db.sessions() as session:
        item = _item(session, item_id)
        post = session.get(m.StoredPost, item.post_id)
        assert post is not None
        findings = check_correction(config, post.id, text, post.text_en, list(post.accounts), post.text_cy, now)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise _refuse(
            config, reviewer, item_id, "the correction breaks the rules: fix what the findings say", now, findings
        )
    if findings and not accept_warnings:
        why = "the correction has warnings: fix them, or accept them (--accept-warnings) if they are right"
        raise _refuse(config, reviewer, item_id, why, now, findings)


def correct(
    config: Config, item_id: int, text: str, reviewer: str, now: datetime, accept_warnings: bool = False
) -> ReviewOutcome:
    """Replace the Welsh of an emergency post on every account it went to, then resolve the review item.

    Only a Translation Team member may, and the correction must pass the rules first.
    """
    _check_member(config, reviewer, item_id, now)
    _check_text(config, item_id, text, reviewer, now, accept_warnings)
    with open_database(config) as db:
        with db.sessions.begin() as session:
            post_id, ids, manual = _queue_corrections(session, item_id, text, reviewer, now, config.audit_log)
        Dispatcher(config, db.sessions, dialect=db.dialect).run_due(post_id=post_id)
        with db.sessions.begin() as session:
            done = session.scalars(select(m.Delivery).where(m.Delivery.id.in_(ids)).order_by(m.Delivery.seq)).all()
            for delivery in done:
                if delivery.action is Action.EDIT and delivery.state == DeliveryState.PUBLISHED:
                    record(
                        session,
                        reviewer,
                        "correction_edited",
                        post_id=post_id,
                        delivery_id=delivery.edit_of_id,
                        at=now,
                        detail={"text": delivery.text},
                        log_file=config.audit_log,
                    )
            corrections = [_outcome(d) for d in done] + manual
    return ReviewOutcome(item=item_id, state=ReviewState.CORRECTED, reviewer=reviewer, corrections=corrections)
