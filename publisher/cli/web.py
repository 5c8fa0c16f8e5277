"""``publisher web``: the web workspace on the production server (docs/web.md)."""

from __future__ import annotations

import click

from publisher.cli.context import config_from
from publisher.cli.translated import Command
from publisher.i18n import N_, _


def _bind(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _sep, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(_("give HOST:PORT, e.g. 127.0.0.1:8080"), param_hint="--bind")
    return host.strip("[]"), int(port)


@click.command(
    cls=Command,
    help=N_(
        "Serve the web workspace (waitress) on the same database and configuration as the daemon.\n\n"
        "The secret key comes from the environment variable [web] secret_key_env names. Put it behind a "
        "reverse proxy that terminates TLS."
    ),
)
@click.option(
    "--bind", "bind", default=None, metavar="HOST:PORT", help=N_("Address to listen on (default: [web] host, port).")
)
@click.pass_context
def web(ctx: click.Context, bind: str | None) -> None:
    from publisher.web.server import serve

    config = config_from(ctx)
    host, port = _bind(bind) or (config.web.host, config.web.port)
    click.echo(
        _("The web workspace is at http://%(host)s:%(port)d/ (stop with Ctrl+C).") % {"host": host, "port": port}
    )
    serve(config, host, port)
