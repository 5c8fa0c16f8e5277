"""The dispatcher's hot path as SQLAlchemy Core statements, each built once (docs/commands.md "run").

Every delivery takes three short transactions: its share of a claim, the
attempt row, the completion. Through the ORM each cost more CPU (building the
statement, loading and tracking objects, flushing) than the database spent
running it, which capped a daemon at 130-160 deliveries a second on SQLite.
Here the statements are compiled once and executed on a plain connection;
the fences are the same as ever, and they are in the SQL:

- a claim leases rows the claim query selected under ``BEGIN IMMEDIATE``
  (SQLite) or ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), bumping each lease version;
- the attempt row is written only if the lease (version and owner) is still
  this daemon's: the ``UPDATE`` renewing the lease is the check, and on
  PostgreSQL it locks the row and reads its newest committed version;
- the completion's ``UPDATE`` names the lease version and owner in its ``WHERE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, Update, bindparam, func, insert, select, update

from publisher.queue import models as m
from publisher.queue.states import AttemptKind, DeliveryState

DELIVERIES = cast(Table, m.Delivery.__table__)
ATTEMPTS = cast(Table, m.Attempt.__table__)
POSTS = cast(Table, m.StoredPost.__table__)
_D, _A, _P = DELIVERIES.c, ATTEMPTS.c, POSTS.c
Columns = Any  # a result row, read by column name (SQLAlchemy's Row; its type parameters differ between 2.0 and 2.1)


def _when(name: str) -> Any:
    return bindparam(name, type_=m.UTCDateTime())


def _take(state: DeliveryState | None) -> Update:
    """Lease one claimed row: owner, until, the next lease version; a publish also counts an attempt."""
    values: dict[str, Any] = {
        "lease_owner": bindparam("b_owner"),
        "lease_until": _when("b_until"),
        "lease_version": bindparam("b_version"),
        "updated_at": _when("b_now"),
    }
    if state is not None:
        values |= {"state": state, "attempts": _D.attempts + 1}
    return update(DELIVERIES).where(_D.id == bindparam("b_id")).values(values)


_TAKE_PUBLISH = _take(DeliveryState.PUBLISHING)
_TAKE_RECONCILE = _take(None)

_FENCE = (
    _D.id == bindparam("b_id"),
    _D.lease_version == bindparam("b_version"),
    _D.lease_owner == bindparam("b_owner"),
)
_RENEW = update(DELIVERIES).where(*_FENCE).values(lease_until=_when("b_until"))
_ATTEMPT = insert(ATTEMPTS)
_END_ATTEMPT = (
    update(ATTEMPTS)
    .where(_A.delivery_id == bindparam("b_id"), _A.lease_version == bindparam("b_version"), _A.finished_at.is_(None))
    .values(finished_at=_when("b_now"), outcome=bindparam("b_outcome"), error=bindparam("b_error"))
)


def _publish_attempts(aggregate: Any, label: str) -> Any:
    return (
        select(aggregate(_A.started_at))
        .where(_A.delivery_id == _D.id, _A.kind == AttemptKind.PUBLISH)
        .scalar_subquery()
        .label(label)
    )


_DETAILS = select(
    _D.post_id,
    _D.account,
    _D.platform,
    _D.language,
    _D.part,
    _D.text,
    _D.media,
    _D.idempotency_key,
    _D.action,
    _D.reply_to_id,
    _D.edit_of_id,
    _D.target_remote,
    _D.last_error,
    _publish_attempts(func.min, "first_attempt"),
    _publish_attempts(func.max, "last_attempt"),
    select(func.count())
    .select_from(ATTEMPTS)
    .where(_A.delivery_id == _D.id, _A.kind == AttemptKind.RECONCILE)
    .scalar_subquery()
    .label("reconciles"),
    select(_P.scheduled_at).where(_P.id == _D.post_id).scalar_subquery().label("scheduled_at"),
).where(_D.id == bindparam("b_id"))
_REMOTE = select(_D.remote_id, _D.remote_url, _D.remote_extra).where(_D.id == bindparam("b_id"))
_AUDITED_FIELDS = select(_D.post_id, _D.account, _D.language, _D.part, _D.remote_url).where(_D.id == bindparam("b_id"))
_ATTEMPTS_SO_FAR = select(_D.attempts).where(_D.id == bindparam("b_id"))
_completions: dict[tuple[str, ...], Update] = {}


def take(connection: Connection, rows: Sequence[Columns], owner: str, until: datetime, now: datetime) -> None:
    """Lease the claimed ``rows`` (id, state, lease_version), in two batched statements at most."""
    publish: list[dict[str, Any]] = []
    reconcile: list[dict[str, Any]] = []
    for row in rows:
        params = {"b_id": row.id, "b_owner": owner, "b_until": until, "b_version": row.lease_version + 1, "b_now": now}
        (reconcile if row.state == DeliveryState.UNKNOWN else publish).append(params)
    if publish:
        connection.execute(_TAKE_PUBLISH, publish)
    if reconcile:
        connection.execute(_TAKE_RECONCILE, reconcile)


def start(
    connection: Connection,
    delivery_id: int,
    version: int,
    kind: AttemptKind,
    owner: str,
    now: datetime,
    until: datetime,
) -> Columns | None:
    """Renew the lease and write the attempt row if the lease is still ``owner``'s; the delivery's details.

    None when the lease was lost (nothing is written).
    """
    fence = {"b_id": delivery_id, "b_version": version, "b_owner": owner}
    if connection.execute(_RENEW, {**fence, "b_until": until}).rowcount != 1:
        return None
    connection.execute(
        _ATTEMPT,
        {"delivery_id": delivery_id, "lease_version": version, "kind": kind, "owner": owner, "started_at": now},
    )
    return connection.execute(_DETAILS, {"b_id": delivery_id}).one()


def remote_of(connection: Connection, delivery_id: int) -> Columns | None:
    """The platform post (remote_id, remote_url, remote_extra) an earlier delivery made."""
    return connection.execute(_REMOTE, {"b_id": delivery_id}).one_or_none()


def _completion(keys: tuple[str, ...]) -> Update:
    """The fenced completion for one set of columns, built once per set."""
    if keys not in _completions:
        values = {key: bindparam("v_" + key, type_=_D[key].type) for key in keys}
        _completions[keys] = (
            update(DELIVERIES)
            .where(*_FENCE)
            .values(lease_owner=None, lease_until=None, updated_at=_when("b_now"), **values)
        )
    return _completions[keys]


def complete(
    connection: Connection,
    delivery_id: int,
    version: int,
    owner: str,
    now: datetime,
    outcome: str,
    error: str | None,
    values: dict[str, Any],
) -> bool:
    """Record the outcome if the lease is still ``owner``'s; the attempt row is closed either way."""
    fence = {"b_id": delivery_id, "b_version": version, "b_owner": owner, "b_now": now}
    params = {**fence, **{"v_" + key: value for key, value in values.items()}}
    done = connection.execute(_completion(tuple(sorted(values))), params).rowcount == 1
    connection.execute(_END_ATTEMPT, {**fence, "b_outcome": outcome, "b_error": error})
    return done


def audited_fields(connection: Connection, delivery_id: int) -> Columns:
    """What the audit event of a completion names: post, account, language, part, remote URL."""
    return connection.execute(_AUDITED_FIELDS, {"b_id": delivery_id}).one()


def attempts_so_far(connection: Connection, delivery_id: int) -> int:
    return int(connection.execute(_ATTEMPTS_SO_FAR, {"b_id": delivery_id}).scalar() or 0)
