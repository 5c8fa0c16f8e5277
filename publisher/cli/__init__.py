"""The ``publisher`` command line (docs/commands.md).

Subcommands are imported only when invoked (click's documented lazy-group
pattern), so ``publisher --help`` never loads lingua, tweepy or the database.
Configuration problems are :class:`~publisher.errors.ConfigError` and end with
exit code 2 and one clear line, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from publisher import __version__
from publisher.errors import ConfigError
from publisher.i18n import LANGUAGES, reset_language, set_language

# command name -> (module, attribute, one-line help shown by --help without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("publisher.cli.check", "check", "Validate the content: every rule, by file and line."),
    "preview": ("publisher.cli.preview", "preview", "Show exactly what each account will receive, in order."),
    "run": ("publisher.cli.run", "run", "The daemon: publish due posts exactly once, Welsh first."),
    "status": ("publisher.cli.status", "status", "Each post's state per account and language."),
    "emergency": (
        "publisher.cli.emergency",
        "emergency",
        "Publish now, out of hours; queued for Translation Team review.",
    ),
    "review": ("publisher.cli.review", "review", "Emergency posts awaiting Translation Team review."),
    "wordbank": ("publisher.cli.wordbank", "wordbank", "Search the Welsh word bank's phrases and templates."),
    "report": ("publisher.cli.report", "report", "Cadence, compliance and cost reports (text, JSON, CSV, HTML)."),
    "audit": ("publisher.cli.audit", "audit", "Check that the audit trail is whole (hash chain)."),
    "accounts": ("publisher.cli.accounts", "accounts", "Account health: credentials, token expiry, bios (policy 9.6)."),
    "retry": ("publisher.cli.retry", "retry", "Re-queue a post's failed deliveries, Welsh first, once."),
    "pause": ("publisher.cli.pause", "pause", "Stop scheduled posts at once (emergency posts still go)."),
    "resume": ("publisher.cli.pause", "resume", "Let paused scheduled posts go again, in order."),
    "init": ("publisher.cli.init", "init", "Write a new content repository that works from the start."),
    "inbox": ("publisher.cli.inbox", "inbox", "Replies, comments and mentions: answer in the right language, hide."),
    "web": ("publisher.cli.web", "web", "The web workspace, in Welsh and English (production server)."),
    "users": ("publisher.cli.users", "users", "Who may log in to the web workspace, with which role."),
}


class LazyGroup(click.Group):
    """A group whose subcommands live in modules imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: config/publisher.toml in the current folder).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the messages: cy (Cymraeg) or en (English); default from LANG.",
)
@click.version_option(__version__, prog_name="publisher")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, lang: str | None) -> None:
    """Bilingual Welsh-first social-media publishing for Welsh public bodies.

    Exit codes: 0 success, 1 the command found a problem, 2 usage or
    configuration error.
    """
    if lang:
        token = set_language(lang)  # for this command only: reset when it ends
        ctx.call_on_close(lambda: reset_language(token))
    ctx.obj = {"config_path": config_path}


def main() -> None:
    """Console entry point: run the CLI, turning config errors into exit code 2."""
    try:
        code = cli.main(standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"publisher: configuration error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
