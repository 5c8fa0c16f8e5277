"""Claim due deliveries, call the platforms, record the outcome: exactly once (docs/commands.md "run").

The protocol, and why each step is there:

1. **Claim** in one short transaction (``BEGIN IMMEDIATE`` on SQLite,
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL): state ``publishing``, a lease
   (owner, until) and ``lease_version + 1``. Only deliveries whose predecessor
   is published are claimable: Welsh first, thread parts in order.
2. **Attempt row** committed *before* the platform call, fenced on the lease
   version: a claimed batch's rows in one transaction, before any of its
   calls. A crash after it means "the call may have happened".
3. **Call** the adapter outside any transaction: publish, or (a correction)
   edit an earlier delivery's post, or (the inbox) hide a comment.
4. **Complete** with ``UPDATE ... WHERE lease_version = v AND lease_owner = me``:
   a daemon that lost its lease cannot overwrite the new owner's result. The
   outcomes workers hand in together are committed in one transaction
   (:mod:`publisher.queue.group_commit`), their audit events under one lock.
5. **Recover**: an expired ``publishing`` lease with an attempt row becomes
   ``unknown``; without one, ``queued`` (nothing was sent). An edit or a hide
   is made again instead: the same text twice leaves the same post.
6. **Reconcile** ``unknown`` by asking the platform (``find_recent``) before
   any resend; when the platform cannot answer, the delivery stays ``unknown``
   and is flagged for a person after a few tries. An edit or a hide is not
   looked for: it is made again.

Workers are kept busy: a free worker takes the next due delivery at once, so
one slow call delays only its own post (and its language partner). Every
outcome that needs an operator's eye (an unknown outcome, a retry, a
reconciliation, a give-up) is logged at INFO with the post, account,
language and reason, and reported to an observer (the metrics).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, bindparam, exists, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from publisher.config import Config
from publisher.i18n import _
from publisher.platforms.base import (
    MediaFile,
    OutcomeUnknown,
    PermanentError,
    Platform,
    PlatformError,
    PublishRequest,
    RateLimited,
    RemotePost,
    TransientError,
)
from publisher.platforms.registry import make_adapter
from publisher.queue import fenced
from publisher.queue import models as m
from publisher.queue.audit import record, record_many
from publisher.queue.group_commit import GroupCommit
from publisher.queue.pauses import sendable
from publisher.queue.states import REPEATABLE_ACTIONS, Action, AttemptKind, DeliveryState, PostState
from publisher.redaction import KNOWN

log = logging.getLogger("publisher.dispatcher")

RECONCILE_TRIES_BEFORE_FLAG = 5
BATCH = 32
_AUDITED = ("published", "edited", "hidden", "failed", "reconciled", "gave_up")
_LANGUAGES = {"cy": "Welsh", "en": "English", "cy+en": "Welsh+English"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


Claim = fenced.Lease  # a delivery this daemon holds the lease on


@dataclass(frozen=True)
class Started:
    """A claimed delivery whose attempt row is written: what to send, and its history."""

    request: PublishRequest
    account: str
    post_id: str
    platform: str
    scheduled_at: datetime | None  # when the post was due (lateness is measured from here)
    action: Action
    edit_of: RemotePost | None  # the post an edit replaces the text of
    first_attempt: datetime | None  # first publish attempt (reconcile searches from here)
    last_attempt: datetime | None  # latest publish attempt (a late request may still land)
    reconciles: int
    last_error: str | None  # why the previous attempt did not succeed
    attempts: int = 1  # publish attempts counted so far, this one included


@dataclass(frozen=True)
class Outcome:
    """One platform call's result, for the log and the metrics.

    ``reason`` is set for a failure: rate_limited, transient, permanent,
    unknown, unexpected, reconcile_failed or gave_up.
    """

    post_id: str
    account: str
    platform: str
    language: str
    outcome: str
    reason: str | None = None
    message: str | None = None
    lateness: float | None = None  # seconds after the due time, for a publication


Observer = Callable[[Outcome], None]


@dataclass
class CycleResult:
    """What one pass over the due deliveries did (counted from several worker threads)."""

    published: int = 0
    failed: int = 0
    retried: int = 0
    unknown: int = 0
    errors: int = 0  # workers that stopped on a database error (their leases are recovered later)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, outcome: str) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)


class Dispatcher:
    """Runs the claim → attempt → call → complete protocol against one database."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        *,
        dialect: str,
        owner: str | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        adapter_factory: Callable[..., Platform] = make_adapter,
        observer: Observer | None = None,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.dialect = dialect
        self.owner = owner or default_owner()
        self.env = env
        self.clock = clock
        self.settings = config.daemon
        self._adapter_factory = adapter_factory
        self._adapters: dict[str, Platform] = {}
        self.stopping = False
        self.observer = observer
        self._claim_queries: dict[tuple[int, bool], Any] = {}
        # The hot path (claim, attempt row, completion) runs Core statements on the sessions' engine.
        self._engine: Engine = sessions.kw["bind"]
        self._completions: GroupCommit[fenced.Completion, bool] = GroupCommit(lambda batch: self._record(batch))

    # -- adapters ---------------------------------------------------------

    def adapter(self, account_name: str) -> Platform:
        if account_name not in self._adapters:
            self._adapters[account_name] = self._adapter_factory(
                self.config.accounts[account_name], env=self.env, timeout=self.settings.request_timeout.total_seconds()
            )
        return self._adapters[account_name]

    # -- leases -------------------------------------------------------------

    def _release(self, session: Session, delivery: m.Delivery, now: datetime) -> None:
        """Give back an expired lease: unknown if a call may have been made, else queued."""
        sent = session.scalar(
            select(
                exists().where(
                    m.Attempt.delivery_id == delivery.id,
                    m.Attempt.lease_version == delivery.lease_version,
                    m.Attempt.kind == AttemptKind.PUBLISH,
                )
            )
        )
        delivery.lease_owner = None
        delivery.lease_until = None
        delivery.updated_at = now
        if sent and delivery.action not in REPEATABLE_ACTIONS:
            delivery.state = DeliveryState.UNKNOWN
            delivery.next_attempt_at = now + self.settings.reconcile_after
            delivery.last_error = "the publishing daemon stopped mid-call; checking the platform before any resend"
            detail = {"outcome": "unknown"}
            record(
                session, self.owner, "lease_expired", post_id=delivery.post_id, delivery_id=delivery.id, detail=detail
            )
        elif sent:  # an edit or a hide: making it again leaves the same post
            delivery.state = DeliveryState.QUEUED
            delivery.next_attempt_at = now
        else:
            delivery.state = DeliveryState.QUEUED
            delivery.attempts = max(0, delivery.attempts - 1)

    def recover(self, all_leases: bool = False) -> int:
        """Release expired leases (all of them when no other daemon can hold one)."""
        now = self.clock()
        with self.sessions.begin() as session:
            condition = m.Delivery.state == DeliveryState.PUBLISHING
            if not all_leases:
                condition = and_(condition, m.Delivery.lease_until < now)
            query = select(m.Delivery).where(condition)
            if self.dialect == "postgresql":
                # Lock what we release, and skip what a worker is starting right now: on
                # READ COMMITTED an unlocked read could release a lease another daemon has
                # just renewed in _start, and the delivery would go out twice.
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            for delivery in rows:
                self._release(session, delivery, now)
            return len(rows)

    @staticmethod
    def _claimable(now: Any, *, due_now: bool = True) -> ColumnElement[bool]:
        """Deliveries that may be claimed at ``now``: sendable (predecessors published) or to reconcile.

        Without ``due_now`` it is what the wake-up timer may wait for: whatever
        could be claimed once its time comes. A delivery blocked behind a failed
        Welsh post is not, or the daemon would wake "now" again and again for
        something it cannot send; nor is one another daemon holds.
        """
        dep = aliased(m.Delivery)
        parent = aliased(m.Delivery)
        due = [m.Delivery.next_attempt_at <= now] if due_now else []
        ready = and_(
            m.Delivery.state.in_((DeliveryState.QUEUED, DeliveryState.RETRY_WAIT)),
            *due,
            or_(
                m.Delivery.depends_on_id.is_(None),
                exists().where(dep.id == m.Delivery.depends_on_id, dep.state == DeliveryState.PUBLISHED),
            ),
            or_(
                m.Delivery.reply_to_id.is_(None),
                exists().where(parent.id == m.Delivery.reply_to_id, parent.state == DeliveryState.PUBLISHED),
            ),
            sendable(now),  # not while its account is paused (docs/commands.md "pause")
        )
        unleased = or_(m.Delivery.lease_until.is_(None), m.Delivery.lease_until < now)
        to_reconcile = and_(m.Delivery.state == DeliveryState.UNKNOWN, *due, unleased)
        return and_(or_(ready, to_reconcile), m.StoredPost.state == PostState.ACTIVE)

    def _claim_query(self, limit: int, one_post: bool) -> Any:
        """The claim statement, built once per shape: building it costs more CPU than running it."""
        key = (limit, one_post)
        if key not in self._claim_queries:
            now = bindparam("now", type_=m.UTCDateTime())
            one = [m.Delivery.post_id == bindparam("post_id")] if one_post else []
            query = (
                select(m.Delivery.id, m.Delivery.state, m.Delivery.lease_version)
                .join(m.StoredPost, m.StoredPost.id == m.Delivery.post_id)
                .where(self._claimable(now), *one)
                .order_by(m.Delivery.next_attempt_at, m.Delivery.post_id, m.Delivery.seq)
                .limit(limit)
            )
            if self.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True, of=m.Delivery)
            self._claim_queries[key] = query
        return self._claim_queries[key]

    def claim(self, limit: int = BATCH, post_id: str | None = None) -> list[Claim]:
        """Lease up to ``limit`` due deliveries whose predecessors are published (of one post, if given)."""
        now = self.clock()
        query = self._claim_query(limit, post_id is not None)
        params: dict[str, Any] = {"now": now, **({"post_id": post_id} if post_id is not None else {})}
        with self._engine.begin() as connection:
            rows = connection.execute(query, params).all()
            fenced.take(connection, rows, self.owner, now + self.settings.lease, now)
        return [
            Claim(
                row.id,
                row.lease_version + 1,
                AttemptKind.RECONCILE if row.state == DeliveryState.UNKNOWN else AttemptKind.PUBLISH,
            )
            for row in rows
        ]

    def release_unsent(self) -> int:
        """On shutdown: give back claims whose platform call never started."""
        now = self.clock()
        with self.sessions.begin() as session:
            rows = session.scalars(
                select(m.Delivery)
                .where(m.Delivery.lease_owner == self.owner, m.Delivery.state == DeliveryState.PUBLISHING)
                .with_for_update(of=m.Delivery)
            ).all()
            released = 0
            for delivery in rows:
                sent = session.scalar(
                    select(
                        exists().where(
                            m.Attempt.delivery_id == delivery.id, m.Attempt.lease_version == delivery.lease_version
                        )
                    )
                )
                if sent:
                    continue  # recover() will reconcile it
                delivery.state = DeliveryState.QUEUED
                delivery.attempts = max(0, delivery.attempts - 1)
                delivery.lease_owner = None
                delivery.lease_until = None
                delivery.updated_at = now
                released += 1
            return released

    # -- one delivery -------------------------------------------------------

    def _media(self, media: list[Any]) -> tuple[MediaFile, ...]:
        """The delivery's images; each adapter uploads them prepared (no EXIF/GPS, see platforms/media.py)."""
        max_pixels = self.config.media.max_pixels
        return tuple(
            MediaFile(
                path=self.config.content_dir / item["file"],
                alt=item["alt"],
                max_pixels=max_pixels,
                root=self.config.content_dir,
                sha256=item.get("sha256"),
            )
            for item in media or []
        )

    @staticmethod
    def _remote_of(connection: Connection, delivery_id: int | None) -> RemotePost | None:
        """The platform post an earlier delivery made, if it made one."""
        other = fenced.remote_of(connection, delivery_id) if delivery_id is not None else None
        if other is None or not other.remote_id:
            return None
        return RemotePost(id=other.remote_id, url=other.remote_url, extra=dict(other.remote_extra or {}))

    def _request(self, connection: Connection, delivery: fenced.Columns) -> PublishRequest:
        target = delivery.target_remote  # a post that is not ours: the message an inbox reply answers
        return PublishRequest(
            text=delivery.text,
            language=delivery.language,
            idempotency_key=delivery.idempotency_key,
            media=self._media(delivery.media),
            reply_to=RemotePost(**target) if target else self._remote_of(connection, delivery.reply_to_id),
            post=delivery.post_id,
        )

    def _start(self, claim: Claim) -> Started | None:
        """Write the attempt row (fenced on the lease); None if the lease was lost."""
        return self._start_many([claim]).get(claim.delivery_id)

    def _start_many(self, claims: list[Claim]) -> dict[int, Started]:
        """Write the attempt rows of a claimed batch in one transaction, before any of its calls; by delivery id.

        A delivery whose lease was lost is left out. Each call gets a full lease from
        here: a claim may have waited, and a lease expiring mid-call would let another
        daemon reconcile before the call lands. The rows are read locked on PostgreSQL
        (the newest committed version), so another daemon's recover() a moment ago is seen.
        """
        if not claims:
            return {}
        now = self.clock()
        with self._engine.begin() as connection:
            rows = fenced.start_many(connection, claims, self.owner, now, now + self.settings.lease)
            return {delivery_id: self._started(connection, row) for delivery_id, row in rows.items()}

    def _started(self, connection: Connection, delivery: fenced.Columns) -> Started:
        return Started(
            request=self._request(connection, delivery),
            account=delivery.account,
            post_id=delivery.post_id,
            platform=delivery.platform,
            scheduled_at=delivery.scheduled_at,
            action=delivery.action,
            edit_of=self._remote_of(connection, delivery.edit_of_id),
            first_attempt=delivery.first_attempt,
            last_attempt=delivery.last_attempt,
            reconciles=int(delivery.reconciles or 0),
            last_error=delivery.last_error,
            attempts=int(delivery.attempts or 0),
        )

    def _record(self, batch: Sequence[fenced.Completion]) -> list[bool]:
        """Record a batch of outcomes in one transaction, each fenced on its lease; False where the lease was lost.

        The audit events of the batch join the chain under one acquisition of its lock.
        """
        now = self.clock()
        with self._engine.begin() as connection:
            recorded = fenced.complete_many(connection, batch, self.owner, now)
            events = []
            for item in batch:
                row = recorded.get(item.lease.delivery_id)
                if row is None:
                    log.warning(
                        "delivery %s: lease lost before recording %s; the new owner will reconcile",
                        item.lease.delivery_id,
                        item.outcome,
                    )
                elif item.outcome in _AUDITED:
                    detail = {
                        "account": row.account,
                        "language": row.language,
                        "part": row.part,
                        "remote_url": row.remote_url,
                        "error": item.error,
                    }
                    events.append(
                        {"action": item.outcome, "post_id": row.post_id, "delivery_id": row.id, "detail": detail}
                    )
            record_many(connection, self.owner, events)
        return [item.lease.delivery_id in recorded for item in batch]

    def _finish(self, claim: Claim, outcome: str, error: str | None, **values: Any) -> bool:
        """Record the outcome; through a short database outage, keep trying while the lease lasts.

        The platform has answered: losing that answer would cost a reconciliation
        (or, for a platform that cannot be asked, a person's time). If the
        database stays away longer than the lease, the error is raised and the
        expired lease is recovered (and reconciled) once the database is back.
        """
        deadline = time.monotonic() + self.settings.lease.total_seconds() / 2
        delay = 0.25
        while True:
            try:
                return self._completions.submit(fenced.Completion(claim, outcome, error, values))
            except SQLAlchemyError:
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _backoff(self, attempts: int) -> timedelta:
        base = self.settings.retry_base.total_seconds()
        delay = min(self.settings.retry_max.total_seconds(), base * (2 ** max(0, attempts - 1)))
        return timedelta(seconds=delay * random.uniform(0.8, 1.2))

    def _report(self, started: Started, outcome: str, reason: str | None = None, message: str | None = None) -> None:
        """Log what happened to a delivery, naming the post, account, language and reason; tell the observer."""
        lateness = None
        if outcome in ("published", "reconciled") and started.scheduled_at is not None:
            lateness = (self.clock() - started.scheduled_at).total_seconds()
        language = _LANGUAGES.get(started.request.language, started.request.language)
        if reason is not None:
            level = logging.WARNING if reason in ("permanent", "gave_up") else logging.INFO
            log.log(level, "post %s, %s, %s: %s: %s", started.post_id, started.account, language, outcome, message)
        elif outcome != "published":
            log.info("post %s, %s, %s: %s", started.post_id, started.account, language, outcome)
        if self.observer is not None:
            self.observer(
                Outcome(
                    post_id=started.post_id,
                    account=started.account,
                    platform=started.platform,
                    language=started.request.language,
                    outcome=outcome,
                    reason=reason,
                    message=message,
                    lateness=lateness,
                )
            )

    def _not_found(self, claim: Claim, started: Started, now: datetime) -> None:
        """Not on the platform: send again, unless the delivery has had its attempts (then a person decides)."""
        attempts = self._attempts(claim)
        if attempts >= self.settings.max_attempts:
            message = (
                f"needs a person: gave up after {attempts} attempts (the last: {started.last_error}); "
                "not found on the platform, nothing more is sent"
            )
            self._finish(claim, "gave_up", message, state=DeliveryState.FAILED, needs_attention=1, last_error=message)
            self._report(started, "gave up", "gave_up", message)
            return
        message = "not found on the platform after an unknown outcome; sending again"
        self._finish(claim, "not_found", None, state=DeliveryState.QUEUED, next_attempt_at=now, last_error=message)
        self._report(started, "not found on the platform; sending again")

    def _reconcile(self, claim: Claim, started: Started, adapter: Platform, now: datetime) -> RemotePost | None:
        """Ask the platform whether an earlier send landed; None when the outcome is already recorded."""
        since = (started.first_attempt or now) - timedelta(minutes=5)
        found = adapter.find_recent(started.request, since)
        if found is not None:
            return found
        # A request that timed out may still be waiting in the platform's queue: only
        # resend once the last attempt is well past its timeout.
        settled = (started.last_attempt or now) + self.settings.request_timeout + self.settings.reconcile_after
        if now < settled:
            message = "not on the platform yet after an unknown outcome; checking again before any resend"
            self._finish(
                claim, "not_found_yet", None, state=DeliveryState.UNKNOWN, next_attempt_at=settled, last_error=message
            )
            self._report(started, "not on the platform yet; checking again before any resend")
        else:
            self._not_found(claim, started, now)
        return None

    def _perform(self, claim: Claim, started: Started, now: datetime) -> tuple[str, RemotePost] | None:
        """The platform call the claim is for: (outcome, the post), or None when nothing is left to record."""
        adapter = self.adapter(started.account)
        if claim.kind is AttemptKind.RECONCILE and started.action not in REPEATABLE_ACTIONS:
            found = self._reconcile(claim, started, adapter, now)
            return None if found is None else ("reconciled", found)
        if started.action is Action.HIDE and started.request.reply_to is not None:
            return "hidden", adapter.hide(started.request.reply_to)
        if started.action is Action.EDIT:
            if started.edit_of is None:
                raise PermanentError(_("the post to correct has no record on the platform; correct it by hand"))
            return "edited", adapter.edit(started.edit_of, started.request.text)
        return "published", adapter.publish(started.request)

    def _on_rate_limited(
        self, claim: Claim, started: Started, exc: RateLimited, now: datetime, result: CycleResult
    ) -> None:
        retry_at = exc.retry_at if exc.retry_at and exc.retry_at > now else now + self._backoff(self._attempts(claim))
        state = DeliveryState.UNKNOWN if claim.kind is AttemptKind.RECONCILE else DeliveryState.RETRY_WAIT
        self._finish(claim, "rate_limited", exc.message, state=state, next_attempt_at=retry_at, last_error=exc.message)
        self._report(started, f"rate limited; trying again at {retry_at:%H:%M:%S} UTC", "rate_limited", exc.message)
        result.add("retried")

    def _on_reconcile_failed(
        self, claim: Claim, started: Started, exc: PlatformError, now: datetime, result: CycleResult
    ) -> None:
        flag = started.reconciles + 1 >= RECONCILE_TRIES_BEFORE_FLAG
        message = ("needs a person: " if flag else "") + f"could not confirm with the platform: {exc.message}"
        self._finish(
            claim,
            "reconcile_failed",
            exc.message,
            state=DeliveryState.UNKNOWN,
            needs_attention=1 if flag else 0,
            next_attempt_at=now + self._backoff(started.reconciles + 1),
            last_error=message,
        )
        self._report(started, "could not confirm with the platform", "reconcile_failed", message)
        result.add("unknown")

    def _on_unknown(
        self, claim: Claim, started: Started, error: str, now: datetime, result: CycleResult, reason: str
    ) -> None:
        """The call may have landed: check with the platform before any resend, later each time it happens again."""
        attempts = self._attempts(claim)
        delay = self.settings.reconcile_after if attempts <= 1 else self._backoff(attempts)
        next_at = now + max(delay, self.settings.reconcile_after)
        self._finish(claim, "unknown", error, state=DeliveryState.UNKNOWN, next_attempt_at=next_at, last_error=error)
        self._report(started, "outcome unknown; checking with the platform before any resend", reason, error)
        result.add("unknown")

    def _give_up(self, claim: Claim, started: Started, error: str, attempts: int, result: CycleResult) -> None:
        message = f"needs a person: gave up after {attempts} attempts: {error}"
        self._finish(claim, "gave_up", error, state=DeliveryState.FAILED, needs_attention=1, last_error=message)
        self._report(started, "gave up", "gave_up", message)
        result.add("failed")

    def _on_transient(
        self, claim: Claim, started: Started, exc: PlatformError, now: datetime, result: CycleResult
    ) -> None:
        """A failure that may be retried: reconcile if the send may have landed (edits are simply made again)."""
        if claim.kind is AttemptKind.RECONCILE:
            self._on_reconcile_failed(claim, started, exc, now, result)
            return
        if isinstance(exc, OutcomeUnknown) and started.action not in REPEATABLE_ACTIONS:
            self._on_unknown(claim, started, exc.message, now, result, "unknown")
            return
        attempts = self._attempts(claim)
        if attempts >= self.settings.max_attempts:
            self._give_up(claim, started, exc.message, attempts, result)
            return
        next_at = now + self._backoff(attempts)
        self._finish(
            claim, "retry", exc.message, state=DeliveryState.RETRY_WAIT, next_attempt_at=next_at, last_error=exc.message
        )
        self._report(started, f"trying again at {next_at:%H:%M:%S} UTC (attempt {attempts})", "transient", exc.message)
        result.add("retried")

    def _on_permanent(
        self, claim: Claim, started: Started, exc: PermanentError, now: datetime, result: CycleResult
    ) -> None:
        reconciling = claim.kind is AttemptKind.RECONCILE
        self._finish(
            claim,
            "failed",
            exc.message,
            state=DeliveryState.UNKNOWN if reconciling else DeliveryState.FAILED,
            last_error=exc.message,
            needs_attention=1,  # refused: a person fixes the cause, then runs 'publisher retry'
            next_attempt_at=now + self.settings.retry_max,
        )
        self._report(started, "failed", "permanent", exc.message)
        result.add("failed")

    def _on_unexpected(
        self, claim: Claim, started: Started, exc: Exception, now: datetime, result: CycleResult
    ) -> None:
        """A bug in an adapter (or a library): treated as transient, with backoff and max_attempts.

        A publish may have landed before the error, so it is reconciled before
        any resend, like an unknown outcome; an edit is simply made again.
        """
        log.exception("delivery %s: unexpected error from the %s adapter", claim.delivery_id, started.account)
        adapter = self._adapters.get(started.account)
        text = f"unexpected {type(exc).__name__} in the {started.platform} adapter: {exc}"
        message = adapter.redact(text) if adapter is not None else KNOWN.scrub(text)
        if claim.kind is AttemptKind.RECONCILE:
            self._on_reconcile_failed(claim, started, TransientError(message), now, result)
        elif started.action is Action.EDIT:
            self._on_transient(claim, started, TransientError(message), now, result)
        else:
            self._on_unknown(claim, started, message, now, result, "unexpected")

    def _not_sent(self, claim: Claim, started: Started) -> None:
        """Stopping before the call: give the delivery back as it was (the attempt row says "not_sent")."""
        values: dict[str, Any] = {}
        if claim.kind is AttemptKind.PUBLISH:
            values = {"state": DeliveryState.QUEUED, "attempts": max(0, started.attempts - 1)}
        self._finish(claim, "not_sent", None, **values)

    def execute(self, claim: Claim, result: CycleResult, started: Started | None = None) -> None:
        """Run one claimed delivery to its next state (nothing new starts once stopping).

        ``started`` is given when its attempt row was written with its batch's.
        """
        if self.stopping:
            if started is not None:
                self._not_sent(claim, started)
            return  # otherwise still leased with no attempt row: release_unsent() gives it back
        started = started or self._start(claim)
        if started is None:
            return
        now = self.clock()
        try:
            done = self._perform(claim, started, now)
        except RateLimited as exc:
            self._on_rate_limited(claim, started, exc, now, result)
        except (TransientError, OutcomeUnknown) as exc:
            self._on_transient(claim, started, exc, now, result)
        except PermanentError as exc:
            self._on_permanent(claim, started, exc, now, result)
        except PlatformError as exc:  # an adapter raised the base class: the call may have landed
            self._on_unknown(claim, started, exc.message, now, result, "unknown")
        except Exception as exc:  # a bug in an adapter must not lose the delivery
            self._on_unexpected(claim, started, exc, now, result)
        else:
            if done is not None:
                self._record_done(claim, started, *done, result)

    def _record_done(
        self, claim: Claim, started: Started, outcome: str, remote: RemotePost, result: CycleResult
    ) -> None:
        values = {
            "state": DeliveryState.PUBLISHED,
            "remote_id": remote.id,
            "remote_url": remote.url,
            "remote_extra": dict(remote.extra),
            "published_at": self.clock(),
            "last_error": None,
            "needs_attention": 0,
        }
        if self._finish(claim, outcome, None, **values):
            self._report(started, outcome)
            result.add("published")

    def _attempts(self, claim: Claim) -> int:
        with self._engine.connect() as connection:
            return fenced.attempts_so_far(connection, claim.delivery_id)

    # -- cycles -------------------------------------------------------------

    def _collect(self, done: set[Future[None]], result: CycleResult) -> None:
        """Read every finished worker's result: an error there must not vanish with the thread."""
        for future in done:
            try:
                future.result()
            except Exception as exc:  # logged; the delivery's lease is recovered later
                self._worker_error(exc, result)

    @staticmethod
    def _worker_error(exc: Exception, result: CycleResult) -> None:
        result.add("errors")
        log.error(
            "a publishing worker stopped: %s; its delivery stays leased and is recovered when the lease ends",
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
        )

    def _drain(self, pending: set[Future[None]], result: CycleResult) -> None:
        """Stopping: calls in flight get shutdown_grace to finish."""
        done, late = wait(pending, timeout=self.settings.shutdown_grace.total_seconds())
        self._collect(done, result)
        if late:
            log.warning("%d platform calls still running at shutdown; their leases will be reconciled", len(late))

    def _start_each(self, claims: list[Claim], result: CycleResult) -> dict[int, Started]:
        """Start each claim on its own: one delivery that cannot be started must not hold up its batch."""
        started: dict[int, Started] = {}
        for claim in claims:
            try:
                one = self._start(claim)
            except Exception as exc:  # logged; its lease is recovered when it ends, as a worker's would be
                self._worker_error(exc, result)
            else:
                if one is not None:
                    started[claim.delivery_id] = one
        return started

    def _submit(self, pool: ThreadPoolExecutor, claims: list[Claim], result: CycleResult) -> set[Future[None]]:
        """Write the batch's attempt rows, then hand each call to a worker."""
        try:
            started = self._start_many(claims)
        except Exception:  # nothing of the batch was written: find the one that fails, start the others
            started = self._start_each(claims, result)
        return {
            pool.submit(self.execute, c, result, started[c.delivery_id]) for c in claims if c.delivery_id in started
        }

    def run_due(self, post_id: str | None = None) -> CycleResult:
        """Publish everything due now (of one post, if given), and what becomes claimable as predecessors publish.

        The pool is refilled as soon as it runs low, not when a whole batch is
        done: one slow call (a timeout after sending) holds up only its own
        post, not every other post due with it.
        """
        result = CycleResult()
        workers = self.settings.workers
        depth = max(BATCH, workers * 4)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")
        pending: set[Future[None]] = set()
        try:
            while not self.stopping:
                if len(pending) <= workers:
                    pending |= self._submit(pool, self.claim(limit=depth - len(pending), post_id=post_id), result)
                if not pending:
                    break
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                self._collect(done, result)
            if pending:
                self._drain(pending, result)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return result

    def next_due(self) -> datetime | None:
        """When the next delivery it could send becomes due (for the wake-up timer).

        Deliveries blocked behind an unpublished predecessor (the English behind
        a failed Welsh post) are left out: they cannot go before it, and counting
        their past due time would wake the daemon again and again at once.
        """
        with self.sessions() as session:
            return session.scalar(
                select(func.min(m.Delivery.next_attempt_at))
                .join(m.StoredPost, m.StoredPost.id == m.Delivery.post_id)
                .where(self._claimable(self.clock(), due_now=False))
            )

    def next_lease_expiry(self) -> datetime | None:
        """When the next lease ends: a stalled claim to recover, or another daemon's reconciliation to take over."""
        with self.sessions() as session:
            return session.scalar(select(func.min(m.Delivery.lease_until)).where(m.Delivery.lease_until > self.clock()))
