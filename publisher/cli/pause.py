"""``publisher pause [--account A] --reason TEXT`` and ``publisher resume [--account A]`` (docs/commands.md).

Scheduled posts stop at once (at the daemon's next claim) and wait; they go
out in order on ``resume``, or expire by ``max_lateness`` if the
configuration says ``after_pause = "expire"``. Emergency posts still go.
"""

from __future__ import annotations

import json
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.redaction import printable


def _describe(span: Any) -> str:
    whom = span.account or "every account"
    until = f" until {span.ended_at:%Y-%m-%d %H:%M} UTC" if span.ended_at else ""
    return printable(f"{whom} ({span.source}, since {span.started_at:%Y-%m-%d %H:%M} UTC{until}): {span.reason}")


def _show(ctx: click.Context, outcome: Any, fmt: str, verb: str) -> None:
    if fmt == "json":
        data = {
            verb: [span.as_dict() for span in outcome.changed],
            "still_paused": [span.as_dict() for span in outcome.still_paused],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for span in outcome.changed:
        click.echo(f"{verb}: {_describe(span)}")
    for span in outcome.still_paused:
        click.echo(f"still paused: {_describe(span)}")


@click.command()
@click.option("--account", default=None, help="Pause only this account (default: every account).")
@click.option("--reason", required=True, help="Why (recorded, and shown in status and the reports).")
@click.option("--by", "by", default=None, help="Who is pausing (default: the logged-in user).")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def pause(ctx: click.Context, account: str | None, reason: str, by: str | None, fmt: str) -> None:
    """Stop scheduled posts at once (every account, or one); emergency posts still go. Audited."""
    from publisher.services.pausing import PauseRefused
    from publisher.services.pausing import pause as stop

    try:
        outcome = stop(config_from(ctx), account, reason, by)
    except PauseRefused as exc:
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)
    _show(ctx, outcome, fmt, "paused")


@click.command()
@click.option("--account", default=None, help="Resume only this account (default: every pause made with 'pause').")
@click.option("--by", "by", default=None, help="Who is resuming (default: the logged-in user).")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def resume(ctx: click.Context, account: str | None, by: str | None, fmt: str) -> None:
    """Let scheduled posts go again; those that fell due go out in order. Audited. Exit 1 if nothing was paused."""
    from publisher.services.pausing import PauseRefused
    from publisher.services.pausing import resume as start

    try:
        outcome = start(config_from(ctx), account, by)
    except PauseRefused as exc:
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)
    _show(ctx, outcome, fmt, "resumed")
    if not outcome.changed:
        if fmt != "json":
            click.echo("nothing was paused with 'publisher pause'" + (f" for {account}" if account else ""), err=True)
        ctx.exit(1)
