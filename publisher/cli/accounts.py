"""``publisher accounts check [--account A ...] [--format text|json]``: are the accounts healthy? (docs/commands.md).

Per account: the credentials proved by a read call, the token's expiry where
the platform says it, and the bio audited (bilingual, names the council
service, a pair's accounts name each other). Exit 1 when something needs a
person. The checks are :mod:`publisher.services.accounts`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from


@click.group()
def accounts() -> None:
    """Account health: credentials, token expiry and the profile audit."""


def render_text(data: dict[str, Any]) -> str:
    """One block per account: who it acts as, then what needs a person (!) and what is only noted (-)."""
    lines = []
    for account in data["accounts"]:
        who = f" as {account['identity']}" if account["identity"] else ""
        verdict = "NEEDS A PERSON" if account["needs_person"] else "ok"
        lines.append(f"{account['account']} ({account['platform']}, {account['languages']}){who}: {verdict}")
        lines.extend(f"  ! {problem}" for problem in account["problems"])
        lines.extend(f"  - {note}" for note in account["notes"])
    count = len(data["accounts"])
    lines.append(f"{count} account(s) checked; {data['needs_person']} need(s) a person.")
    return "\n".join(lines)


@accounts.command("check")
@click.option("--account", "only", multiple=True, help="Check only this account (repeatable).")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def check(ctx: click.Context, only: tuple[str, ...], fmt: str) -> None:
    """Prove each account's credentials, warn before tokens expire, and audit each bio (policy 9.6).

    Exit 1 when something needs a person.
    """
    from publisher.services.accounts import UnknownAccount
    from publisher.services.accounts import check as run_checks

    try:
        data = run_checks(config_from(ctx), datetime.now(UTC), only)
    except UnknownAccount as exc:
        raise click.BadParameter(str(exc), param_hint="--account") from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else render_text(data))
    ctx.exit(1 if data["needs_person"] else 0)
