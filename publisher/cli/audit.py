"""``publisher audit verify``: check the hash chain of the audit trail (docs/commands.md "audit")."""

from __future__ import annotations

import json

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.cli.translated import Group
from publisher.i18n import N_, _
from publisher.redaction import printable


@click.group(cls=Group, help=N_("The audit trail: who did what, hash-chained."))
def audit() -> None:
    pass


@audit.command(
    help=N_(
        "Check that no audit event was changed or deleted, in the database or the audit log file.\n\n"
        "Exit 1 if anything is wrong."
    )
)
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def verify(ctx: click.Context, fmt: str) -> None:
    from publisher.services.audit import verify as check

    report = check(config_from(ctx))
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            click.echo(printable(problem))
        counts = {"events": report.events, "lines": report.lines, "problems": len(report.problems)}
        if report.whole:
            message = _("%(events)d audit events and %(lines)d audit log lines checked: the trail is whole.")
        else:
            message = _(
                "%(events)d audit events and %(lines)d audit log lines checked: "
                "the trail is NOT whole: %(problems)d problem(s)."
            )
        click.echo(message % counts)
    ctx.exit(0 if report.whole else 1)
