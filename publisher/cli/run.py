"""``publisher run [--once]``: the publishing daemon (docs/commands.md)."""

from __future__ import annotations

import click

from publisher.cli.context import config_from
from publisher.cli.translated import Command
from publisher.i18n import N_, _


def _address(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _sep, port = value.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(_("'%(value)s' is not an address like 127.0.0.1:9108") % {"value": value})
    return host.strip("[]") or "127.0.0.1", int(port)


@click.command(
    cls=Command,
    help=N_(
        "Sync the content, then publish due posts exactly once, Welsh first.\n\n"
        "Without --once it runs until SIGTERM/SIGINT (finishing calls in flight, releasing unsent claims, "
        "exit 0); SIGHUP re-reads the content at once. With --once it exits 1 if anything failed or a post is "
        "held by validation errors."
    ),
)
@click.option("--once", is_flag=True, help=N_("Publish everything due now, then exit."))
@click.option(
    "--metrics",
    "metrics_at",
    metavar="ADDR",
    default=None,
    callback=_address,
    help=N_("Serve Prometheus metrics (/metrics) and a health check (/healthz) on ADDR, e.g. 127.0.0.1:9108."),
)
@click.pass_context
def run(ctx: click.Context, once: bool, metrics_at: tuple[str, int] | None) -> None:
    from publisher.logs import setup_logging

    config = config_from(ctx)
    setup_logging()
    from publisher.inbox.job import daemon_jobs
    from publisher.queue.daemon import Daemon

    daemon = Daemon(config, metrics_at=metrics_at, jobs=daemon_jobs(config))
    ctx.exit(daemon.run_once() if once else daemon.run_forever())
