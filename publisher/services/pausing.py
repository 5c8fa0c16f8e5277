"""``publisher pause`` and ``publisher resume``: stop scheduled posts at once, and start them again (docs/commands.md).

They act on the daemon's database (never one of their own: a pause on a
laptop's database would stop nothing), are audited with who did it, and
take effect at the daemon's next claim. Emergency posts are never paused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from publisher.config import Config
from publisher.i18n import _
from publisher.queue import pauses
from publisher.queue.audit import who_runs_this
from publisher.queue.db import describe_location, open_existing
from publisher.queue.pauses import PauseRefused, Span


@dataclass(frozen=True)
class PauseOutcome:
    """What a pause or resume did, and what still holds the accounts back afterwards."""

    changed: list[Span]
    still_paused: list[Span]


def _no_database(config: Config) -> PauseRefused:
    return PauseRefused(
        _(
            "no database at %(where)s: pause and resume act on the daemon's database; "
            "run them on the daemon's host, or set PUBLISHER_DATABASE_URL to it"
        )
        % {"where": describe_location(config)}
    )


def pause(config: Config, account: str | None, reason: str, by: str | None = None) -> PauseOutcome:
    """Pause scheduled posts of ``account`` (every account when None); PauseRefused says why not."""
    now = datetime.now(UTC)
    with open_existing(config, upgrade=True) as db:
        if db is None:
            raise _no_database(config)
        with db.sessions.begin() as session:
            row = pauses.pause(session, config, account, reason, by or who_runs_this()[0], now)
            changed = [pauses.span(row)]
        with db.sessions() as session:
            return PauseOutcome(changed, pauses.active(pauses.all_spans(session, config), now))


def resume(config: Config, account: str | None, by: str | None = None) -> PauseOutcome:
    """End the pauses of ``account`` (every pause made with ``pause`` when None); say what still holds."""
    now = datetime.now(UTC)
    with open_existing(config, upgrade=True) as db:
        if db is None:
            raise _no_database(config)
        with db.sessions.begin() as session:
            changed = [
                pauses.span(row) for row in pauses.resume(session, config, account, by or who_runs_this()[0], now)
            ]
        with db.sessions() as session:
            return PauseOutcome(changed, pauses.active(pauses.all_spans(session, config), now))


__all__ = ["PauseOutcome", "PauseRefused", "pause", "resume"]
