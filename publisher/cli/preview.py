"""``publisher preview POST_ID [--account A] [--format text|json]`` (docs/commands.md "preview").

JSON shape::

    {"post": id, "publish_at": {"local": "...", "utc": "..."} | null, "schedule": name | null,
     "errors": [codes], "accounts": [{"account": name, "messages": [
        {"order", "account", "platform", "language", "part", "reply_to", "text",
         "length", "limit", "media": [{"file", "alt"}],
         "cost": {"amount", "currency", "with_link"} | null}],
       "cost": [{"amount", "currency", "posts"}]}]}

Exit 0 when the post is valid, 1 when it has errors (it would not be
published), 2 for an unknown post id or account.
"""

from __future__ import annotations

import json
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.redaction import printable

_LANG = {"cy": "Welsh", "en": "English", "cy+en": "Welsh + English"}


def _message_lines(message: dict[str, Any], threaded: set[str]) -> list[str]:
    limit = "no limit" if message["limit"] is None else f"limit {message['limit']}"
    too_long = message["limit"] is not None and message["length"] > message["limit"]
    flag = "  TOO LONG" if too_long else ""
    reply = f", reply to #{message['reply_to']}" if message["reply_to"] else ""
    part = f" part {message['part'] + 1}" if message["language"] in threaded else ""
    lines = [
        f"  #{message['order']} {_LANG[message['language']]}{part} -> {message['account']} "
        f"({message['platform']}{reply}): {message['length']} characters, {limit}{flag}"
    ]
    if message["cost"]:
        link = " (carries a link)" if message["cost"]["with_link"] else ""
        lines[0] += f", costs {message['cost']['amount']:g} {message['cost']['currency']}{link}"
    lines.extend(
        f"     image {printable(media['file'])} (alt: {printable(media['alt'])})" for media in message["media"]
    )
    lines.extend("     | " + printable(line) for line in message["text"].splitlines() or [""])
    return lines


def render_text(data: dict[str, Any]) -> str:
    """The preview for people: when, then each account's messages in order, with lengths and limits."""
    lines = [f"Post {printable(data['post'])}"]
    if data["publish_at"]:
        lines.append(f"  publishes at {data['publish_at']['local']} ({data['publish_at']['utc']})")
    elif data["schedule"]:
        lines.append(f"  takes the next free slot of schedule '{data['schedule']}'")
    for account in data["accounts"]:
        lines.extend(["", f"{account['account']}:"])
        threaded = {m["language"] for m in account["messages"] if m["part"] > 0}
        for message in account["messages"]:
            lines.extend(_message_lines(message, threaded))
        for cost in account["cost"]:
            posts = "post" if cost["posts"] == 1 else "posts"
            lines.append(
                f"  cost for {account['account']}: {cost['amount']:g} {cost['currency']} ({cost['posts']} {posts})"
            )
    if data["errors"]:
        lines.append("")
        lines.append(
            "This post has errors and will not be published until they are fixed: "
            f"{', '.join(data['errors'])} (run 'publisher check')."
        )
    return "\n".join(lines)


@click.command()
@click.argument("post_id")
@click.option("--account", "account", default=None, help="Show only this account.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def preview(ctx: click.Context, post_id: str, account: str | None, fmt: str) -> None:
    """Show exactly what each account will receive for POST_ID, in order, with counted lengths."""
    from publisher.services.preview import UnknownPost
    from publisher.services.preview import preview as build

    try:
        data = build(config_from(ctx), post_id, account)
    except UnknownPost as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else render_text(data))
    ctx.exit(1 if data["errors"] else 0)
