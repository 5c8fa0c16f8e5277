"""``publisher wordbank search TEXT``: find Welsh phrases and templates (policy 8.4)."""

from __future__ import annotations

import json

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from


@click.group()
def wordbank() -> None:
    """The Welsh word bank: phrases and pre-translated templates."""


@wordbank.command()
@click.argument("text")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def search(ctx: click.Context, text: str, fmt: str) -> None:
    """Find phrases and templates containing TEXT, in Welsh or English."""
    from publisher.content.post import normalise
    from publisher.content.wordbank import load_wordbank

    bank = load_wordbank(config_from(ctx).wordbank)
    needle = normalise(text).casefold()
    phrases = [p for p in bank.phrases if needle in p.en.casefold() or needle in p.cy.casefold()]
    templates = [t for t in bank.templates.values() if any(needle in v.casefold() for v in (t.name, t.description, t.en, t.cy))]
    if fmt == "json":
        click.echo(json.dumps({
            "phrases": [{"en": p.en, "cy": p.cy} for p in phrases],
            "templates": [{"name": t.name, "description": t.description, "variables": list(t.variables), "en": t.en, "cy": t.cy} for t in templates],
        }, ensure_ascii=False, indent=2))
        return
    for phrase in phrases:
        click.echo(f"{phrase.en}  =  {phrase.cy}")
    for template in templates:
        click.echo(f"template {template.name} ({', '.join(template.variables)}): {template.description}\n    cy: {template.cy}\n    en: {template.en}")
    if not phrases and not templates:
        click.echo(f"Nothing in the word bank matches '{text}'.")
