"""``publisher review list|approve|correct``: the Translation Team's queue of emergency posts.

A correction edits the published Welsh where the platform allows it
(Facebook; the outbox records it as an edit); elsewhere it is published as a
Welsh reply to the Welsh post, through the same exactly-once queue.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from

EDITABLE = ("facebook", "outbox")
FORMAT_OPTION = click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)


@click.group()
def review() -> None:
    """Emergency posts awaiting Translation Team review."""


def _open(config: Any) -> Any:
    from publisher.queue.daemon import open_database

    return open_database(config)


@review.command("list")
@FORMAT_OPTION
@click.pass_context
def list_items(ctx: click.Context, fmt: str) -> None:
    """Open review items, oldest first, with how many working days each is overdue."""
    from sqlalchemy import select

    from publisher.emergency.hours import working_days_between
    from publisher.queue import models as m

    config = config_from(ctx)
    now = datetime.now(timezone.utc)
    db = _open(config)
    try:
        with db.sessions() as session:
            rows = session.execute(
                select(m.ReviewItem, m.Post).join(m.Post, m.Post.id == m.ReviewItem.post_id)
                .where(m.ReviewItem.state == "open").order_by(m.ReviewItem.created_at)
            ).all()
            items = [{
                "id": item.id, "post": post.id, "source": item.translation_source, "created_at": item.created_at.isoformat(),
                "due_at": item.due_at.isoformat(), "overdue_working_days": working_days_between(config, item.due_at, now) if now > item.due_at else 0,
                "cy": post.text_cy, "en": post.text_en,
            } for item, post in rows]
    finally:
        db.engine.dispose()
    if fmt == "json":
        click.echo(json.dumps({"items": items}, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("No emergency posts await review.")
    for item in items:
        overdue = f"OVERDUE by {item['overdue_working_days']} working day(s)" if item["overdue_working_days"] else f"due {item['due_at'][:16]}"
        click.echo(f"#{item['id']} {item['post']} ({item['source']}) {overdue}\n    cy: {item['cy']}\n    en: {item['en']}")


def _item(session: Any, item_id: int) -> Any:
    from publisher.queue import models as m

    item = session.get(m.ReviewItem, item_id)
    if item is None:
        raise click.BadParameter(f"no review item #{item_id}", param_hint="ID")
    if item.state != "open":
        raise click.BadParameter(f"review item #{item_id} is already {item.state}", param_hint="ID")
    return item


@review.command()
@click.argument("item_id", metavar="ID", type=int)
@click.option("--reviewer", required=True)
@FORMAT_OPTION
@click.pass_context
def approve(ctx: click.Context, item_id: int, reviewer: str, fmt: str) -> None:
    """Mark the Welsh of an emergency post as reviewed."""
    from publisher.queue.audit import record

    config = config_from(ctx)
    now = datetime.now(timezone.utc)
    db = _open(config)
    try:
        with db.sessions.begin() as session:
            item = _item(session, item_id)
            item.state, item.reviewer, item.resolved_at = "approved", reviewer, now
            record(session, reviewer, "review_approved", post_id=item.post_id, at=now, detail={"item": item_id})
    finally:
        db.engine.dispose()
    if fmt == "json":
        click.echo(json.dumps({"item": item_id, "state": "approved", "reviewer": reviewer, "corrections": []}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"Review item #{item_id} approved by {reviewer}.")


@review.command()
@click.argument("item_id", metavar="ID", type=int)
@click.option("--cy-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True, help="The corrected Welsh text.")
@click.option("--reviewer", required=True)
@FORMAT_OPTION
@click.pass_context
def correct(ctx: click.Context, item_id: int, cy_file: Path, reviewer: str, fmt: str) -> None:
    """Replace the Welsh: edit it where the platform allows (Facebook), else publish a Welsh correction reply."""
    from sqlalchemy import func, select

    from publisher.content.post import decode
    from publisher.platforms.base import PlatformError, RemotePost
    from publisher.platforms.registry import make_adapter
    from publisher.queue import models as m
    from publisher.queue.audit import record
    from publisher.queue.dispatcher import Dispatcher
    from publisher.queue.sync import idempotency_key

    config = config_from(ctx)
    now = datetime.now(timezone.utc)
    try:
        corrected = decode(cy_file.read_bytes()).strip()
    except ValueError:
        raise click.BadParameter(f"{cy_file} is not UTF-8 text", param_hint="--cy-file") from None
    if not corrected:
        raise click.BadParameter(f"{cy_file} is empty", param_hint="--cy-file")
    db = _open(config)
    results: list[dict[str, str | None]] = []  # one per Welsh post: edited, or a correction reply
    reply_ids: list[int] = []
    failed = False
    try:
        with db.sessions.begin() as session:
            item = _item(session, item_id)
            post = session.get(m.Post, item.post_id)
            welsh = session.scalars(select(m.Delivery).where(
                m.Delivery.post_id == item.post_id, m.Delivery.language.in_(("cy", "cy+en")), m.Delivery.part == 0, m.Delivery.state == m.PUBLISHED,
            ).order_by(m.Delivery.seq)).all()
            seq = int(session.scalar(select(func.max(m.Delivery.seq)).where(m.Delivery.post_id == item.post_id)) or 0)
            for delivery in welsh:
                if delivery.platform in EDITABLE:
                    text = corrected if delivery.language == "cy" else f"{corrected}\n\n{post.text_en}"
                    try:
                        make_adapter(config.accounts[delivery.account]).edit(RemotePost(id=delivery.remote_id or "", url=delivery.remote_url, extra=dict(delivery.remote_extra or {})), text)
                    except PlatformError as exc:
                        failed = True
                        results.append({"account": delivery.account, "how": "edit", "state": "failed", "url": delivery.remote_url, "error": exc.message})
                        continue
                    delivery.text = text
                    record(session, reviewer, "correction_edited", post_id=item.post_id, delivery_id=delivery.id, at=now, detail={"text": text})
                    results.append({"account": delivery.account, "how": "edit", "state": "edited", "url": delivery.remote_url, "error": None})
                else:
                    seq += 1
                    reply = m.Delivery(
                        post_id=item.post_id, revision=delivery.revision, seq=seq, account=delivery.account, target=delivery.target,
                        platform=delivery.platform, language="cy", part=0, text=corrected, media=[], reply_to_id=delivery.id,
                        idempotency_key=idempotency_key(item.post_id, delivery.revision, seq, f"correction-{item_id}"),
                        next_attempt_at=now, created_at=now, updated_at=now,
                    )
                    session.add(reply)
                    session.flush()
                    reply_ids.append(reply.id)
                    record(session, reviewer, "correction_queued", post_id=item.post_id, delivery_id=delivery.id, at=now, detail={"text": corrected})
            item.state, item.reviewer, item.resolved_at, item.correction = "corrected", reviewer, now, corrected
            post.text_cy = corrected
        Dispatcher(config, db.sessions, dialect=db.dialect).run_due(post_id=post.id)
        with db.sessions() as session:
            for reply in session.scalars(select(m.Delivery).where(m.Delivery.id.in_(reply_ids))).all():
                failed |= reply.state != m.PUBLISHED
                results.append({"account": reply.account, "how": "reply", "state": reply.state, "url": reply.remote_url, "error": reply.last_error})
    finally:
        db.engine.dispose()
    if fmt == "json":
        click.echo(json.dumps({"item": item_id, "state": "corrected", "reviewer": reviewer, "corrections": results}, ensure_ascii=False, indent=2))
    else:
        for result in results:
            click.echo(f"{result['account']}: {_describe(result)}")
        click.echo(f"Review item #{item_id} corrected by {reviewer}.")
    ctx.exit(1 if failed else 0)


def _describe(result: dict[str, str | None]) -> str:
    """One correction, as the text output says it."""
    if result["how"] == "edit":
        return f"edited {result['url']}" if result["state"] == "edited" else f"edit failed: {result['error']}"
    return f"correction reply {result['state']} {result['url'] or result['error'] or ''}"
