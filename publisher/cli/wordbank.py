"""``publisher wordbank search TEXT``: find Welsh phrases and templates (policy 8.4; docs/commands.md)."""

from __future__ import annotations

import json

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.cli.translated import Group
from publisher.i18n import N_, _
from publisher.redaction import printable


@click.group(cls=Group, help=N_("The Welsh word bank: phrases and pre-translated templates."))
def wordbank() -> None:
    pass


@wordbank.command(help=N_("Find phrases and templates containing TEXT, in Welsh or English."))
@click.argument("text")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def search(ctx: click.Context, text: str, fmt: str) -> None:
    from publisher.services.wordbank import search as find

    config = config_from(ctx)
    found = find(config, text)
    if found.missing is not None:
        click.echo(
            _(
                "publisher: there is no word bank: %(file)s does not exist ('wordbank' in %(config)s); "
                "'publisher init' writes a starter one with the emergency templates"
            )
            % {"file": found.missing, "config": config.path},
            err=True,
        )
        ctx.exit(1)
    if fmt == "json":
        data = {
            "phrases": [{"en": p.en, "cy": p.cy} for p in found.phrases],
            "templates": [
                {"name": t.name, "description": t.description, "variables": list(t.variables), "en": t.en, "cy": t.cy}
                for t in found.templates
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for phrase in found.phrases:
        click.echo(printable(f"{phrase.en}  =  {phrase.cy}"))
    for template in found.templates:
        variables = ", ".join(template.variables)
        values = {"name": template.name, "variables": variables, "description": template.description}
        head = printable(_("template %(name)s (%(variables)s): %(description)s") % values)
        click.echo(f"{head}\n    cy: {printable(template.cy)}\n    en: {printable(template.en)}")
    if not found.phrases and not found.templates:
        click.echo(_("Nothing in the word bank matches '%(text)s'.") % {"text": text})
