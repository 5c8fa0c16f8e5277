"""``publisher audit verify``: check the hash chain of the audit trail (docs/commands.md "audit")."""

from __future__ import annotations

import json

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.redaction import printable


@click.group()
def audit() -> None:
    """The audit trail: who did what, hash-chained."""


@audit.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def verify(ctx: click.Context, fmt: str) -> None:
    """Check that no audit event was changed or deleted, in the database or the audit log file.

    Exit 1 if anything is wrong.
    """
    from publisher.services.audit import verify as check

    report = check(config_from(ctx))
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            click.echo(printable(problem))
        verdict = "whole" if report.whole else f"NOT whole: {len(report.problems)} problem(s)"
        click.echo(f"{report.events} audit events and {report.lines} audit log lines checked: the trail is {verdict}.")
    ctx.exit(0 if report.whole else 1)
