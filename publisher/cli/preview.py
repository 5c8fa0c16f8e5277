"""``publisher preview POST_ID [--account A] [--format text|json]``.

Shows exactly what each account will receive, in publishing order (Welsh
first), with each text's length as its platform counts it and the limit: the
same :func:`publisher.text.compose.compose` output the daemon publishes.

JSON shape::

    {"post": id, "publish_at": {"local": "...", "utc": "..."} | null, "schedule": name | null,
     "errors": [codes], "accounts": [{"account": name, "messages": [
        {"order", "account", "platform", "language", "part", "reply_to", "text",
         "length", "limit", "media": [{"file", "alt"}]}]}]}

Exit 0 when the post is valid, 1 when it has errors (it would not be
published), 2 for an unknown post id or account.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.config import Config
from publisher.content.discovery import find_files, pair, read_file
from publisher.content.post import Post
from publisher.content.timing import PublishTimeError, parse_publish_at

_LANG = {"cy": "Welsh", "en": "English", "cy+en": "Welsh + English"}


def find_post(config: Config, post_id: str) -> Post:
    """The post whose id (front matter ``id``, else slug) is ``post_id``; BadParameter otherwise."""
    files = find_files(config.content_dir)
    posts = pair([read_file(f) for f in files], {f.path: f.slug for f in files})
    for post in posts:
        if post.id == post_id or post.slug == post_id:
            return post
    ids = sorted({p.id for p in posts})
    match = difflib.get_close_matches(post_id, ids, n=1)
    hint = f" (did you mean '{match[0]}'?)" if match else ""
    raise click.BadParameter(f"no post with id '{post_id}'{hint}", param_hint="POST_ID")


def assigned_slot(config: Config, post_id: str) -> Any:
    """The slot the daemon assigned to a scheduled post, if there is a database that knows it."""
    from publisher.check import no_database

    if no_database(config):
        return None
    from sqlalchemy import create_engine, select

    from publisher.queue.db import resolve_url
    from publisher.queue.models import SlotAssignment

    url = resolve_url(config.database, config.root)

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(SlotAssignment.slot_at).where(SlotAssignment.post_id == post_id)).scalar()
    except Exception:  # noqa: BLE001 - no usable database: the slot is simply not known yet
        return None
    finally:
        engine.dispose()


def build(config: Config, post: Post, only: str | None) -> dict[str, Any]:
    """The preview as data (also the JSON output)."""
    from publisher import rules
    from publisher.check import build_context
    from publisher.text.compose import compose

    errors = sorted({f.code for f in rules.run(post, build_context(config)) if f.severity == "error"})
    publish_at = None
    if post.shared("publish_at"):
        try:
            when = parse_publish_at(post.shared("publish_at"), config.timezone)
            publish_at = {"local": f"{when.utc.astimezone(config.timezone):%Y-%m-%d %H:%M} {config.timezone.key}", "utc": when.utc.isoformat()}
        except PublishTimeError:
            publish_at = None
    elif post.shared("schedule"):
        slot = assigned_slot(config, post.id)
        if slot is not None:
            publish_at = {"local": f"{slot.astimezone(config.timezone):%Y-%m-%d %H:%M} {config.timezone.key} (slot of '{post.shared('schedule')}')", "utc": slot.isoformat()}
    targets = [only] if only else post.accounts
    accounts = []
    for name in targets:
        if name not in config.accounts:
            continue
        messages = compose(post, config, name) if post.complete else []
        rendered = []
        for order, message in enumerate(messages, start=1):
            size = message.measure()
            rendered.append({
                "order": order, "account": message.account, "platform": message.platform,
                "language": message.language, "part": message.part,
                "reply_to": None if message.reply_to is None else message.reply_to + 1,
                "text": message.text, "length": size.length, "limit": size.limit,
                "media": [{"file": m.file, "alt": m.alt} for m in message.media],
            })
        accounts.append({"account": name, "messages": rendered})
    return {"post": post.id, "publish_at": publish_at, "schedule": post.shared("schedule"), "errors": errors, "accounts": accounts}


def render_text(data: dict[str, Any]) -> str:
    lines = [f"Post {data['post']}"]
    if data["publish_at"]:
        lines.append(f"  publishes at {data['publish_at']['local']} ({data['publish_at']['utc']})")
    elif data["schedule"]:
        lines.append(f"  takes the next free slot of schedule '{data['schedule']}'")
    for account in data["accounts"]:
        lines.append("")
        lines.append(f"{account['account']}:")
        threaded = {m["language"] for m in account["messages"] if m["part"] > 0}
        for message in account["messages"]:
            limit = "no limit" if message["limit"] is None else f"limit {message['limit']}"
            flag = "" if message["limit"] is None or message["length"] <= message["limit"] else "  TOO LONG"
            reply = f", reply to #{message['reply_to']}" if message["reply_to"] else ""
            part = f" part {message['part'] + 1}" if message["language"] in threaded else ""
            lines.append(
                f"  #{message['order']} {_LANG[message['language']]}{part} -> {message['account']} ({message['platform']}{reply}): "
                f"{message['length']} characters, {limit}{flag}"
            )
            for media in message["media"]:
                lines.append(f"     image {media['file']} (alt: {media['alt']})")
            lines.extend("     | " + line for line in message["text"].splitlines() or [""])
    if data["errors"]:
        lines.append("")
        lines.append(f"This post has errors and will not be published until they are fixed: {', '.join(data['errors'])} (run 'publisher check').")
    return "\n".join(lines)


@click.command()
@click.argument("post_id")
@click.option("--account", "account", default=None, help="Show only this account.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def preview(ctx: click.Context, post_id: str, account: str | None, fmt: str) -> None:
    """Show exactly what each account will receive for POST_ID, in order, with counted lengths."""
    config = config_from(ctx)
    post = find_post(config, post_id)
    if account is not None and account not in post.accounts:
        raise click.BadParameter(f"post '{post.id}' does not go to '{account}' (it goes to: {', '.join(post.accounts) or 'no account'})", param_hint="--account")
    data = build(config, post, account)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else render_text(data))
    ctx.exit(1 if data["errors"] else 0)
