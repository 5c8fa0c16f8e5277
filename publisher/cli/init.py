"""``publisher init [DIR]``: write a new content repository that works from the start (docs/commands.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from publisher.cli.translated import Command
from publisher.i18n import N_, _


@click.command(
    cls=Command,
    help=N_(
        "Write a content repository into DIRECTORY (default: here): config, registers, word bank, an example "
        "pair, .gitignore, a pre-commit hook and a CI workflow. Nothing that exists is overwritten (exit 1)."
    ),
)
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    from publisher.services.starter import TargetNotEmpty, init_repository

    try:
        written = init_repository(directory, date.today())
    except TargetNotEmpty as exc:
        raise click.ClickException(str(exc)) from None
    for path in written.files:
        click.echo(_("wrote %(path)s") % {"path": path})
    example = _("The example post %(post)s goes to the outbox only, four weeks from today.")
    click.echo("\n" + example % {"post": written.example})
    click.echo(_("Next: git init, commit, and 'publisher check'; add accounts in config/publisher.toml."))
    if not written.package_known:
        click.echo(
            _("Edit PUBLISHER_PACKAGE in .github/workflows/publisher-check.yml: where CI installs the publisher from.")
        )
