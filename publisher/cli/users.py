"""``publisher users add|list|remove|set-role``: who may log in to the web workspace (docs/web.md)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.cli.translated import Group
from publisher.i18n import N_, _

ROLES = ("viewer", "editor", "translator", "comms", "admin")  # as publisher.services.users.ROLES (tested)


def _who() -> str:
    """Who runs the command, for the audit trail."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _password(from_stdin: bool, sso_only: bool) -> str | None:
    if sso_only:
        return None
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    return value


@click.group(cls=Group, help=N_("Who may log in to the web workspace, with which role."))
def users() -> None:
    pass


@users.command("add", help=N_("Add a user; the password is asked for twice (or read from standard input)."))
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help=N_("What the user may do."))
@click.option("--totp", is_flag=True, help=N_("Also a second factor (authenticator app); prints its set-up address."))
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from the first line of standard input."))
@click.option("--sso-only", is_flag=True, help=N_("No password: single sign-on through the identity proxy only."))
@click.pass_context
def add(ctx: click.Context, name: str, role: str, totp: bool, password_stdin: bool, sso_only: bool) -> None:
    from publisher.services.users import UserError, add_user

    config = config_from(ctx)
    try:
        user, uri = add_user(config, name, role, _password(password_stdin, sso_only), totp, _who(), datetime.now(UTC))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("Added %(name)s (%(role)s).") % {"name": user.name, "role": user.role})
    if uri:
        click.echo(_("Second factor: add this address to an authenticator app (shown once):"))
        click.echo(uri)


@users.command("list", help=N_("Every user with their role, second factor and open sessions."))
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    from publisher.services.users import list_users

    rows = list_users(config_from(ctx))
    if fmt == "json":
        click.echo(json.dumps({"users": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("No users yet: add one with 'publisher users add NAME --role admin'."))
    for row in rows:
        second = _("second factor") if row["totp"] else _("password only") if row["password"] else _("single sign-on")
        click.echo(f"{row['name']}\t{row['role']}\t{second}\t{row['sessions']}")


@users.command("remove", help=N_("Remove a user; their sessions end at once."))
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    from publisher.services.users import UserError, remove_user

    try:
        remove_user(config_from(ctx), name, _who(), datetime.now(UTC))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("Removed %(name)s; their sessions have ended.") % {"name": name})


@users.command("set-role", help=N_("Give a user another role."))
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_context
def set_role(ctx: click.Context, name: str, role: str) -> None:
    from publisher.services.users import UserError
    from publisher.services.users import set_role as change

    try:
        change(config_from(ctx), name, role, _who(), datetime.now(UTC))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("%(name)s is now %(role)s.") % {"name": name, "role": role})
