"""``publisher run [--once]``: the publishing daemon (docs/commands.md)."""

from __future__ import annotations

import logging
import os
import sys

import click

from publisher.cli.context import config_from


def setup_logging() -> None:
    """Log to stderr (journald under systemd); level from PUBLISHER_LOG_LEVEL (default INFO)."""
    level = os.environ.get("PUBLISHER_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apscheduler", "urllib3", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@click.command()
@click.option("--once", is_flag=True, help="Publish everything due now, then exit.")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Sync the content, then publish due posts exactly once, Welsh first.

    Without --once it runs until SIGTERM/SIGINT (finishing calls in flight,
    releasing unsent claims, exit 0); SIGHUP re-reads the content at once.
    With --once it exits 1 if anything failed or a post is held by validation errors.
    """
    config = config_from(ctx)
    setup_logging()
    from publisher.inbox.job import daemon_jobs
    from publisher.queue.daemon import Daemon

    daemon = Daemon(config, jobs=daemon_jobs(config))
    ctx.exit(daemon.run_once() if once else daemon.run_forever())
