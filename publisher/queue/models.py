"""The database schema: the queue and the record of truth (SQLAlchemy 2 models).

APScheduler only wakes the daemon; what is due, claimed, in flight or done
lives here, so a crash at any moment loses nothing. The migrations in
``publisher/queue/migrations`` create exactly these tables. States are the
enums of :mod:`publisher.queue.states`, stored as their text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from publisher.queue.states import (
    Action,
    AttemptKind,
    DeliveryState,
    MessageKind,
    MessageLanguage,
    PostSource,
    PostState,
    ResponseKind,
    ReviewState,
    TranslationSource,
)

E = TypeVar("E", bound=StrEnum)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always returned timezone-aware.

    SQLite has no time zones; storing naive UTC everywhere makes comparisons
    in SQL correct on both SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class EnumText(TypeDecorator[E]):
    """A state stored as its text (``VARCHAR``) and read back as its enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class StoredPost(Base):
    """A post as last synced from the content (or created by ``emergency``, or a recurring occurrence)."""

    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    slug: Mapped[str] = mapped_column(String(255))
    source: Mapped[PostSource] = mapped_column(EnumText(PostSource), default=PostSource.CONTENT)
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[PostState] = mapped_column(EnumText(PostState), default=PostState.ACTIVE)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    local_time: Mapped[str | None] = mapped_column(String(64), nullable=True)  # as written
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    schedule: Mapped[str | None] = mapped_column(String(255), nullable=True)
    queue_order: Mapped[float | None] = mapped_column(Float, nullable=True)
    accounts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text_cy: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    translation_source: Mapped[TranslationSource] = mapped_column(
        EnumText(TranslationSource), default=TranslationSource.REVIEWED
    )
    held_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # e.g. "changed after publishing"
    # Provenance (docs/commands.md "status"): the commit that last changed the post's files, its author,
    # and who reviewed the Welsh. Kept as queued: a change after publishing does not rewrite them.
    commit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    commit_author: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reviewer: Mapped[str | None] = mapped_column(String(255), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="post", order_by="Delivery.seq")


class Delivery(Base):
    """One message to one account: the unit that is claimed and published exactly once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "revision", "seq", name="uq_delivery_post_revision_seq"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"))
    revision: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)  # order within the post's revision
    account: Mapped[str] = mapped_column(String(255))  # the concrete platform account
    target: Mapped[str] = mapped_column(String(255))  # the account (or pair) the post named
    platform: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))  # cy | en | cy+en
    part: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    media: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{file, alt}]
    depends_on_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), nullable=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[DeliveryState] = mapped_column(EnumText(DeliveryState), default=DeliveryState.QUEUED)
    action: Mapped[Action] = mapped_column(
        EnumText(Action), default=Action.PUBLISH, server_default=Action.PUBLISH.value
    )
    edit_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id"), nullable=True
    )  # action edit: whose post
    # A platform post that is not one of our deliveries: what an inbox reply answers, or what a hide hides.
    target_remote: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lease_version: Mapped[int] = mapped_column(Integer, default=0)
    remote_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    remote_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    remote_extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    needs_attention: Mapped[int] = mapped_column(Integer, default=0)  # 1: a person must decide
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[StoredPost] = relationship(back_populates="deliveries")


class Attempt(Base):
    """Written (and committed) before every platform call, so a crash leaves evidence."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    lease_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AttemptKind] = mapped_column(EnumText(AttemptKind))
    owner: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEvent(Base):
    """Who did what, when: publishing, cancellations, emergency posts, reviews."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(50))
    post_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    delivery_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    os_user: Mapped[str | None] = mapped_column(String(255), nullable=True)  # who was logged in
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)  # on which machine
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the chain: the event before
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # this event, chained


class ReviewItem(Base):
    """An emergency post's Welsh, waiting for the Translation Team (policy 8.5)."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), index=True)
    translation_source: Mapped[TranslationSource] = mapped_column(EnumText(TranslationSource))
    state: Mapped[ReviewState] = mapped_column(EnumText(ReviewState), default=ReviewState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewer: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    correction: Mapped[str | None] = mapped_column(Text, nullable=True)


class SlotAssignment(Base):
    """A post's slot in its schedule: stored once, stable across restarts and other posts' changes."""

    __tablename__ = "slot_assignments"
    __table_args__ = (UniqueConstraint("schedule", "slot_at", name="uq_slot_schedule_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule: Mapped[str] = mapped_column(String(255))
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime())
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), unique=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccountCheck(Base):
    """The latest ``accounts check`` of one account: who it is, when its token expires, what needs a person."""

    __tablename__ = "account_checks"

    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    identity: Mapped[str | None] = mapped_column(String(255), nullable=True)  # the handle or Page name
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)  # each needs a person
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class RepositoryState(Base):
    """The content repository the daemon follows: the commit it publishes from, and whether fetching works."""

    __tablename__ = "repository_state"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)  # "content"
    url: Mapped[str] = mapped_column(Text)  # as shown: any password masked
    branch: Mapped[str] = mapped_column(String(255))
    commit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the last good tree
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # the last good fetch
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # why the latest fetch failed
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Pause(Base):
    """A pause of scheduled publishing: ``publisher pause`` (until resumed) or a configured quiet period."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str | None] = mapped_column(String(255), nullable=True)  # None: every account
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # "command" or "config" (a quiet period)
    key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)  # a quiet period's identity
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(255))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(255), nullable=True)


class Notification(Base):
    """An e-mail the publisher sent (or is sending), so none is sent twice, across restarts too."""

    __tablename__ = "notifications"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # what it was about, e.g. "failed:12:40"
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))  # "sending", then "sent"
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InboxMessage(Base):
    """A reply, comment or mention addressed to one of our accounts (docs/inbox.md).

    Personal data: after ``[inbox] keep_for`` the text, the author and the
    links are deleted (``redacted_at``) and only what the reports count stays.
    The due times are fixed when the message is collected, in working days.
    """

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("account", "remote_id", name="uq_inbox_account_remote"),
        Index("ix_inbox_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(20))
    remote_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[MessageKind] = mapped_column(EnumText(MessageKind))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    author_handle: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    author_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[MessageLanguage] = mapped_column(EnumText(MessageLanguage))
    language_basis: Mapped[str] = mapped_column(String(20))  # detected | thread | platform | none
    language_hint: Mapped[str | None] = mapped_column(String(16), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    parent_remote_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    root_remote_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    our_delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), nullable=True)
    reply_target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notice_target: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    hideable: Mapped[bool] = mapped_column(Boolean, default=False)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assigned_to: Mapped[str | None] = mapped_column(String(255), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # no answer needed, or hidden
    closed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # the hide, to the comms team
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InboxResponse(Base):
    """What the council did about an inbox message through the queue: who asked, why, and the delivery that did it."""

    __tablename__ = "inbox_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbox_messages.id"), index=True)
    kind: Mapped[ResponseKind] = mapped_column(EnumText(ResponseKind))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    by: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class InboxCursor(Base):
    """Where collecting from one account carries on, its rate-limit pause and its paid reads today."""

    __tablename__ = "inbox_cursors"

    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    reads_day: Mapped[str | None] = mapped_column(String(10), nullable=True)  # the UTC day the reads count
    reads: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A person who may log in to the web workspace, and what their role lets them do (docs/web.md).

    The password is kept only as an Argon2 hash. With a second factor, the
    row holds a salt, not the TOTP secret: the secret is derived from it and
    the web's secret key, which comes from the environment only.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # viewer | editor | translator | comms | admin
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)  # None: single sign-on only
    totp_salt: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a code is accepted once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A logged-in browser: the cookie carries a random token, the table its hash, so logging out ends it."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginAttempt(Base):
    """A failed login, per name and per address: counted to slow down guessing across every worker."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_name_at", "name", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(64))
