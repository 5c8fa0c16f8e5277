"""Help in the language of the command (docs/translation.md).

click reads every help string when the module is imported, long before
``--lang`` or the locale is known, so the strings are written marked with
``N_()`` and translated here, when the help is shown: these command and group
classes pass their own help, their short help in a group's list and each
parameter's help through ``_()`` for as long as the help is being written.
Every command of the CLI uses them (``cls=Command`` / ``cls=Group``; a
group's subcommands get them through ``command_class``), and a test holds
every help string to the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

import click

from publisher.i18n import N_, _

# click words its help option when it first makes it, in the language of that moment, and keeps it
HELP_OPTION = N_("Show this message and exit.")


class _Helped(Protocol):
    help: str | None


@contextmanager
def _translated(items: Iterable[_Helped]) -> Iterator[None]:
    """Show each item's help in the current language while the block runs (the English stays the msgid)."""
    saved = [(item, item.help) for item in items]
    for item, text in saved:
        if text:
            item.help = _(text)
    try:
        yield
    finally:
        for item, text in saved:
            item.help = text


class Command(click.Command):
    """A command whose help, short help and options' help follow the language in use."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        made = getattr(self, "_help_option", None) is None
        option = super().get_help_option(ctx)
        if made and option is not None:
            option.help = HELP_OPTION  # the msgid, translated whenever the help is shown
        return option

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.short_help:
            return _(self.short_help)
        with _translated([self]):
            return super().get_short_help_str(limit)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated([self]):
            super().format_help_text(ctx, formatter)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self.get_params(ctx)):
            super().format_arguments(ctx, formatter)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self.get_params(ctx)):
            super().format_options(ctx, formatter)


class Group(Command, click.Group):
    """A group of translated commands; its subcommands and subgroups are translated too."""

    command_class = Command
    group_class = type
