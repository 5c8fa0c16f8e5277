"""``publisher status [--format text|json]``: every post's state per account and language.

JSON shape::

    {"posts": [{"id", "slug", "state", "source", "scheduled_at", "local_time", "timezone",
                "schedule", "translation_source", "held_codes", "note",
                "deliveries": [{"id", "account", "target", "platform", "language", "part",
                                "state", "attempts", "next_attempt_at", "published_at",
                                "remote_id", "remote_url", "last_error", "waiting_for",
                                "needs_attention"}]}]}
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _waiting_for(delivery: Any, by_id: dict[int, Any]) -> str | None:
    """Why a queued delivery is not going out yet (Welsh first: the one before it)."""
    if delivery.state not in ("queued", "retry_wait"):
        return None
    for attr in ("depends_on_id", "reply_to_id"):
        other = by_id.get(getattr(delivery, attr))
        if other is not None and other.state != "published":
            label = {"cy": "Welsh", "en": "English", "cy+en": "combined"}.get(other.language, other.language)
            return f"waits for the {label} post on {other.account} ({other.state})"
    return None


def collect(config: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from publisher.queue import models as m
    from publisher.queue.daemon import open_database

    db = open_database(config)
    try:
        with db.sessions() as session:
            posts = session.scalars(
                select(m.Post).options(selectinload(m.Post.deliveries)).order_by(m.Post.scheduled_at, m.Post.id)
            ).all()
            out = []
            for post in posts:
                current = [d for d in post.deliveries if d.revision == post.revision]
                by_id = {d.id: d for d in post.deliveries}
                out.append({
                    "id": post.id, "slug": post.slug, "state": post.state, "source": post.source,
                    "scheduled_at": _iso(post.scheduled_at), "local_time": post.local_time, "timezone": post.timezone,
                    "schedule": post.schedule, "translation_source": post.translation_source,
                    "held_codes": list(post.held_codes or []), "note": post.note,
                    "deliveries": [{
                        "id": d.id, "account": d.account, "target": d.target, "platform": d.platform,
                        "language": d.language, "part": d.part, "state": d.state, "attempts": d.attempts,
                        "next_attempt_at": _iso(d.next_attempt_at), "published_at": _iso(d.published_at),
                        "remote_id": d.remote_id, "remote_url": d.remote_url, "last_error": d.last_error,
                        "waiting_for": _waiting_for(d, by_id), "needs_attention": bool(d.needs_attention),
                    } for d in current],
                })
            return out
    finally:
        db.engine.dispose()


def render_text(posts: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if click.get_text_stream("stdout").isatty() else 160)
    if not posts:
        console.print("No posts in the database yet: run 'publisher run --once' or start the daemon.")
        return
    for post in posts:
        when = post["local_time"] or post["scheduled_at"] or (f"schedule {post['schedule']}" if post["schedule"] else "-")
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
            table.add_row(d["account"], d["language"], str(d["part"] + 1), d["state"], str(d["attempts"]), d["remote_url"] or "", note)
        console.print(table)


@click.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Show each post's state per account and language, remote URLs and last errors."""
    posts = collect(config_from(ctx))
    if fmt == "json":
        click.echo(json.dumps({"posts": posts}, ensure_ascii=False, indent=2))
    else:
        render_text(posts)
