"""``credentials-missing``: an account whose credentials are not in the environment (docs/commands.md "check").

A missing token is found before anything is due, not when the Welsh post
fails at 07:30: ``publisher check --accounts`` (on the daemon's host) and
the daemon at start name each account and the variables it lacks. Only
the names are checked, never the values (``publisher accounts check``
proves they work).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from publisher.config import Config
from publisher.content.discovery import display_path
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.platforms.specs import SPECS
from publisher.rules.base import Rule

NO_ENV = "credentials_env (not set for the account in the config)"  # the daemon's log line (English)
RULE = Rule(
    "credentials-missing",
    "error",
    N_("set the environment variables named (e.g. in /etc/publisher/credentials.env under systemd), then run again"),
)


@dataclass(frozen=True)
class Missing:
    """An account and the environment variables it needs but lacks."""

    account: str
    platform: str
    variables: tuple[str, ...]
    no_env: bool = False  # the account has no credentials_env at all (variables then holds NO_ENV)


def missing_credentials(config: Config, env: Mapping[str, str]) -> list[Missing]:
    """Each platform account lacking credentials in ``env`` (identifiers given as account options count)."""
    found = []
    for name, account in config.accounts.items():
        if account.platform is None:
            continue  # a language pair: its two accounts are checked themselves
        needed = [c for c in SPECS[account.platform].credentials if not (c.option and account.option(c.option))]
        if not needed:
            continue
        if not account.credentials_env:
            found.append(Missing(name, account.platform, (NO_ENV,), no_env=True))
            continue
        lacking = tuple(
            f"{account.credentials_env}_{c.name}" for c in needed if not env.get(f"{account.credentials_env}_{c.name}")
        )
        if lacking:
            found.append(Missing(name, account.platform, lacking))
    return found


def _line(text: str, name: str) -> int:
    match = re.search(rf'^[ \t]*\[[ \t]*accounts[ \t]*\.[ \t]*"?{re.escape(name)}"?[ \t]*\]', text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _message(item: Missing) -> str:
    values = {"account": item.account, "platform": item.platform, "variables": ", ".join(item.variables)}
    if item.no_env:
        return (
            _(
                "account '%(account)s' (%(platform)s) has no credentials in the environment: "
                "set credentials_env (not set for the account in the config)"
            )
            % values
        )
    return _("account '%(account)s' (%(platform)s) has no credentials in the environment: set %(variables)s") % values


def check_accounts(config: Config, env: Mapping[str, str]) -> list[Finding]:
    """A finding per account without its credentials, at the account's table in the config file."""
    try:
        text = config.path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    return [
        Finding(
            file=display_path(config.path),
            line=_line(text, item.account),
            code=RULE.code,
            severity=RULE.severity,
            post=f"account:{item.account}",
            message=_message(item),
        )
        for item in missing_credentials(config, env)
    ]
