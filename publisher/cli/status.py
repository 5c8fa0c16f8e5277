"""``publisher status [--format text|json]``: every post's state per account and language (docs/commands.md).

The data and its JSON shape come from :mod:`publisher.services.status`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.redaction import printable


def _title(post: dict[str, Any]) -> Any:
    from rich.text import Text

    schedule = f"schedule {post['schedule']}" if post["schedule"] else "-"
    when = post["local_time"] or post["scheduled_at"] or schedule
    title = f"{post['id']}  [{post['state']}]  {when}"
    if post["held_codes"]:
        title += f"  held: {', '.join(post['held_codes'])}"
    if post["note"]:
        title += f"  ({post['note']})"
    return Text(printable(title))  # plain text: an id like '[/x]' is not markup


def _row(d: dict[str, Any]) -> list[Any]:
    from rich.text import Text

    note = d["waiting_for"] or d["last_error"] or ""
    if d["needs_attention"]:
        note = "NEEDS A PERSON: " + note
    cells = [
        d["account"],
        d["language"],
        str(d["part"] + 1),
        d["state"],
        str(d["attempts"]),
        d["remote_url"] or "",
        note,
    ]
    return [Text(printable(str(cell))) for cell in cells]


def render_accounts(console: Any, accounts: list[dict[str, Any]]) -> None:
    """The accounts whose latest check found something a person must do."""
    for account in accounts:
        for problem in account["problems"]:
            console.print(
                f"ACCOUNT NEEDS A PERSON: {account['account']} ({account['platform']}): {problem}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


def render_text(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    render_accounts(console, data["accounts"])
    posts = data["posts"]
    if not posts:
        console.print("No posts in the database yet: run 'publisher run --once' or start the daemon.")
        return
    for post in posts:
        table = Table(title=_title(post), title_justify="left", show_lines=False, expand=False)
        for column in ("account", "lang", "part", "state", "tries", "remote URL", "last error / waiting for"):
            table.add_column(column, overflow="fold")
        for delivery in post["deliveries"]:
            table.add_row(*_row(delivery))
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
            f"{printable(hidden['author'] or '')} by {printable(hidden['by'])} at {hidden['hidden_at'][:16]}: "
            f"{printable(hidden['reason'] or '')}"
        )


@click.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Show each post's state per account and language, remote URLs and last errors.

    Accounts whose latest check (credentials, token expiry, bio) needs a person are listed first;
    the inbox is summed up last.
    """
    from publisher.services.status import overview

    data = overview(config_from(ctx))
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        render_text(data)
        render_inbox(data["inbox"])
