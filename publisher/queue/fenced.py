"""The dispatcher's hot path as SQLAlchemy Core statements, each built once (docs/architecture.md "Exactly once").

Through the ORM every delivery cost more CPU (building the statement, loading
and tracking objects, flushing) than the database spent running it, which
capped a daemon at 130-160 deliveries a second on SQLite. Here the statements
are compiled once, executed on a plain connection, and run for a whole batch
at a time: the attempt rows of a claimed batch in one transaction, the
completions that are ready in another. The fences are the same as ever, and
they are in the SQL:

- a claim leases rows the claim query selected under ``BEGIN IMMEDIATE``
  (SQLite) or ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), bumping each lease version;
- an attempt row is written only for a delivery whose lease (version and
  owner) is still this daemon's: the rows are read (and on PostgreSQL locked,
  which reads their newest committed version) first, and the ``UPDATE``
  renewing each lease names the version and owner again;
- a completion reads and locks its rows the same way, and its ``UPDATE``
  names the lease version and owner in its ``WHERE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

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
    _D.id,
    _D.attempts,
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
).where(_D.id.in_(bindparam("b_ids", expanding=True)))
_REMOTE = select(_D.remote_id, _D.remote_url, _D.remote_extra).where(_D.id == bindparam("b_id"))
# The rows of a batch this daemon still holds, with what a completion's audit event names. Locked on
# PostgreSQL (in id order, so two daemons never wait on each other crosswise): the lease read is the newest.
_HELD = (
    select(_D.id, _D.lease_version, _D.post_id, _D.account, _D.language, _D.part, _D.remote_url)
    .where(_D.id.in_(bindparam("b_ids", expanding=True)), _D.lease_owner == bindparam("b_owner"))
    .order_by(_D.id)
)
_HELD_LOCKED = _HELD.with_for_update()
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


@dataclass(frozen=True)
class Lease:
    """A claimed delivery: its id, the lease version this daemon holds, and what kind of attempt it makes."""

    delivery_id: int
    lease_version: int
    kind: AttemptKind


@dataclass(frozen=True)
class Completion:
    """One delivery's outcome to record: the columns to set, and the attempt row's outcome and error."""

    lease: Lease
    outcome: str
    error: str | None
    values: dict[str, Any]


class Recorded(NamedTuple):
    """A completion recorded: what its audit event names."""

    id: int
    post_id: str
    account: str
    language: str
    part: int
    remote_url: str | None


def held(connection: Connection, leases: Sequence[Lease], owner: str) -> dict[int, Columns]:
    """The rows of ``leases`` whose lease (version and owner) is still ``owner``'s, by id (locked on PostgreSQL)."""
    query = _HELD_LOCKED if connection.dialect.name == "postgresql" else _HELD
    wanted = {lease.delivery_id: lease.lease_version for lease in leases}
    rows = connection.execute(query, {"b_ids": list(wanted), "b_owner": owner})
    return {row.id: row for row in rows if wanted[row.id] == row.lease_version}


def start_many(
    connection: Connection, leases: Sequence[Lease], owner: str, now: datetime, until: datetime
) -> dict[int, Columns]:
    """Renew the leases still ``owner``'s and write their attempt rows; their details, by id.

    A delivery whose lease was lost is left out (nothing is written for it).
    """
    rows = held(connection, leases, owner)
    mine = [lease for lease in leases if lease.delivery_id in rows]
    if not mine:
        return {}
    fences = [{"b_id": x.delivery_id, "b_version": x.lease_version, "b_owner": owner, "b_until": until} for x in mine]
    renewed = connection.execute(_RENEW, fences).rowcount
    assert renewed in (-1, len(mine)), "a lease changed while its row was held"
    attempts = [
        {
            "delivery_id": x.delivery_id,
            "lease_version": x.lease_version,
            "kind": x.kind,
            "owner": owner,
            "started_at": now,
        }
        for x in mine
    ]
    connection.execute(_ATTEMPT, attempts)
    return {row.id: row for row in connection.execute(_DETAILS, {"b_ids": [x.delivery_id for x in mine]})}


def start(
    connection: Connection,
    delivery_id: int,
    version: int,
    kind: AttemptKind,
    owner: str,
    now: datetime,
    until: datetime,
) -> Columns | None:
    """:func:`start_many` for one delivery: its details, or None when the lease was lost."""
    return start_many(connection, [Lease(delivery_id, version, kind)], owner, now, until).get(delivery_id)


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


def complete_many(
    connection: Connection, completions: Sequence[Completion], owner: str, now: datetime
) -> dict[int, Recorded]:
    """Record the outcomes whose lease is still ``owner``'s; every attempt row is closed either way.

    Returns the rows recorded, by id, with what their audit events name (the
    remote URL as it is after the completion).
    """
    rows = held(connection, [c.lease for c in completions], owner)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    recorded: dict[int, Recorded] = {}
    for item in completions:
        row = rows.get(item.lease.delivery_id)
        if row is None:
            continue
        fence = {"b_id": row.id, "b_version": row.lease_version, "b_owner": owner, "b_now": now}
        groups.setdefault(tuple(sorted(item.values)), []).append(
            fence | {"v_" + key: value for key, value in item.values.items()}
        )
        recorded[row.id] = Recorded(
            row.id, row.post_id, row.account, row.language, row.part, item.values.get("remote_url", row.remote_url)
        )
    for keys, params in groups.items():
        connection.execute(_completion(keys), params)
    closes = [
        {
            "b_id": item.lease.delivery_id,
            "b_version": item.lease.lease_version,
            "b_now": now,
            "b_outcome": item.outcome,
            "b_error": item.error,
        }
        for item in completions
    ]
    connection.execute(_END_ATTEMPT, closes)
    return recorded


def attempts_so_far(connection: Connection, delivery_id: int) -> int:
    return int(connection.execute(_ATTEMPTS_SO_FAR, {"b_id": delivery_id}).scalar() or 0)
