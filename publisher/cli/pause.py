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
from publisher.cli.translated import Command
from publisher.i18n import N_, _
from publisher.redaction import printable


def _describe(span: Any) -> str:
    values = {"whom": span.account or _("every account"), "source": span.source, "reason": span.reason}
    values |= {
        "since": f"{span.started_at:%Y-%m-%d %H:%M}",
        "until": span.ended_at and f"{span.ended_at:%Y-%m-%d %H:%M}",
    }
    if span.ended_at:
        return printable(_("%(whom)s (%(source)s, since %(since)s UTC until %(until)s UTC): %(reason)s") % values)
    return printable(_("%(whom)s (%(source)s, since %(since)s UTC): %(reason)s") % values)


# the JSON key of what was changed (kept), and the text line's label (translated when shown)
VERBS = {"paused": N_("paused: %(span)s"), "resumed": N_("resumed: %(span)s")}


def _show(ctx: click.Context, outcome: Any, fmt: str, verb: str) -> None:
    if fmt == "json":
        data = {
            verb: [span.as_dict() for span in outcome.changed],
            "still_paused": [span.as_dict() for span in outcome.still_paused],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for span in outcome.changed:
        click.echo(_(VERBS[verb]) % {"span": _describe(span)})
    for span in outcome.still_paused:
        click.echo(_("still paused: %(span)s") % {"span": _describe(span)})


@click.command(
    cls=Command,
    help=N_("Stop scheduled posts at once (every account, or one); emergency posts still go. Audited."),
)
@click.option("--account", default=None, help=N_("Pause only this account (default: every account)."))
@click.option("--reason", required=True, help=N_("Why (recorded, and shown in status and the reports)."))
@click.option("--by", "by", default=None, help=N_("Who is pausing (default: the logged-in user)."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def pause(ctx: click.Context, account: str | None, reason: str, by: str | None, fmt: str) -> None:
    from publisher.services.pausing import PauseRefused
    from publisher.services.pausing import pause as stop

    try:
        outcome = stop(config_from(ctx), account, reason, by)
    except PauseRefused as exc:
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)
    _show(ctx, outcome, fmt, "paused")


@click.command(
    cls=Command,
    help=N_(
        "Let scheduled posts go again; those that fell due go out in order. Audited. Exit 1 if nothing was paused."
    ),
)
@click.option("--account", default=None, help=N_("Resume only this account (default: every pause made with 'pause')."))
@click.option("--by", "by", default=None, help=N_("Who is resuming (default: the logged-in user)."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def resume(ctx: click.Context, account: str | None, by: str | None, fmt: str) -> None:
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
            if account:
                click.echo(
                    _("nothing was paused with 'publisher pause' for %(account)s") % {"account": account}, err=True
                )
            else:
                click.echo(_("nothing was paused with 'publisher pause'"), err=True)
        ctx.exit(1)
