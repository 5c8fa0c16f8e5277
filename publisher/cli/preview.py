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
from publisher.cli.translated import Command
from publisher.i18n import N_, _, ngettext
from publisher.redaction import printable

_LANG = {"cy": N_("Welsh"), "en": N_("English"), "cy+en": N_("Welsh + English")}


def _head(message: dict[str, Any], threaded: set[str]) -> str:
    """The message's first line: order, language (and part), account, platform, length against the limit."""
    label = _LANG[message["language"]]
    values = {"order": message["order"], "language": _(label), "part": message["part"] + 1}
    values |= {"account": message["account"], "platform": message["platform"], "reply_to": message["reply_to"]}
    where = (
        _("%(language)s part %(part)d -> %(account)s")
        if message["language"] in threaded
        else _("%(language)s -> %(account)s")
    ) % values
    platform = (_("%(platform)s, reply to #%(reply_to)s") if message["reply_to"] else "%(platform)s") % values
    length = ngettext("%(n)d character", "%(n)d characters", message["length"]) % {"n": message["length"]}
    limit = _("no limit") if message["limit"] is None else _("limit %(limit)d") % {"limit": message["limit"]}
    flag = _("  TOO LONG") if message["limit"] is not None and message["length"] > message["limit"] else ""
    head = f"  #{values['order']} {where} ({platform}): {length}, {limit}{flag}"
    if message["cost"]:
        cost = {"amount": f"{message['cost']['amount']:g}", "currency": message["cost"]["currency"]}
        if message["cost"]["with_link"]:
            head += _(", costs %(amount)s %(currency)s (carries a link)") % cost
        else:
            head += _(", costs %(amount)s %(currency)s") % cost
    return head


def _message_lines(message: dict[str, Any], threaded: set[str]) -> list[str]:
    lines = [_head(message, threaded)]
    lines.extend(
        "     "
        + _("image %(file)s (alt: %(alt)s)") % {"file": printable(media["file"]), "alt": printable(media["alt"])}
        for media in message["media"]
    )
    lines.extend("     | " + printable(line) for line in message["text"].splitlines() or [""])
    return lines


def render_text(data: dict[str, Any]) -> str:
    """The preview for people: when, then each account's messages in order, with lengths and limits."""
    lines = [_("Post %(post)s") % {"post": printable(data["post"])}]
    if data["publish_at"]:
        lines.append("  " + _("publishes at %(local)s (%(utc)s)") % data["publish_at"])
    elif data["schedule"]:
        lines.append("  " + _("takes the next free slot of schedule '%(schedule)s'") % {"schedule": data["schedule"]})
    for account in data["accounts"]:
        lines.extend(["", f"{account['account']}:"])
        threaded = {m["language"] for m in account["messages"] if m["part"] > 0}
        for message in account["messages"]:
            lines.extend(_message_lines(message, threaded))
        for cost in account["cost"]:
            values = {"account": account["account"], "amount": f"{cost['amount']:g}", "currency": cost["currency"]}
            text = ngettext(
                "cost for %(account)s: %(amount)s %(currency)s (%(n)d post)",
                "cost for %(account)s: %(amount)s %(currency)s (%(n)d posts)",
                cost["posts"],
            )
            lines.append("  " + text % {**values, "n": cost["posts"]})
    if data["errors"]:
        lines.append("")
        lines.append(
            _("This post has errors and will not be published until they are fixed: %(codes)s (run 'publisher check').")
            % {"codes": ", ".join(data["errors"])}
        )
    return "\n".join(lines)


@click.command(
    cls=Command, help=N_("Show exactly what each account will receive for POST_ID, in order, with counted lengths.")
)
@click.argument("post_id")
@click.option("--account", "account", default=None, help=N_("Show only this account."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def preview(ctx: click.Context, post_id: str, account: str | None, fmt: str) -> None:
    from publisher.services.preview import UnknownPost
    from publisher.services.preview import preview as build

    try:
        data = build(config_from(ctx), post_id, account)
    except UnknownPost as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else render_text(data))
    ctx.exit(1 if data["errors"] else 0)
