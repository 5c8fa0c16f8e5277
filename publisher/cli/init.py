"""``publisher init [DIR]``: write a new content repository that works from the start (docs/commands.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a content repository into DIRECTORY (default: here): config, registers, word bank, an example pair,
    .gitignore, a pre-commit hook and a CI workflow. Nothing that exists is overwritten (exit 1).
    """
    from publisher.services.starter import TargetNotEmpty, init_repository

    try:
        written = init_repository(directory, date.today())
    except TargetNotEmpty as exc:
        raise click.ClickException(str(exc)) from None
    for path in written.files:
        click.echo(f"wrote {path}")
    click.echo(f"\nThe example post {written.example} goes to the outbox only, four weeks from today.")
    click.echo("Next: git init, commit, and 'publisher check'; add accounts in config/publisher.toml.")
    if not written.package_known:
        click.echo(
            "Edit PUBLISHER_PACKAGE in .github/workflows/publisher-check.yml: where CI installs the publisher from."
        )
