"""The ``publisher`` command line (docs/commands.md).

Subcommands are imported only when invoked (click's documented lazy-group
pattern), so ``publisher --help`` never loads lingua, tweepy or the database.
Every message, click's own words and the help are in Welsh or English
(``--lang`` or the locale; docs/translation.md).
Configuration problems are :class:`~publisher.errors.ConfigError` and end with
exit code 2 and one clear line, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from publisher import __version__
from publisher.cli import click_words
from publisher.cli.translated import Group
from publisher.errors import ConfigError
from publisher.i18n import LANGUAGES, N_, _, normalise, reset_language, set_language

click_words.install()

# command name -> (module, attribute, one-line help --help prints without importing it; translated when shown)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("publisher.cli.check", "check", N_("Validate the content: every rule, by file and line.")),
    "preview": ("publisher.cli.preview", "preview", N_("Show exactly what each account will receive, in order.")),
    "run": ("publisher.cli.run", "run", N_("The daemon: publish due posts exactly once, Welsh first.")),
    "status": ("publisher.cli.status", "status", N_("Each post's state per account and language.")),
    "emergency": (
        "publisher.cli.emergency",
        "emergency",
        N_("Publish now, out of hours; queued for Translation Team review."),
    ),
    "review": ("publisher.cli.review", "review", N_("Emergency posts awaiting Translation Team review.")),
    "wordbank": ("publisher.cli.wordbank", "wordbank", N_("Search the Welsh word bank's phrases and templates.")),
    "report": ("publisher.cli.report", "report", N_("Cadence, compliance and cost reports (text, JSON, CSV, HTML).")),
    "audit": ("publisher.cli.audit", "audit", N_("Check that the audit trail is whole (hash chain).")),
    "accounts": (
        "publisher.cli.accounts",
        "accounts",
        N_("Account health: credentials, token expiry, bios (policy 9.6)."),
    ),
    "retry": ("publisher.cli.retry", "retry", N_("Re-queue a post's failed deliveries, Welsh first, once.")),
    "pause": ("publisher.cli.pause", "pause", N_("Stop scheduled posts at once (emergency posts still go).")),
    "resume": ("publisher.cli.pause", "resume", N_("Let paused scheduled posts go again, in order.")),
    "init": ("publisher.cli.init", "init", N_("Write a new content repository that works from the start.")),
    "inbox": (
        "publisher.cli.inbox",
        "inbox",
        N_("Replies, comments and mentions: answer in the right language, hide."),
    ),
    "web": ("publisher.cli.web", "web", N_("The web workspace, in Welsh and English (production server).")),
    "users": ("publisher.cli.users", "users", N_("Who may log in to the web workspace, with which role.")),
}


class LazyGroup(Group):
    """A group whose subcommands live in modules imported on first use, speaking the language asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute, _help = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _(COMMANDS[name][2])) for name in self.list_commands(ctx)]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command in the language ``--lang`` names, from the first word click says to the last.

        ``--lang`` is read before click parses anything, so an error in the
        arguments before it, ``--help`` given first, and the error click prints
        after the command's context has closed are in that language too.
        """
        with speaking(sys.argv[1:] if args is None else args):
            return super().main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args=windows_expand_args, **extra
            )


def _language_in(args: Sequence[str]) -> str | None:
    """The language ``--lang`` names among the group's own options (before the subcommand's name), if any."""
    for index, arg in enumerate(args):
        if arg in COMMANDS:
            break
        if arg == "--lang" and index + 1 < len(args):
            return normalise(args[index + 1])
        if arg.startswith("--lang="):
            return normalise(arg.removeprefix("--lang="))
    return None


@contextmanager
def speaking(args: Sequence[str]) -> Iterator[None]:
    """Use the language ``--lang`` names in ``args`` (else the locale's) while the block runs."""
    chosen = _language_in(args)
    token = set_language(chosen) if chosen else None
    try:
        yield
    finally:
        if token is not None:
            reset_language(token)


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Eager, so the language is set before the other options (``--help`` among them) are handled."""
    if value:
        token = set_language(value)  # for this command only: reset when it ends
        ctx.call_on_close(lambda: reset_language(token))
    return value


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """click's ``version_option`` fixes its sentence when the module is imported; this one is said when asked."""
    if value and not ctx.resilient_parsing:
        click.echo(_("%(prog)s, version %(version)s") % {"prog": "publisher", "version": __version__})
        ctx.exit()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "Bilingual Welsh-first social-media publishing for Welsh public bodies.\n\n"
        "Exit codes: 0 success, 1 the command found a problem, 2 usage or configuration error."
    ),
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("Config file (default: config/publisher.toml in the current folder)."),
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    is_eager=True,
    callback=_choose_language,
    help=N_("Language of the messages: cy (Cymraeg) or en (English); default from LANG."),
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help=N_("Show the version and exit."),
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, lang: str | None) -> None:
    ctx.obj = {"config_path": config_path}


def main() -> None:
    """Console entry point: run the CLI, turning config errors into exit code 2, in the language asked for."""
    with speaking(sys.argv[1:]):
        try:
            code = cli.main(standalone_mode=False)
        except ConfigError as exc:
            click.echo(_("publisher: configuration error: %(error)s") % {"error": exc}, err=True)
            sys.exit(2)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo(_("Aborted."), err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
