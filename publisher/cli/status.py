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
from publisher.cli.translated import Command
from publisher.i18n import N_, _, ngettext
from publisher.redaction import printable


def _text(value: Any) -> Any:
    from rich.text import Text

    return Text(printable(str(value)))  # plain text: an id like '[/x]' is not markup


def _line(console: Any, text: str) -> None:
    console.print(printable(text), markup=False, highlight=False)


def _when(post: dict[str, Any], tz: ZoneInfo) -> str:
    if post["scheduled_at"]:
        return f"{datetime.fromisoformat(post['scheduled_at']).astimezone(tz):%Y-%m-%d %H:%M}"
    return _("schedule %(schedule)s") % {"schedule": post["schedule"]} if post["schedule"] else "-"


def _problem(deliveries: list[dict[str, Any]]) -> tuple[str, str] | None:
    problems = [d for d in deliveries if d["state"] == "failed" or d["needs_attention"]]
    if not problems:
        return None
    first = problems[0]
    word = "failed" if first["state"] == "failed" else _("needs person")
    return word, f"{first['account']} {first['language']}: {first['last_error'] or ''}"


def _waiting(deliveries: list[dict[str, Any]]) -> tuple[str, str] | None:
    waiting = [d for d in deliveries if d["state"] != "published"]
    paused = [d for d in waiting if (d["waiting_for"] or "").startswith("paused")]
    if paused:
        return "paused", paused[0]["waiting_for"]
    for state, word in (("unknown", N_("checking")), ("publishing", "publishing"), ("retry_wait", N_("retrying"))):
        found = [d for d in waiting if d["state"] == state]
        if found:
            return _(word), found[0]["last_error"] or ""
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
    table.add_column(_("post"), width=post_width, no_wrap=True, overflow="ellipsis")
    table.add_column(_("when"), width=WHEN, no_wrap=True)
    table.add_column(_("state"), width=STATE, no_wrap=True)
    table.add_column(_("note"), width=note_width, no_wrap=True, overflow="ellipsis")
    for post in posts:
        state, note = _summary(post)
        table.add_row(*[_text(v) for v in (post["id"], _when(post, tz), state, note)])
    console.print(table)
    _line(console, _("times in %(zone)s") % {"zone": tz.key})


def _title(post: dict[str, Any]) -> Any:
    schedule = _("schedule %(schedule)s") % {"schedule": post["schedule"]} if post["schedule"] else "-"
    when = post["local_time"] or post["scheduled_at"] or schedule
    title = f"{post['id']}  [{post['state']}]  {when}"
    if post["held_codes"]:
        title += "  " + _("held: %(codes)s") % {"codes": ", ".join(post["held_codes"])}
    if post["note"]:
        title += f"  ({post['note']})"
    return _text(title)


def _provenance(post: dict[str, Any]) -> str:
    values = {"commit": (post["commit"] or "")[:12], "author": post["author"], "source": post["translation_source"]}
    values["reviewer"] = post["reviewer"] or (_("awaiting review") if post["translation_source"] != "reviewed" else "-")
    if not post["commit"]:
        return "  " + _("not from a commit; Welsh reviewed by %(reviewer)s (%(source)s)") % values
    if post["author"]:
        return "  " + _("commit %(commit)s by %(author)s; Welsh reviewed by %(reviewer)s (%(source)s)") % values
    return "  " + _("commit %(commit)s; Welsh reviewed by %(reviewer)s (%(source)s)") % values


def _row(d: dict[str, Any]) -> list[Any]:
    note = d["waiting_for"] or d["last_error"] or ""
    if d["needs_attention"]:
        note = _("NEEDS A PERSON: %(note)s") % {"note": note}
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


DETAIL_COLUMNS = (
    N_("account"),
    N_("lang"),
    N_("part"),
    N_("state"),
    N_("tries"),
    N_("remote URL"),
    N_("last error / waiting for"),
)


def render_detail(console: Any, posts: list[dict[str, Any]]) -> None:
    from rich.table import Table

    for post in posts:
        table = Table(title=_title(post), title_justify="left", show_lines=False, expand=False)
        for column in DETAIL_COLUMNS:
            table.add_column(_(column), overflow="fold")
        for delivery in post["deliveries"]:
            table.add_row(*_row(delivery))
        console.print(table)
        _line(console, _provenance(post))


def render_accounts(console: Any, accounts: list[dict[str, Any]]) -> None:
    """The accounts whose latest check found something a person must do."""
    for account in accounts:
        for problem in account["problems"]:
            values = {"account": account["account"], "platform": account["platform"], "problem": problem}
            _line(console, _("ACCOUNT NEEDS A PERSON: %(account)s (%(platform)s): %(problem)s") % values)


def render_repository(console: Any, repository: dict[str, Any] | None) -> None:
    if repository is None:
        return
    values = {**repository, "commit": (repository["commit"] or _("none"))[:12]}
    if repository["error"]:
        text = _(
            "CONTENT REPOSITORY NOT FETCHED since %(failing_since)s: %(error)s; "
            "publishing from the last good tree, commit %(commit)s"
        )
    else:
        text = _("content: %(url)s (%(branch)s) at commit %(commit)s, fetched %(fetched_at)s")
    _line(console, text % values)


# (active now?, ends at a time or when resumed) -> the line (each a whole sentence, for the translation)
PAUSE_LINES = {
    (True, "to"): N_("PAUSED: %(whom)s since %(from)s until %(to)s (%(source)s): %(reason)s"),
    (True, "resumed"): N_("PAUSED: %(whom)s since %(from)s until resumed (%(source)s): %(reason)s"),
    (False, "to"): N_("pause ahead: %(whom)s from %(from)s until %(to)s (%(source)s): %(reason)s"),
    (False, "resumed"): N_("pause ahead: %(whom)s from %(from)s until resumed (%(source)s): %(reason)s"),
}


def render_pauses(console: Any, pauses: list[dict[str, Any]]) -> None:
    for pause in pauses:
        if not (pause["active"] or pause["ahead"]):
            continue
        values = {**pause, "whom": pause["account"] or _("every account")}
        until = "to" if pause["to"] else "resumed"
        _line(console, _(PAUSE_LINES[(bool(pause["active"]), until)]) % values)


def render_text(data: dict[str, Any], tz: ZoneInfo, detail: bool) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    render_accounts(console, data["accounts"])
    render_repository(console, data["repository"])
    render_pauses(console, data["pauses"])
    posts = data["posts"]
    if not posts:
        _line(console, _("No posts match.") if data.get("filtered") else _("No posts in the database yet."))
        return
    if detail:
        render_detail(console, posts)
    else:
        render_compact(console, posts, tz)
        counted = ngettext("%(n)d post", "%(n)d posts", len(posts)) % {"n": len(posts)}
        text = _("%(posts)s; per account and language: 'publisher status POST_ID' or --detail")
        _line(console, text % {"posts": counted})


def _day(ctx: click.Context, param: click.Parameter, value: datetime | None) -> Any:
    return value.date() if value is not None else None


def render_inbox(inbox: dict[str, Any]) -> None:
    """The inbox in a few lines: open, late (Welsh among them), and comments hidden lately (policy 12)."""
    if not (inbox["open"] or inbox["hidden"]):
        return
    # Short lines: the default view fits 80 columns (docs/commands.md "status").
    click.echo(_("Inbox: %(open)d waiting for an answer (%(welsh_open)d Welsh): 'publisher inbox list'") % inbox)
    if inbox["ack_overdue"] or inbox["answer_overdue"]:
        text = _("late: %(ack_overdue)d not acknowledged, %(answer_overdue)d not answered (%(welsh_overdue)d Welsh)")
        click.echo("  " + text % inbox)
    for hidden in inbox["hidden"]:
        values = {"message": hidden["message"], "platform": hidden["platform"], "at": hidden["hidden_at"][:16]}
        values |= {key: printable(hidden[key] or "") for key in ("author", "by", "reason")}
        text = _(
            "hidden (policy 12, Communications Team told): #%(message)s %(platform)s %(author)s by %(by)s "
            "at %(at)s: %(reason)s"
        )
        click.echo("  " + text % values)


@click.command(
    cls=Command,
    help=N_(
        "Each post's state, one line each; POST_ID or --detail for each account and language.\n\n"
        "Reads the daemon's database and never creates one. Accounts whose latest check needs a person, a "
        "failing fetch of the content repository and pauses are listed first; the inbox is summed up last."
    ),
)
@click.argument("post_id", required=False)
@click.option("--account", default=None, help=N_("Only posts (and deliveries) for this account."))
@click.option("--state", default=None, help=N_("Only posts in this state, or with a delivery in it."))
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), callback=_day, help=N_("Due on or after this day."))
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), callback=_day, help=N_("Due on or before this day."))
@click.option("--failed", is_flag=True, help=N_("Only what needs a person: failed deliveries and held posts."))
@click.option("--detail", is_flag=True, help=N_("Each account and language of each post."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, /, post_id: str | None, detail: bool, fmt: str, **filters: Any) -> None:
    from publisher.services.status import STATES, Filters, NoDatabase, UnknownPost, collect

    if filters["state"] is not None and filters["state"] not in STATES:
        raise click.BadParameter(
            _("'%(state)s' is not a state: use one of %(states)s")
            % {"state": filters["state"], "states": ", ".join(STATES)},
            param_hint="--state",
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
