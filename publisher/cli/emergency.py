"""``publisher emergency``: publish now, out of hours (policy 8.4, 8.5; docs/emergency.md).

Parses the options into an :class:`~publisher.emergency.publish.EmergencyRequest`,
has it prepared (checked, validated, previewed), asks, publishes, prints.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from, severity
from publisher.cli.translated import Command
from publisher.i18n import N_, _
from publisher.redaction import printable


def _variables(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(_("'%(pair)s' is not KEY=VALUE") % {"pair": pair}, param_hint="--var")
        key, value = pair.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def _echo_json(prepared: Any, deliveries: list[dict[str, str | None]], review_item: int | None) -> None:
    """The outcome for scripts: deliveries in publish order (Welsh first); no review item when nothing was published."""
    data = {
        "post": prepared.post.id,
        "source": prepared.source.value,
        "findings": [f.as_json() for f in prepared.findings],
        "deliveries": deliveries,
        "review_item": review_item,
    }
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _prepare(ctx: click.Context, request: Any, now: datetime) -> Any:
    """The checked post; refusals and failed translations end the command with exit 1, bad input with 2."""
    from publisher.emergency.authorisation import Refused
    from publisher.emergency.publish import InputError, prepare
    from publisher.emergency.translator import TranslationError

    try:
        return prepare(config_from(ctx), request, now)
    except InputError as exc:
        if exc.option:
            raise click.BadParameter(str(exc), param_hint=exc.option) from None
        raise click.UsageError(str(exc)) from None
    except Refused as exc:
        click.echo(_("publisher: refused: %(reason)s") % {"reason": exc}, err=True)
        ctx.exit(1)
    except TranslationError as exc:
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)


def _confirmed(ctx: click.Context, prepared: Any, now: datetime, as_json: bool, yes: bool) -> bool:
    """Show the findings and the preview, stop on errors, and ask unless --yes."""
    from publisher.cli.preview import render_text
    from publisher.emergency.authorisation import next_available_note
    from publisher.emergency.publish import decline

    if not as_json:
        for finding in prepared.findings:
            line = f"{finding.file}: {severity(finding.severity)} [{finding.code}] {printable(finding.message)}"
            click.echo(line, err=True)
    if prepared.has_errors:
        decline(config_from(ctx), prepared, "not published: the post has errors", now)
        if as_json:
            _echo_json(prepared, [], None)
        if as_json:
            click.echo(_("publisher: not published: fix the errors in the JSON findings"), err=True)
        else:
            click.echo(_("publisher: not published: fix the errors above"), err=True)
        return False
    if not (as_json and yes):
        click.echo(render_text(prepared.preview), err=as_json)
        for pause in prepared.paused:
            click.echo(printable(_("PAUSED: %(pause)s") % {"pause": pause}), err=as_json)
        note = next_available_note(config_from(ctx), now)
        text = _("Welsh source: %(source)s; %(note)s; a review item will be created.")
        click.echo("\n" + text % {"source": prepared.source, "note": note}, err=as_json)
    if not yes and not click.confirm(_("Publish this now?"), default=False, err=as_json):
        decline(config_from(ctx), prepared, "not published: the person said no at the prompt", now)
        click.echo(_("Not published."), err=as_json)
        return False
    return True


@click.command(
    cls=Command,
    help=N_(
        "Publish a bilingual post now, out of hours, Welsh first; it is queued for Translation Team review.\n\n"
        "The Welsh comes from (in order of preference) a word bank --template, a --cy text (a summary is "
        "allowed), or --machine-translate --public-safety. With --format json, stdout carries only the JSON; "
        "the preview and the confirmation prompt (without --yes) go to stderr."
    ),
)
@click.option("--account", "accounts", multiple=True, required=True, help=N_("Account to publish to (repeatable)."))
@click.option("--en", "english", default=None, help=N_("The English text (not needed with --template)."))
@click.option("--cy", "welsh", default=None, help=N_("The Welsh text; may be a shortened summary of the English."))
@click.option("--template", default=None, help=N_("A pre-translated template from the word bank."))
@click.option("--var", "variables", multiple=True, help=N_("KEY=VALUE for the template (repeatable)."))
@click.option(
    "--machine-translate",
    is_flag=True,
    help=N_("Translate the English with Microsoft Translator (needs --public-safety)."),
)
@click.option(
    "--public-safety", is_flag=True, help=N_("Confirm there is immediate danger to public safety (policy 8.5).")
)
@click.option("--reason", required=True, help=N_("Why this cannot wait for the Translation Team (recorded)."))
@click.option("--by", "by", required=True, help=N_("Who is publishing (must be in [emergency].authorised)."))
@click.option(
    "--override-hours",
    is_flag=True,
    help=N_("Publish even though the Translation Team is at work (recorded with --reason)."),
)
@click.option(
    "--media",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=N_("An image inside the content folder."),
)
@click.option("--alt-en", default=None, help=N_("The image's English alt text."))
@click.option("--alt-cy", default=None, help=N_("The image's Welsh alt text."))
@click.option("--consent", default=None, help=N_("The image's reference in the consent register (docs/content.md)."))
@click.option("--rights", default=None, help=N_("Who owns the image and under what licence, e.g. own."))
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@click.option(
    "--format",
    "fmt",
    type=FORMAT_TEXT_JSON,
    default="text",
    show_default=True,
    help=N_("json: the findings, each delivery's state and URL, and the review item, for scripts."),
)
@click.pass_context
def emergency(ctx: click.Context, /, variables: tuple[str, ...], yes: bool, fmt: str, **options: Any) -> None:
    from publisher.emergency.publish import EmergencyRequest, publish

    now = datetime.now(UTC)
    options["accounts"] = list(options["accounts"])
    request = EmergencyRequest(variables=_variables(variables), **options)
    prepared = _prepare(ctx, request, now)
    as_json = fmt == "json"
    if not _confirmed(ctx, prepared, now, as_json, yes):
        ctx.exit(1)
    outcome = publish(config_from(ctx), prepared, now)
    if as_json:
        _echo_json(prepared, outcome.deliveries, outcome.review_item)
    else:
        for item in outcome.deliveries:
            detail = item["url"] if item["state"] == "published" else f"{item['state']}: {item['error'] or ''}"
            click.echo(printable(f"{item['account']} [{item['language']}] {detail}"))
        click.echo(
            _(
                "Emergency post %(post)s is queued for Translation Team review "
                "as item #%(item)s ('publisher review list')."
            )
            % {"post": outcome.post_id, "item": outcome.review_item}
        )
    ctx.exit(0 if outcome.complete else 1)
