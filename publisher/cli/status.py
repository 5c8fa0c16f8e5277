"""``publisher status [--format text|json]``: every post's state per account and language (docs/commands.md).

The data and its JSON shape come from :mod:`publisher.services.status`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from


def render_text(posts: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    if not posts:
        console.print("No posts in the database yet: run 'publisher run --once' or start the daemon.")
        return
    for post in posts:
        when = (
            post["local_time"] or post["scheduled_at"] or (f"schedule {post['schedule']}" if post["schedule"] else "-")
        )
        title = f"{post['id']}  [{post['state']}]  {when}"
        if post["held_codes"]:
            title += f"  held: {', '.join(post['held_codes'])}"
        if post["note"]:
            title += f"  ({post['note']})"
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        for column in ("account", "lang", "part", "state", "tries", "remote URL", "last error / waiting for"):
            table.add_column(column, overflow="fold")
        for d in post["deliveries"]:
            note = d["waiting_for"] or d["last_error"] or ""
            if d["needs_attention"]:
                note = "NEEDS A PERSON: " + note
            table.add_row(
                d["account"],
                d["language"],
                str(d["part"] + 1),
                d["state"],
                str(d["attempts"]),
                d["remote_url"] or "",
                note,
            )
        console.print(table)


def render_inbox(inbox: dict[str, Any]) -> None:
    """The inbox in a few lines: open, late (Welsh among them), and comments hidden lately (policy 12)."""
    if not (inbox["open"] or inbox["hidden"]):
        return
    click.echo(
        f"Inbox: {inbox['open']} waiting for an answer ({inbox['welsh_open']} Welsh); "
        f"{inbox['ack_overdue']} not acknowledged in time, {inbox['answer_overdue']} not answered in time "
        f"({inbox['welsh_overdue']} Welsh): 'publisher inbox list'"
    )
    for hidden in inbox["hidden"]:
        click.echo(
            f"  hidden (policy 12, Communications Team told): #{hidden['message']} {hidden['platform']} "
            f"{hidden['author']} by {hidden['by']} at {hidden['hidden_at'][:16]}: {hidden['reason']}"
        )


@click.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Show each post's state per account and language, remote URLs and last errors."""
    from publisher.services.status import overview

    data = overview(config_from(ctx))
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        render_text(data["posts"])
        render_inbox(data["inbox"])
