"""Answers to inbox messages as deliveries: checked by the rules, queued, sent by the dispatcher (docs/inbox.md).

Every answer, holding statement, removal notice and hide is a delivery of
the message's own conversation (a stored post ``inbox/<id>``, source
``inbox``), sent by the same dispatcher as every post: attempt row, lease
fence, reconciliation before any resend, so nothing goes out twice. A
bilingual answer is one message, Welsh first, when it fits the platform,
else a Welsh message and then an English one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.content.memory import in_memory_post
from publisher.findings import Finding
from publisher.i18n import _
from publisher.platforms.specs import SPECS
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import Database
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.states import Action, DeliveryState, MessageLanguage, PostSource, PostState, ResponseKind
from publisher.rules import build_context, language_mismatch, language_mixed, personal_data, too_long
from publisher.rules.reply_language import check_reply
from publisher.text.length import fits, measure


class InboxError(ValueError):
    """The message cannot be acted on as asked (unknown, already done, not possible there); the message says why."""


class UnknownMessage(InboxError):
    """No inbox message has that id."""


class Refused(Exception):
    """The answer breaks a rule; ``findings`` say which and how to fix it."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f"{f.code}: {f.message}" for f in findings))
        self.findings = findings


@dataclass
class Outcome:
    """What went out for one action on one message, in order (Welsh first), and the warnings."""

    message: int
    action: str
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    note: str | None = None

    @property
    def failed(self) -> bool:
        return any(d["state"] != DeliveryState.PUBLISHED.value for d in self.deliveries)

    def as_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "action": self.action,
            "deliveries": self.deliveries,
            "warnings": [w.as_json() for w in self.warnings],
            "note": self.note,
        }


@dataclass(frozen=True)
class Piece:
    """One message of an answer."""

    language: str  # cy | en | cy+en
    text: str


def post_id(message: m.InboxMessage) -> str:
    return f"inbox/{message.id}"


def load(session: Session, message_id: int) -> m.InboxMessage:
    message = session.get(m.InboxMessage, message_id)
    if message is None:
        raise UnknownMessage(_("no inbox message #%(message)d") % {"message": message_id})
    if message.redacted_at is not None:
        raise InboxError(
            _("inbox message #%(message)d is past [inbox] keep_for: its details were deleted") % {"message": message_id}
        )
    return message


def pieces(message: m.InboxMessage, cy: str, en: str, mention: bool = True) -> list[Piece]:
    """The answer as the platform will get it: one bilingual message if it fits, else Welsh then English."""
    handle = message.author_handle or ""
    prefix = f"@{handle} " if mention and handle and SPECS[message.platform].reply_mentions_author else ""
    if cy and en:
        combined = f"{prefix}{cy}\n\n{en}"
        if fits(message.platform, combined):
            return [Piece("cy+en", combined)]
        return [Piece("cy", prefix + cy), Piece("en", prefix + en)]
    return [Piece("cy", prefix + cy)] if cy else [Piece("en", prefix + en)]


def check(
    config: Config, message: m.InboxMessage, cy: str, en: str, now: datetime, language: str | None = None
) -> list[Finding]:
    """The rules for an answer: its language for this message (Standard 59), each text's language, personal
    data, and its length as the platform counts it."""
    where = f"inbox message #{message.id}"
    wanted = language or message.language.value
    findings = list(check_reply(wanted, cy, en, where, post_id(message)))
    post = in_memory_post(post_id(message), cy, en, [message.account], config.content_dir / "inbox", now.isoformat())
    ctx = build_context(config, now)
    for rule in (language_mismatch, language_mixed, personal_data):
        findings.extend(rule.check(post, ctx))
    title = SPECS[message.platform].title
    for piece in pieces(message, cy, en):
        size = measure(message.platform, piece.text)
        if not size.fits:
            findings.append(
                too_long.RULE.at(
                    post,
                    where,
                    1,
                    _(
                        "the %(language)s answer is %(length)d long as %(platform)s counts it; the limit is "
                        "%(limit)s: shorten it by %(over)d"
                    )
                    % {
                        "language": piece.language,
                        "length": size.length,
                        "platform": title,
                        "limit": size.limit,
                        "over": size.length - (size.limit or 0),
                    },
                )
            )
    return findings


def refuse_errors(findings: list[Finding]) -> list[Finding]:
    """Raise Refused if any finding is an error; return the warnings."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise Refused(errors)
    return findings


def conversation(session: Session, message: m.InboxMessage, now: datetime) -> m.StoredPost:
    """The stored post that holds the message's answers (created with the first one)."""
    row = session.get(m.StoredPost, post_id(message))
    if row is None:
        row = m.StoredPost(
            id=post_id(message),
            slug=post_id(message),
            source=PostSource.INBOX,
            content_hash="inbox",
            revision=1,
            state=PostState.ACTIVE,
            accounts=[message.account],
            first_seen=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def queue(
    session: Session,
    message: m.InboxMessage,
    kind: ResponseKind,
    parts: list[Piece],
    by: str,
    now: datetime,
    reason: str | None = None,
    after: int | None = None,
) -> list[int]:
    """Queue the deliveries of one response (each after the one before it, the first after ``after``) and
    record who asked; their ids."""
    post = conversation(session, message, now)
    last = session.scalar(select(func.max(m.Delivery.seq)).where(m.Delivery.post_id == post.id))
    seq = -1 if last is None else int(last)
    target = message.notice_target if kind is ResponseKind.NOTICE else message.reply_target
    if kind is ResponseKind.HIDE:
        target = {"id": message.remote_id, "url": message.url, "extra": dict(message.reply_target.get("extra") or {})}
    ids: list[int] = []
    for part, piece in enumerate(parts):
        seq += 1
        key = hashlib.sha256(f"{post.id}\0{seq}\0{kind.value}\0{piece.text}".encode()).hexdigest()[:32]
        delivery = m.Delivery(
            post_id=post.id,
            revision=1,
            seq=seq,
            account=message.account,
            target=message.account,
            platform=message.platform,
            language=piece.language,
            part=part,
            text=piece.text,
            media=[],
            depends_on_id=ids[-1] if ids else after,
            action=Action.HIDE if kind is ResponseKind.HIDE else Action.INBOX_REPLY,
            target_remote=target,
            idempotency_key=key,
            state=DeliveryState.QUEUED,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(delivery)
        session.flush()
        ids.append(delivery.id)
        session.add(
            m.InboxResponse(message_id=message.id, kind=kind, delivery_id=delivery.id, by=by, at=now, reason=reason)
        )
    detail = {"message": message.id, "kind": kind.value, "languages": [p.language for p in parts], "reason": reason}
    detail["texts"] = [p.text.removeprefix(f"@{message.author_handle} ") for p in parts]
    record(
        session, by, f"inbox_{kind.value}", post_id=post.id, delivery_id=ids[0] if ids else None, detail=detail, at=now
    )
    return ids


def send(config: Config, db: Database, message_id: int) -> None:
    """Send what is due for the message now, through the dispatcher (the daemon retries anything left)."""
    Dispatcher(config, db.sessions, dialect=db.dialect).run_due(post_id=f"inbox/{message_id}")


def outcomes(db: Database, ids: list[int]) -> list[dict[str, Any]]:
    """Each delivery's state after sending: account, language, state, url, error."""
    with db.sessions() as session:
        rows = session.scalars(select(m.Delivery).where(m.Delivery.id.in_(ids)).order_by(m.Delivery.seq)).all()
        return [
            {
                "account": d.account,
                "language": d.language,
                "action": d.action.value,
                "state": d.state.value,
                "url": d.remote_url,
                "error": d.last_error,
            }
            for d in rows
        ]


def needs(language: MessageLanguage) -> str:
    """What answer a message of ``language`` needs, as people say it."""
    if language is MessageLanguage.WELSH:
        return _("a Welsh answer")
    if language is MessageLanguage.ENGLISH:
        return _("an answer in English or Welsh (or both)")
    return _("a bilingual answer, Welsh first")
