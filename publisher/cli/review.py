"""``publisher review list|approve|correct``: the Translation Team's queue of emergency posts (docs/emergency.md).

The work is done by :mod:`publisher.emergency.review`; this module parses and prints.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from, severity
from publisher.cli.translated import Group
from publisher.i18n import N_, _, ngettext
from publisher.redaction import printable

FORMAT_OPTION = click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)


@click.group(cls=Group, help=N_("Emergency posts awaiting Translation Team review."))
def review() -> None:
    pass


@review.command("list", help=N_("Open review items, oldest first, with how many working days each is overdue."))
@FORMAT_OPTION
@click.pass_context
def list_items(ctx: click.Context, fmt: str) -> None:
    from publisher.emergency.review import open_items

    items = open_items(config_from(ctx), datetime.now(UTC))
    if fmt == "json":
        click.echo(json.dumps({"items": items}, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(_("No emergency posts await review."))
    for item in items:
        days = item["overdue_working_days"]
        if days:
            late = ngettext("%(num)d working day", "%(num)d working days", days) % {"num": days}
            overdue = _("OVERDUE by %(late)s") % {"late": late}
        else:
            overdue = _("due %(when)s") % {"when": item["due_at"][:16]}
        texts = f"    cy: {printable(item['cy'])}\n    en: {printable(item['en'])}"
        click.echo(f"#{item['id']} {printable(item['post'])} ({item['source']}) {overdue}\n{texts}")


@review.command(help=N_("Mark the Welsh of an emergency post as reviewed."))
@click.argument("item_id", metavar="ID", type=int)
@click.option("--reviewer", required=True, help=N_("Who reviewed the Welsh (recorded)."))
@FORMAT_OPTION
@click.pass_context
def approve(ctx: click.Context, item_id: int, reviewer: str, fmt: str) -> None:
    from publisher.emergency.review import ReviewError, ReviewRefused
    from publisher.emergency.review import approve as approve_item

    try:
        outcome = approve_item(config_from(ctx), item_id, reviewer, datetime.now(UTC))
    except ReviewError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    except ReviewRefused as exc:
        _refused(ctx, item_id, exc, fmt)
    if fmt == "json":
        click.echo(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(_("Review item #%(item)d approved by %(reviewer)s.") % {"item": item_id, "reviewer": reviewer})


def _refused(ctx: click.Context, item_id: int, exc: Any, fmt: str) -> None:
    """A refusal (recorded by the service): its reason and findings, then exit 1."""
    if fmt == "json":
        data = {"item": item_id, "state": "refused", "why": str(exc), "findings": [f.as_json() for f in exc.findings]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    for finding in exc.findings:
        click.echo(f"{severity(finding.severity)} [{finding.code}] {printable(finding.message)}", err=True)
    click.echo(_("publisher: refused: %(reason)s") % {"reason": printable(str(exc))}, err=True)
    ctx.exit(1)


def _describe(result: dict[str, str | None]) -> str:
    """One correction, as the text output says it."""
    if result["how"] == "edit":
        if result["state"] == "edited":
            return _("edited %(url)s") % {"url": result["url"]}
        return _("edit failed: %(error)s") % {"error": result["error"]}
    values = {"state": result["state"], "where": result["url"] or result["error"] or "", "note": result.get("note")}
    if values["note"]:
        return _("correction reply %(state)s %(where)s (%(note)s)") % values
    return _("correction reply %(state)s %(where)s") % values


def _read_correction(path: Path) -> str:
    from publisher.content.post import decode
    from publisher.files import KIB, UnreadableFile, read_bounded

    try:
        corrected = decode(read_bounded(path, 64 * KIB)).strip()
    except UnreadableFile as exc:
        raise click.BadParameter(f"{path} {exc}", param_hint="--cy-file") from None
    except ValueError:
        raise click.BadParameter(_("%(path)s is not UTF-8 text") % {"path": path}, param_hint="--cy-file") from None
    if not corrected:
        raise click.BadParameter(_("%(path)s is empty") % {"path": path}, param_hint="--cy-file")
    return corrected


@review.command(
    help=N_(
        "Replace the Welsh: edit it where the platform allows, else publish a Welsh correction reply.\n\n"
        "The correction is checked like any post first: English given as Welsh, a text too long for a platform "
        "or a new link is refused; warnings (a phone number, say) must be accepted with --accept-warnings."
    )
)
@click.argument("item_id", metavar="ID", type=int)
@click.option(
    "--cy-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help=N_("The corrected Welsh text."),
)
@click.option("--reviewer", required=True, help=N_("Who reviewed the Welsh (recorded)."))
@click.option(
    "--accept-warnings", is_flag=True, help=N_("Publish although the correction has warnings (they are recorded).")
)
@FORMAT_OPTION
@click.pass_context
def correct(ctx: click.Context, item_id: int, cy_file: Path, reviewer: str, accept_warnings: bool, fmt: str) -> None:
    from publisher.emergency.review import ReviewError, ReviewRefused
    from publisher.emergency.review import correct as correct_item

    text = _read_correction(cy_file)
    now = datetime.now(UTC)
    try:
        outcome = correct_item(config_from(ctx), item_id, text, reviewer, now, accept_warnings=accept_warnings)
    except ReviewError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    except ReviewRefused as exc:
        _refused(ctx, item_id, exc, fmt)
    if fmt == "json":
        click.echo(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
    else:
        for result in outcome.corrections:
            click.echo(printable(f"{result['account']}: {_describe(result)}"))
        click.echo(_("Review item #%(item)d corrected by %(reviewer)s.") % {"item": item_id, "reviewer": reviewer})
    ctx.exit(1 if outcome.failed else 0)
