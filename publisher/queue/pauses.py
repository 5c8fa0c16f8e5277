"""Pauses: ``publisher pause`` / ``resume`` and the configured quiet periods (docs/commands.md "pause").

A major incident, a death in the community, the pre-election period: the
team must stop scheduled posts at once. A pause is a row in ``pauses``
(for one account, or every account when ``account`` is empty); a quiet
period from the configuration becomes such rows too, so the dispatcher asks
one question: is this delivery's account paused now? Posts that fall due
meanwhile wait, and go out in order when the pause ends, or expire by
``max_lateness`` if the configuration says ``after_pause = "expire"``.
Emergency posts (and their corrections) and the inbox's answers and hides are never paused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.i18n import _
from publisher.operations import QuietPeriod
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.states import PostSource

COMMAND = "command"
CONFIG = "config"


def paused_now(now: object) -> ColumnElement[bool]:
    """A delivery whose account (or the account or pair its post named) is paused at ``now``."""
    return exists().where(
        m.Pause.started_at <= now,
        or_(m.Pause.ended_at.is_(None), m.Pause.ended_at > now),
        or_(m.Pause.account.is_(None), m.Pause.account == m.Delivery.account, m.Pause.account == m.Delivery.target),
    )


def sendable(now: object) -> ColumnElement[bool]:
    """The dispatcher's claim condition: not paused, unless an emergency post or an inbox answer or hide.

    A pause stops scheduled posts (docs/commands.md "pause"); an emergency post (docs/emergency.md) and what a
    person does about one message in the inbox (docs/inbox.md: a hide of an abusive comment above all) still go.
    """
    return or_(m.StoredPost.source.in_((PostSource.EMERGENCY, PostSource.INBOX)), ~paused_now(now))


@dataclass(frozen=True)
class Span:
    """A pause as the reports and ``status`` show it."""

    account: str | None
    reason: str
    source: str
    started_at: datetime
    ended_at: datetime | None
    started_by: str
    ended_by: str | None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.started_at < end and (self.ended_at is None or self.ended_at > start)

    def applies_to(self, accounts: Iterable[str]) -> bool:
        return self.account is None or self.account in set(accounts)

    def as_dict(self) -> dict[str, Any]:
        """The span as ``pause``/``resume --format json`` and the reports print it."""
        return {
            "account": self.account,
            "reason": self.reason,
            "source": self.source,
            "from": self.started_at.isoformat(),
            "to": self.ended_at.isoformat() if self.ended_at else None,
            "by": self.started_by,
        }


def span(row: m.Pause) -> Span:
    return Span(
        account=row.account,
        reason=row.reason,
        source=row.source,
        started_at=row.started_at,
        ended_at=row.ended_at,
        started_by=row.started_by,
        ended_by=row.ended_by,
    )


def quiet_key(period: QuietPeriod, account: str | None) -> str:
    """A configured quiet period's identity (for one account), so syncing it twice stores it once."""
    text = f"{period.start.isoformat()}\0{period.end.isoformat()}\0{account or ''}\0{period.reason}"
    return hashlib.sha256(text.encode()).hexdigest()


def quiet_spans(config: Config) -> dict[str, Span]:
    """The configured quiet periods as pauses, by key (one per account named, or one for every account)."""
    spans = {}
    for period in config.quiet_periods:
        for account in period.accounts or (None,):
            spans[quiet_key(period, account)] = Span(
                account=account,
                reason=period.reason,
                source=CONFIG,
                started_at=period.start,
                ended_at=period.end,
                started_by="config",
                ended_by="config",
            )
    return spans


def sync_quiet_periods(session: Session, config: Config, now: datetime) -> None:
    """Store the configured quiet periods; one removed from the config ends now (or vanishes if not begun)."""
    wanted = quiet_spans(config)
    stored = {row.key: row for row in session.scalars(select(m.Pause).where(m.Pause.source == CONFIG)) if row.key}
    for key, item in wanted.items():
        if key not in stored:
            session.add(
                m.Pause(
                    account=item.account,
                    reason=item.reason,
                    source=CONFIG,
                    key=key,
                    started_at=item.started_at,
                    started_by="config",
                    ended_at=item.ended_at,
                    ended_by="config",
                )
            )
    for key, row in stored.items():
        if key in wanted:
            continue
        if row.started_at > now:
            session.delete(row)
        elif row.ended_at is None or row.ended_at > now:
            row.ended_at, row.ended_by = now, "config (quiet period removed)"


def all_spans(session: Session, config: Config) -> list[Span]:
    """Every pause recorded, and the configured quiet periods not yet recorded, oldest first."""
    rows = session.scalars(select(m.Pause).order_by(m.Pause.started_at, m.Pause.id)).all()
    spans = [span(row) for row in rows]
    recorded = {row.key for row in rows if row.key}
    spans += [item for key, item in quiet_spans(config).items() if key not in recorded]
    return sorted(spans, key=lambda s: s.started_at)


def active(spans: Iterable[Span], now: datetime) -> list[Span]:
    return [s for s in spans if s.started_at <= now and (s.ended_at is None or s.ended_at > now)]


def holds(spans: Iterable[Span], accounts: Iterable[str], due: datetime, now: datetime, grace: timedelta) -> bool:
    """Whether a post due at ``due`` to ``accounts`` is waiting on a pause (running, or ended within ``grace``).

    Such a post is not expired: its lateness counts from the end of the pause.
    """
    names = set(accounts)
    for item in spans:
        if item.started_at > now or not item.applies_to(names):
            continue
        if item.ended_at is None or item.ended_at > now:
            return True
        if item.ended_at > due and now - item.ended_at <= grace:
            return True
    return False


class PauseRefused(ValueError):
    """A pause or resume that cannot be done; the message says why."""


def pause(session: Session, config: Config, account: str | None, reason: str, by: str, now: datetime) -> m.Pause:
    """Pause scheduled posts (of one account, or all) until resumed; audited with who and why."""
    if account is not None and account not in config.accounts:
        raise PauseRefused(_("'%(account)s' is not an account in the config") % {"account": account})
    if not reason.strip():
        raise PauseRefused(_("give the reason with --reason: it is recorded and shown in status"))
    open_rows = session.scalars(
        select(m.Pause).where(m.Pause.source == COMMAND, m.Pause.ended_at.is_(None), _same(account))
    ).all()
    if open_rows:
        row = open_rows[0]
        since = f"{row.started_at:%Y-%m-%d %H:%M}"
        if account is None:
            message = _("every account is already paused since %(since)s UTC: %(reason)s")
        else:
            message = _("'%(account)s' is already paused since %(since)s UTC: %(reason)s")
        raise PauseRefused(message % {"account": account, "since": since, "reason": row.reason})
    row = m.Pause(account=account, reason=reason.strip(), source=COMMAND, started_at=now, started_by=by)
    session.add(row)
    session.flush()
    detail = {"account": account, "reason": row.reason, "pause": row.id}
    record(session, by, "paused", at=now, detail=detail, log_file=config.audit_log)
    return row


def resume(session: Session, config: Config, account: str | None, by: str, now: datetime) -> list[m.Pause]:
    """End the pauses ``publisher pause`` made (of one account; without one, every such pause); audited."""
    if account is not None and account not in config.accounts:
        raise PauseRefused(_("'%(account)s' is not an account in the config") % {"account": account})
    query = select(m.Pause).where(m.Pause.source == COMMAND, m.Pause.ended_at.is_(None))
    if account is not None:
        query = query.where(m.Pause.account == account)
    rows = session.scalars(query).all()
    for row in rows:
        row.ended_at, row.ended_by = now, by
        detail = {"account": row.account, "reason": row.reason, "pause": row.id}
        record(session, by, "resumed", at=now, detail=detail, log_file=config.audit_log)
    return list(rows)


def _same(account: str | None) -> ColumnElement[bool]:
    return m.Pause.account.is_(None) if account is None else and_(m.Pause.account == account)


def paused_for(config: Config, accounts: list[str], now: datetime) -> list[Span]:
    """The pauses in force now for any of ``accounts`` (the emergency preview shows them: it goes out anyway).

    Reads the database if there is one (creating none); the configured quiet periods show without one.
    """
    from publisher.queue.db import open_existing

    names = set(accounts)
    for name in accounts:
        if name in config.accounts:
            names |= {account.name for _, account in config.platform_accounts(name)}
    spans = list(quiet_spans(config).values())
    try:
        with open_existing(config) as db:
            if db is not None:
                with db.sessions() as session:
                    spans = all_spans(session, config)
    except Exception:  # an old or unreadable database: the configured quiet periods still show
        pass
    return [item for item in active(spans, now) if item.applies_to(names)]
