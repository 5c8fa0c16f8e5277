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
from publisher.cli.translated import Group
from publisher.i18n import N_, _


@click.group(cls=Group, help=N_("Account health: credentials, token expiry and the profile audit."))
def accounts() -> None:
    pass


def render_text(data: dict[str, Any]) -> str:
    """One block per account: who it acts as, then what needs a person (!) and what is only noted (-)."""
    lines = []
    for account in data["accounts"]:
        values = {"account": account["account"], "platform": account["platform"], "languages": account["languages"]}
        values |= {
            "identity": account["identity"],
            "verdict": _("NEEDS A PERSON") if account["needs_person"] else _("ok"),
        }
        if account["identity"]:
            lines.append(_("%(account)s (%(platform)s, %(languages)s) as %(identity)s: %(verdict)s") % values)
        else:
            lines.append(_("%(account)s (%(platform)s, %(languages)s): %(verdict)s") % values)
        lines.extend(f"  ! {problem}" for problem in account["problems"])
        lines.extend(f"  - {note}" for note in account["notes"])
    counts = {"count": len(data["accounts"]), "needing": data["needs_person"]}
    lines.append(_("%(count)d account(s) checked; %(needing)d need(s) a person.") % counts)
    return "\n".join(lines)


@accounts.command(
    "check",
    help=N_(
        "Prove each account's credentials, warn before tokens expire, and audit each bio (policy 9.6).\n\n"
        "Exit 1 when something needs a person."
    ),
)
@click.option("--account", "only", multiple=True, help=N_("Check only this account (repeatable)."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def check(ctx: click.Context, only: tuple[str, ...], fmt: str) -> None:
    from publisher.services.accounts import UnknownAccount
    from publisher.services.accounts import check as run_checks

    try:
        data = run_checks(config_from(ctx), datetime.now(UTC), only)
    except UnknownAccount as exc:
        raise click.BadParameter(str(exc), param_hint="--account") from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else render_text(data))
    ctx.exit(1 if data["needs_person"] else 0)
