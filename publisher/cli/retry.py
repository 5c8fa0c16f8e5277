"""``publisher retry POST_ID [--account A]``: re-queue failed deliveries, Welsh first, once (docs/commands.md)."""

from __future__ import annotations

import json

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.cli.translated import Command
from publisher.i18n import N_, _
from publisher.redaction import printable

_LANGUAGES = {"cy": N_("Welsh"), "en": N_("English"), "cy+en": N_("Welsh+English")}


@click.command(
    cls=Command,
    help=N_(
        "Put a post's failed deliveries back in the queue, once the cause is fixed.\n\n"
        "Welsh still goes first; anything whose outcome is unknown is checked with the platform before it is "
        "sent again. The daemon sends them at its next turn (within sync_interval). Exit 1 when nothing of the "
        "post has failed."
    ),
)
@click.argument("post_id")
@click.option("--account", default=None, help=N_("Only this account's failed deliveries."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def retry(ctx: click.Context, post_id: str, account: str | None, fmt: str) -> None:
    from publisher.services.retry import RetryRefused
    from publisher.services.retry import retry as requeue

    try:
        done = requeue(config_from(ctx), post_id, account)
    except RetryRefused as exc:
        if exc.param is not None:
            raise click.BadParameter(str(exc), param_hint=exc.param) from None
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)
    if fmt == "json":
        click.echo(json.dumps({"post": done.post_id, "requeued": done.deliveries}, ensure_ascii=False, indent=2))
        return
    for item in done.deliveries:
        language = str(item["language"])
        values = {
            "account": item["account"],
            "language": _(_LANGUAGES[language]) if language in _LANGUAGES else language,
        }
        values |= {"was": item["was"], "error": item["error"] or "-"}
        click.echo(printable(_("re-queued %(account)s %(language)s (it was %(was)s: %(error)s)") % values))
    click.echo(
        _(
            "%(count)d delivery(ies) of %(post)s re-queued, Welsh first; "
            "the daemon sends them at its next turn ('publisher status %(post)s')."
        )
        % {"count": len(done.deliveries), "post": done.post_id}
    )
