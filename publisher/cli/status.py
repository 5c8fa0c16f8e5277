"""``publisher status [POST_ID] [filters] [--detail] [--format text|json]`` (docs/commands.md "status").

One line per post by default, fitting the terminal (80 columns where it
cannot tell); per account and language for one post, or with ``--detail``.
The data and its JSON shape come from :mod:`publisher.services.status`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.redaction import printable


def _text(value: Any) -> Any:
    from rich.text import Text

    return Text(printable(str(value)))  # plain text: an id like '[/x]' is not markup


def _line(console: Any, text: str) -> None:
    console.print(printable(text), markup=False, highlight=False)


def _when(post: dict[str, Any], tz: ZoneInfo) -> str:
    if post["scheduled_at"]:
        return f"{datetime.fromisoformat(post['scheduled_at']).astimezone(tz):%Y-%m-%d %H:%M}"
    return f"schedule {post['schedule']}" if post["schedule"] else "-"


def _problem(deliveries: list[dict[str, Any]]) -> tuple[str, str] | None:
    problems = [d for d in deliveries if d["state"] == "failed" or d["needs_attention"]]
    if not problems:
        return None
    first = problems[0]
    word = "failed" if first["state"] == "failed" else "needs person"
    return word, f"{first['account']} {first['language']}: {first['last_error'] or ''}"


def _waiting(deliveries: list[dict[str, Any]]) -> tuple[str, str] | None:
    waiting = [d for d in deliveries if d["state"] != "published"]
    paused = [d for d in waiting if (d["waiting_for"] or "").startswith("paused")]
    if paused:
        return "paused", paused[0]["waiting_for"]
    for state, word in (("unknown", "checking"), ("publishing", "publishing"), ("retry_wait", "retrying")):
        found = [d for d in waiting if d["state"] == state]
        if found:
            return word, found[0]["last_error"] or ""
    return None


def _summary(post: dict[str, Any]) -> tuple[str, str]:
    """A post's state in a word, and the one thing to know about it."""
    deliveries = post["deliveries"]
    if post["state"] != "active" or not deliveries:
        return post["state"], ", ".join(post["held_codes"]) or post["note"] or ""
    if all(d["state"] == "published" for d in deliveries):
        return "published", post["note"] or ""
    return _problem(deliveries) or _waiting(deliveries) or ("queued", post["note"] or "")


WHEN, STATE = 16, 12  # "2027-01-12 07:30", "needs person"


def render_compact(console: Any, posts: list[dict[str, Any]], tz: ZoneInfo) -> None:
    """One line per post; the post id and the note share what the terminal leaves (at 80 columns: 24 and 22)."""
    from rich.table import Table

    fixed = WHEN + STATE + 3 * 2  # the other columns and the gaps between the four
    longest = max(len(p["id"]) for p in posts)
    post_width = max(8, min(longest, max(24, console.width - fixed - 24)))
    note_width = max(8, console.width - fixed - post_width)
    table = Table(box=None, pad_edge=False, expand=False, padding=(0, 1), header_style="bold")
    table.add_column("post", width=post_width, no_wrap=True, overflow="ellipsis")
    table.add_column("when", width=WHEN, no_wrap=True)
    table.add_column("state", width=STATE, no_wrap=True)
    table.add_column("note", width=note_width, no_wrap=True, overflow="ellipsis")
    for post in posts:
        state, note = _summary(post)
        table.add_row(*[_text(v) for v in (post["id"], _when(post, tz), state, note)])
    console.print(table)
    _line(console, f"times in {tz.key}")


def _title(post: dict[str, Any]) -> Any:
    schedule = f"schedule {post['schedule']}" if post["schedule"] else "-"
    when = post["local_time"] or post["scheduled_at"] or schedule
    title = f"{post['id']}  [{post['state']}]  {when}"
    if post["held_codes"]:
        title += f"  held: {', '.join(post['held_codes'])}"
    if post["note"]:
        title += f"  ({post['note']})"
    return _text(title)


def _provenance(post: dict[str, Any]) -> str:
    commit = post["commit"][:12] if post["commit"] else "not from a commit"
    author = f" by {post['author']}" if post["author"] else ""
    reviewer = post["reviewer"] or ("awaiting review" if post["translation_source"] != "reviewed" else "-")
    return f"  commit {commit}{author}; Welsh reviewed by {reviewer} ({post['translation_source']})"


def _row(d: dict[str, Any]) -> list[Any]:
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
    return [_text(cell) for cell in cells]


def render_detail(console: Any, posts: list[dict[str, Any]]) -> None:
    from rich.table import Table

    for post in posts:
        table = Table(title=_title(post), title_justify="left", show_lines=False, expand=False)
        for column in ("account", "lang", "part", "state", "tries", "remote URL", "last error / waiting for"):
            table.add_column(column, overflow="fold")
        for delivery in post["deliveries"]:
            table.add_row(*_row(delivery))
        console.print(table)
        _line(console, _provenance(post))


def render_accounts(console: Any, accounts: list[dict[str, Any]]) -> None:
    """The accounts whose latest check found something a person must do."""
    for account in accounts:
        for problem in account["problems"]:
            _line(console, f"ACCOUNT NEEDS A PERSON: {account['account']} ({account['platform']}): {problem}")


def render_repository(console: Any, repository: dict[str, Any] | None) -> None:
    if repository is None:
        return
    commit = (repository["commit"] or "none")[:12]
    where = f"{repository['url']} ({repository['branch']})"
    if repository["error"]:
        _line(
            console,
            f"CONTENT REPOSITORY NOT FETCHED since {repository['failing_since']}: {repository['error']}; "
            f"publishing from the last good tree, commit {commit}",
        )
    else:
        _line(console, f"content: {where} at commit {commit}, fetched {repository['fetched_at']}")


def render_pauses(console: Any, pauses: list[dict[str, Any]]) -> None:
    for pause in pauses:
        whom = pause["account"] or "every account"
        until = f" until {pause['to']}" if pause["to"] else " until resumed"
        if pause["active"]:
            _line(console, f"PAUSED: {whom} since {pause['from']}{until} ({pause['source']}): {pause['reason']}")
        elif pause["ahead"]:
            _line(console, f"pause ahead: {whom} from {pause['from']}{until} ({pause['source']}): {pause['reason']}")


def render_text(data: dict[str, Any], tz: ZoneInfo, detail: bool) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    render_accounts(console, data["accounts"])
    render_repository(console, data["repository"])
    render_pauses(console, data["pauses"])
    posts = data["posts"]
    if not posts:
        _line(console, "No posts match." if data.get("filtered") else "No posts in the database yet.")
        return
    if detail:
        render_detail(console, posts)
    else:
        render_compact(console, posts, tz)
        _line(console, f"{len(posts)} post(s); per account and language: 'publisher status POST_ID' or --detail")


def _day(ctx: click.Context, param: click.Parameter, value: datetime | None) -> Any:
    return value.date() if value is not None else None


def render_inbox(inbox: dict[str, Any]) -> None:
    """The inbox in a few lines: open, late (Welsh among them), and comments hidden lately (policy 12)."""
    if not (inbox["open"] or inbox["hidden"]):
        return
    # Short lines: the default view fits 80 columns (docs/commands.md "status").
    click.echo(f"Inbox: {inbox['open']} waiting for an answer ({inbox['welsh_open']} Welsh): 'publisher inbox list'")
    if inbox["ack_overdue"] or inbox["answer_overdue"]:
        click.echo(
            f"  late: {inbox['ack_overdue']} not acknowledged, {inbox['answer_overdue']} not answered "
            f"({inbox['welsh_overdue']} Welsh)"
        )
    for hidden in inbox["hidden"]:
        click.echo(
            f"  hidden (policy 12, Communications Team told): #{hidden['message']} {hidden['platform']} "
            f"{printable(hidden['author'] or '')} by {printable(hidden['by'])} at {hidden['hidden_at'][:16]}: "
            f"{printable(hidden['reason'] or '')}"
        )


@click.command()
@click.argument("post_id", required=False)
@click.option("--account", default=None, help="Only posts (and deliveries) for this account.")
@click.option("--state", default=None, help="Only posts in this state, or with a delivery in it.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), callback=_day, help="Due on or after this day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), callback=_day, help="Due on or before this day.")
@click.option("--failed", is_flag=True, help="Only what needs a person: failed deliveries and held posts.")
@click.option("--detail", is_flag=True, help="Each account and language of each post.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, /, post_id: str | None, detail: bool, fmt: str, **filters: Any) -> None:
    """Each post's state, one line each; POST_ID or --detail for each account and language.

    Reads the daemon's database and never creates one. Accounts whose latest check needs a person,
    a failing fetch of the content repository and pauses are listed first; the inbox is summed up last.
    """
    from publisher.services.status import STATES, Filters, NoDatabase, UnknownPost, collect

    if filters["state"] is not None and filters["state"] not in STATES:
        raise click.BadParameter(
            f"'{filters['state']}' is not a state: use one of {', '.join(STATES)}", param_hint="--state"
        )
    config = config_from(ctx)
    chosen = Filters(post_id=post_id, **filters)
    try:
        data = collect(config, chosen)
    except NoDatabase as exc:
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)
    except UnknownPost as exc:
        raise click.BadParameter(str(exc), param_hint="POST_ID") from None
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    data["filtered"] = chosen != Filters()
    render_text(data, config.timezone, detail or post_id is not None)
    render_inbox(data["inbox"])
