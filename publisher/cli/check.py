"""``publisher check [PATH ...] [--format text|json|github]`` (docs/commands.md "check")."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from publisher.cli.context import config_from
from publisher.cli.context import severity as severity_word
from publisher.cli.progress import progress_bar
from publisher.cli.translated import Command
from publisher.i18n import N_, _, ngettext
from publisher.redaction import printable
from publisher.rules import BY_CODE
from publisher.services.validation import CheckResult, check_content


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    """GitHub workflow annotations: ``::error file=F,line=L::CODE message``."""
    lines = [
        f"::{f.severity} file={_escape_property(printable(f.file))},line={f.line}::{f.code} "
        f"{_escape_data(printable(f.message))}"
        for f in result.findings
    ]
    lines.append(_summary(result))
    return "\n".join(lines)


def render_json(result: CheckResult) -> str:
    return json.dumps(
        {
            "findings": [f.as_json() for f in result.findings],
            "posts": result.posts,
            "errors": result.errors,
            "warnings": result.warnings,
        },
        ensure_ascii=False,
        indent=2,
    )


def _summary(result: CheckResult) -> str:
    """The last line: posts checked, errors and warnings (each count its own plural, as Welsh needs)."""
    posts = ngettext("%(n)d post", "%(n)d posts", result.posts) % {"n": result.posts}
    errors = ngettext("%(n)d error", "%(n)d errors", result.errors) % {"n": result.errors}
    warnings = ngettext("%(n)d warning", "%(n)d warnings", result.warnings) % {"n": result.warnings}
    return _("%(posts)s checked: %(errors)s, %(warnings)s") % {"posts": posts, "errors": errors, "warnings": warnings}


def render_text(result: CheckResult, colour: bool) -> str:
    """Findings grouped by post: file:line, severity, code, message, and the rule's fix hint."""
    out: list[str] = []
    current = None
    for finding in result.findings:
        if finding.post != current:
            current = finding.post
            post = printable(finding.post)
            out.append(click.style(post, bold=True) if colour else post)
        severity = severity_word(finding.severity)  # a word for people; --format json/github keep the value
        if colour:
            severity = click.style(severity, fg="red" if finding.severity == "error" else "yellow", bold=True)
        where = f"{printable(finding.file)}:{finding.line}"
        out.append(f"  {where}: {severity} [{finding.code}] {printable(finding.message)}")
        hint = BY_CODE.get(finding.code)
        if hint is not None:
            fix_line = _("fix: %(hint)s") % {"hint": _(hint.hint)}
            out.append(f"      {fix_line}")
    summary = _summary(result)
    if colour:
        summary = click.style(summary, fg="red" if result.errors else "green", bold=True)
    out.append(summary)
    return "\n".join(out)


@click.command(
    cls=Command,
    help=N_(
        "Validate the content (the whole content folder, or the given files/folders).\n\n"
        "Only new and changed posts (since REF, else since the last commit, and the files named) are held to "
        "the time rules: a post already out is history. Exit 1 if any error is found; warnings alone exit 0."
    ),
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--no-cache", is_flag=True, help=N_("Ignore and do not update the result cache."))
@click.option(
    "--changed-since",
    "since",
    metavar="REF",
    default=None,
    help=N_("Hold only posts changed since this git commit or branch to the time rules (CI)."),
)
@click.option(
    "--accounts", "accounts", is_flag=True, help=N_("Also report accounts without credentials in the environment.")
)
@click.pass_context
def check(
    ctx: click.Context, paths: tuple[Path, ...], fmt: str, no_cache: bool, since: str | None, accounts: bool
) -> None:
    from publisher.content.git import GitError

    config = config_from(ctx)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise click.BadParameter(_("no such file or folder: %(path)s") % {"path": path}, param_hint="PATH")
    env = dict(os.environ) if accounts else None
    try:
        with progress_bar(sys.stderr, _("Checking posts")) as progress:
            result = check_content(config, paths, use_cache=not no_cache, progress=progress, since=since, env=env)
    except GitError as exc:
        raise click.BadParameter(str(exc), param_hint="--changed-since") from None
    if fmt == "json":
        click.echo(render_json(result))
    elif fmt == "github":
        click.echo(render_github(result))
    else:
        click.echo(render_text(result, colour=sys.stdout.isatty()))
    ctx.exit(1 if result.errors else 0)
