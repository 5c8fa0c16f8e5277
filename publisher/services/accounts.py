"""``publisher accounts check``: credentials, token expiry and the profile audit, per account (docs/commands.md).

The checks are :mod:`publisher.queue.accounts` (the daemon runs the same at
start and daily); this records the result for ``status`` and shapes it for
the command line. JSON shape::

    {"accounts": [{"account", "platform", "languages", "checked_at", "identity", "url",
                   "token_expires_at", "needs_person", "problems": [...], "notes": [...]}],
     "needs_person": N}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from publisher.config import Config
from publisher.i18n import _
from publisher.queue.accounts import check_accounts, record, roles
from publisher.queue.db import open_database


class UnknownAccount(LookupError):
    """An account named on the command line is not a platform account of the config."""


def check(
    config: Config, now: datetime, only: tuple[str, ...] = (), env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Check the accounts (all, or ``only`` these), record the result, and return it as data."""
    known = roles(config)
    unknown = [name for name in only if name not in known]
    if unknown:
        raise UnknownAccount(
            _(
                "no platform account '%(account)s' in the config (language pairs are checked through their "
                "two accounts); accounts: %(accounts)s"
            )
            % {"account": unknown[0], "accounts": ", ".join(sorted(known))}
        )
    reports = check_accounts(config, now, only=only, env=env)
    with open_database(config) as db:
        record(db.sessions, reports)
    return {
        "accounts": [report.as_json() for report in reports],
        "needs_person": sum(1 for report in reports if report.needs_person),
    }
