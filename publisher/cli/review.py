"""``publisher review list|approve|correct``: the Translation Team's queue of emergency posts (docs/emergency.md).

The work is done by :mod:`publisher.emergency.review`; this module parses and prints.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from

FORMAT_OPTION = click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)


@click.group()
def review() -> None:
    """Emergency posts awaiting Translation Team review."""


@review.command("list")
@FORMAT_OPTION
@click.pass_context
def list_items(ctx: click.Context, fmt: str) -> None:
    """Open review items, oldest first, with how many working days each is overdue."""
    from publisher.emergency.review import open_items

    items = open_items(config_from(ctx), datetime.now(UTC))
    if fmt == "json":
        click.echo(json.dumps({"items": items}, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("No emergency posts await review.")
    for item in items:
        days = item["overdue_working_days"]
        overdue = f"OVERDUE by {days} working day(s)" if days else f"due {item['due_at'][:16]}"
        click.echo(
            f"#{item['id']} {item['post']} ({item['source']}) {overdue}\n    cy: {item['cy']}\n    en: {item['en']}"
        )


@review.command()
@click.argument("item_id", metavar="ID", type=int)
@click.option("--reviewer", required=True)
@FORMAT_OPTION
@click.pass_context
def approve(ctx: click.Context, item_id: int, reviewer: str, fmt: str) -> None:
    """Mark the Welsh of an emergency post as reviewed."""
    from publisher.emergency.review import ReviewError
    from publisher.emergency.review import approve as approve_item

    try:
        outcome = approve_item(config_from(ctx), item_id, reviewer, datetime.now(UTC))
    except ReviewError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    if fmt == "json":
        click.echo(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"Review item #{item_id} approved by {reviewer}.")


def _describe(result: dict[str, str | None]) -> str:
    """One correction, as the text output says it."""
    if result["how"] == "edit":
        return f"edited {result['url']}" if result["state"] == "edited" else f"edit failed: {result['error']}"
    note = f" ({result['note']})" if result.get("note") else ""
    return f"correction reply {result['state']} {result['url'] or result['error'] or ''}{note}"


def _read_correction(path: Path) -> str:
    from publisher.content.post import decode

    try:
        corrected = decode(path.read_bytes()).strip()
    except ValueError:
        raise click.BadParameter(f"{path} is not UTF-8 text", param_hint="--cy-file") from None
    if not corrected:
        raise click.BadParameter(f"{path} is empty", param_hint="--cy-file")
    return corrected


@review.command()
@click.argument("item_id", metavar="ID", type=int)
@click.option(
    "--cy-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The corrected Welsh text.",
)
@click.option("--reviewer", required=True)
@FORMAT_OPTION
@click.pass_context
def correct(ctx: click.Context, item_id: int, cy_file: Path, reviewer: str, fmt: str) -> None:
    """Replace the Welsh: edit it where the platform allows, else publish a Welsh correction reply."""
    from publisher.emergency.review import ReviewError
    from publisher.emergency.review import correct as correct_item

    text = _read_correction(cy_file)
    try:
        outcome = correct_item(config_from(ctx), item_id, text, reviewer, datetime.now(UTC))
    except ReviewError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    if fmt == "json":
        click.echo(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
    else:
        for result in outcome.corrections:
            click.echo(f"{result['account']}: {_describe(result)}")
        click.echo(f"Review item #{item_id} corrected by {reviewer}.")
    ctx.exit(1 if outcome.failed else 0)
