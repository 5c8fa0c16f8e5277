"""The Translation Team's review of emergency posts: list, approve, correct (policy 8.5; docs/emergency.md).

A correction edits the published Welsh where the platform can (``can_edit``
in the platform table, within its ``edit_window_minutes`` where it has one,
as X does); elsewhere it is published as a Welsh reply to the Welsh post, and
so is an edit the platform refuses. Either way it is a delivery like any
other, sent by the dispatcher (attempt row, lease fence, exactly once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.emergency.correction_check import check_correction
from publisher.findings import Finding
from publisher.i18n import _
from publisher.platforms.specs import SPECS
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import open_database
from publisher.queue.deliveries import idempotency_key
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import Action, DeliveryState, ReviewState
from publisher.workdays import working_days_between

EDIT_MARGIN = timedelta(minutes=5)  # an edit queued closer than this to the window's end may arrive too late


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


def _sent(session: Session, post_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Who sent each emergency post and why, from its audit event."""
    events = session.scalars(
        select(m.AuditEvent).where(m.AuditEvent.post_id.in_(post_ids), m.AuditEvent.action == "emergency_post")
    ).all()
    return {str(e.post_id): {"by": e.actor, "reason": (e.detail or {}).get("reason")} for e in events}


def _links(session: Session, post_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """The live posts: each published delivery's account, language and address."""
    links: dict[str, list[dict[str, str]]] = {post_id: [] for post_id in post_ids}
    for delivery in session.scalars(
        select(m.Delivery)
        .where(m.Delivery.post_id.in_(post_ids), m.Delivery.remote_url.is_not(None))
        .where(m.Delivery.action == Action.PUBLISH, m.Delivery.state == DeliveryState.PUBLISHED)
        .order_by(m.Delivery.seq)
    ):
        link = {"account": delivery.account, "language": delivery.language, "url": str(delivery.remote_url)}
        links[delivery.post_id].append(link)
    return links


def open_items(config: Config, now: datetime) -> list[dict[str, Any]]:
    """Open review items, oldest first, with how many working days each is overdue, who sent it, why, and where."""
    with open_database(config) as db, db.sessions() as session:
        rows = session.execute(
            select(m.ReviewItem, m.StoredPost)
            .join(m.StoredPost, m.StoredPost.id == m.ReviewItem.post_id)
            .where(m.ReviewItem.state == ReviewState.OPEN)
            .order_by(m.ReviewItem.created_at)
        ).all()
        post_ids = [post.id for _item, post in rows]
        sent, links = _sent(session, post_ids), _links(session, post_ids)
        return [
            {
                "id": item.id,
                "post": post.id,
                "source": item.translation_source.value,
                "created_at": item.created_at.isoformat(),
                "due_at": item.due_at.isoformat(),
                "overdue_working_days": working_days_between(config, item.due_at, now) if now > item.due_at else 0,
                "overdue": now > item.due_at,
                "cy": post.text_cy,
                "en": post.text_en,
                "by": sent.get(post.id, {}).get("by"),
                "reason": sent.get(post.id, {}).get("reason"),
                "links": links[post.id],
            }
            for item, post in rows
        ]


def _item(session: Session, item_id: int) -> m.ReviewItem:
    item = session.get(m.ReviewItem, item_id)
    if item is None:
        raise ReviewError(_("no review item #%(item)d") % {"item": item_id})
    if item.state != ReviewState.OPEN:
        raise ReviewError(_("review item #%(item)d is already %(state)s") % {"item": item_id, "state": item.state})
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
        named = ", ".join(members) or _("nobody yet (add names to [translation_team] members in the config)")
        why = _("'%(person)s' is not a Translation Team member; members: %(names)s") % {
            "person": reviewer,
            "names": named,
        }
        raise _refuse(config, reviewer, item_id, why, now)


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


def editable(delivery: m.Delivery, now: datetime) -> bool:
    """Whether the platform still lets the post be edited: it can edit, and its edit window (if any) is open."""
    platform = SPECS[delivery.platform]
    if not platform.can_edit:
        return False
    if platform.edit_window_minutes is None:
        return True
    closes = (delivery.published_at or now) + timedelta(minutes=platform.edit_window_minutes)
    return now < closes - EDIT_MARGIN


def _correction(
    session: Session,
    item: m.ReviewItem,
    welsh: m.Delivery,
    correction: tuple[str, str],
    seq: int,
    now: datetime,
    edit: bool,
) -> m.Delivery:
    """The delivery that corrects one published Welsh post: an edit if ``edit``, else a Welsh reply."""
    text, english = correction
    delivery = m.Delivery(
        post_id=item.post_id,
        revision=welsh.revision,
        seq=seq,
        account=welsh.account,
        target=welsh.target,
        platform=welsh.platform,
        language=welsh.language if edit else "cy",
        part=0,
        text=(text if welsh.language == "cy" else f"{text}\n\n{english}") if edit else text,
        media=[],
        action=Action.EDIT if edit else Action.CORRECTION_REPLY,
        edit_of_id=welsh.id if edit else None,
        reply_to_id=None if edit else welsh.id,
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
    error = _("%(platform)s can neither edit a post nor reply to one: correct it by hand") % {"platform": title}
    return {
        "account": delivery.account,
        "how": "by hand",
        "state": "failed",
        "url": delivery.remote_url,
        "error": error,
        "note": None,
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
        edit = editable(delivery, now)
        if not (edit or SPECS[delivery.platform].can_reply):
            manual.append(_by_hand(delivery))
            continue
        correction = _correction(session, item, delivery, (text, post.text_en), seq + offset, now, edit)
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


def _replies_for_refused_edits(
    session: Session, item_id: int, ids: list[int], text: str, reviewer: str, now: datetime
) -> dict[int, int]:
    """A Welsh reply for each edit the platform refused (say, X's window closed first); {edit id: reply id}."""
    item = session.get(m.ReviewItem, item_id)
    assert item is not None
    refused = session.scalars(
        select(m.Delivery)
        .where(m.Delivery.id.in_(ids), m.Delivery.action == Action.EDIT, m.Delivery.state == DeliveryState.FAILED)
        .order_by(m.Delivery.seq)
    ).all()
    seq = int(session.scalar(select(func.max(m.Delivery.seq)).where(m.Delivery.post_id == item.post_id)) or 0)
    replaced = {}
    for offset, edit in enumerate(refused, start=1):
        welsh = session.get(m.Delivery, edit.edit_of_id)
        if welsh is None or not SPECS[welsh.platform].can_reply:
            continue
        reply = _correction(session, item, welsh, (text, ""), seq + offset, now, edit=False)
        replaced[edit.id] = reply.id
        detail = {"text": text, "how": "reply", "edit_refused": edit.last_error}
        record(
            session, reviewer, "correction_queued", post_id=item.post_id, delivery_id=welsh.id, at=now, detail=detail
        )
    return replaced


def _outcome(delivery: m.Delivery, note: str | None = None) -> dict[str, str | None]:
    edit = delivery.action is Action.EDIT
    state = "edited" if edit and delivery.state == DeliveryState.PUBLISHED else delivery.state.value
    return {
        "account": delivery.account,
        "how": "edit" if edit else "reply",
        "state": state,
        "url": delivery.remote_url,
        "error": delivery.last_error,
        "note": note,
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
        why = _("the correction breaks the rules: fix what the findings say")
        raise _refuse(config, reviewer, item_id, why, now, findings)
    if findings and not accept_warnings:
        why = _("the correction has warnings: fix them, or accept them (--accept-warnings) if they are right")
        raise _refuse(config, reviewer, item_id, why, now, findings)


def _outcomes(
    session: Session,
    post_id: str,
    ids: list[int],
    replaced: dict[int, int],
    reviewer: str,
    now: datetime,
    log_file: Path,
) -> list[dict[str, str | None]]:
    """How each correction went (a refused edit shows as the reply that took its place), audited."""
    every = ids + list(replaced.values())
    done = {d.id: d for d in session.scalars(select(m.Delivery).where(m.Delivery.id.in_(every))).all()}
    outcomes = []
    for delivery_id in ids:
        delivery = done[delivery_id]
        if delivery.action is Action.EDIT and delivery.state == DeliveryState.PUBLISHED:
            detail = {"text": delivery.text}
            record(
                session,
                reviewer,
                "correction_edited",
                post_id=post_id,
                delivery_id=delivery.edit_of_id,
                at=now,
                detail=detail,
                log_file=log_file,
            )
        if delivery_id in replaced:
            note = _("the edit was refused (%(error)s); corrected with a Welsh reply instead") % {
                "error": delivery.last_error
            }
            outcomes.append(_outcome(done[replaced[delivery_id]], note))
        else:
            outcomes.append(_outcome(delivery))
    return outcomes


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
        dispatcher = Dispatcher(config, db.sessions, dialect=db.dialect)
        dispatcher.run_due(post_id=post_id)
        with db.sessions.begin() as session:
            replaced = _replies_for_refused_edits(session, item_id, ids, text, reviewer, now)
        if replaced:
            dispatcher.run_due(post_id=post_id)
        with db.sessions.begin() as session:
            corrections = _outcomes(session, post_id, ids, replaced, reviewer, now, config.audit_log) + manual
    return ReviewOutcome(item=item_id, state=ReviewState.CORRECTED, reviewer=reviewer, corrections=corrections)
