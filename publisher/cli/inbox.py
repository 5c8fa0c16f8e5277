"""``publisher inbox fetch|list|show|reply|ack|no-reply|hide|assign|export``: the replies inbox (docs/inbox.md).

Each subcommand parses, calls one function of :mod:`publisher.inbox` and
prints. A refused answer prints its coded findings and exits 1; an unknown
message id is a usage error (exit 2).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.cli.translated import Group
from publisher.i18n import N_, _

T = TypeVar("T")
FORMAT_OPTION = click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
BY_OPTION = click.option("--by", required=True, help=N_("Who is doing it (recorded in the audit trail)."))
ID_ARGUMENT = click.argument("message_id", metavar="ID", type=int)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _guarded(ctx: click.Context, call: Callable[[], T]) -> T:
    """Run a service call: an unknown id is a usage error (2), a refusal or impossibility a problem (1)."""
    from publisher.inbox.answers import InboxError, Refused, UnknownMessage
    from publisher.inbox.statements import StatementError

    try:
        return call()
    except UnknownMessage as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    except Refused as exc:
        for finding in exc.findings:
            click.echo(f"{finding.file}: {finding.code}: {finding.message}", err=True)
        ctx.exit(1)
    except (InboxError, StatementError) as exc:
        click.echo(f"publisher: {exc}", err=True)
        ctx.exit(1)
    raise AssertionError("unreachable")


@click.group(
    cls=Group,
    help=N_("The replies inbox: collect, classify, answer in the right language, hide (Standard 59; policy 11-12)."),
)
def inbox() -> None:
    pass


@inbox.command(help=N_("Collect new replies, comments and mentions once, now. Exit 1 if an account could not be read."))
@click.option("--account", "accounts", multiple=True, help=N_("Only this account (repeatable)."))
@FORMAT_OPTION
@click.pass_context
def fetch(ctx: click.Context, accounts: tuple[str, ...], fmt: str) -> None:
    from publisher.inbox.collect import fetch as collect_once

    config = config_from(ctx)
    for name in accounts:
        if name not in config.inbox.accounts:
            raise click.BadParameter(
                _("'%(name)s' is not an inbox account ([inbox] accounts)") % {"name": name}, param_hint="--account"
            )
    report = collect_once(config, accounts)
    if fmt == "json":
        _echo_json(report.as_json())
    else:
        for item in report.accounts:
            values = {"account": item.account, "new": item.new, "seen": item.seen, "reads": item.reads}
            values |= {"skipped": item.skipped, "error": item.error}
            line = _("%(account)s: %(new)d new, %(seen)d already stored") % values
            line += _(", %(reads)d paid reads") % values if item.reads else ""
            line += _("; skipped: %(skipped)s") % values if item.skipped else ""
            line += _("; ERROR: %(error)s") % values if item.error else ""
            click.echo(line)
        if not report.accounts:
            click.echo(_("No inbox accounts: add an [inbox] table to the config (docs/inbox.md)."))
    ctx.exit(1 if report.failed else 0)


def _line(item: dict[str, Any]) -> str:
    late = _(" ANSWER OVERDUE") if item["answer_overdue"] else (_(" ACK OVERDUE") if item["ack_overdue"] else "")
    who = f" -> {item['assigned_to']}" if item["assigned_to"] else ""
    text = " ".join((item["text"] or "").split())
    clock = _("received %(received)s, answer by %(due)s; needs %(needs)s") % {
        "received": item["received_at"][:16],
        "due": item["answer_due_at"][:16],
        "needs": item["needs"],
    }
    return (
        f"#{item['id']} [{item['language']}] {item['account']} {item['author']} {item['state']}{late}{who}\n"
        f"    {clock}\n"
        f"    {text[:200]}"
    )


@inbox.command("list", help=N_("Messages that need an answer (or as --state says), the one due soonest first."))
@click.option(
    "--state",
    type=click.Choice(["open", "overdue", "answered", "closed", "all"]),
    default="open",
    show_default=True,
    help=N_("Which messages: open, overdue, answered, closed or all."),
)
@click.option("--account", default=None, help=N_("Only this account."))
@click.option(
    "--language",
    type=click.Choice(["cy", "en", "mixed", "unknown"]),
    default=None,
    help=N_("Only messages in this language."),
)
@click.option("--assigned", default=None, help=N_("Only messages assigned to this person."))
@FORMAT_OPTION
@click.pass_context
def list_messages(
    ctx: click.Context, state: str, account: str | None, language: str | None, assigned: str | None, fmt: str
) -> None:
    from publisher.inbox.views import Filters
    from publisher.inbox.views import list_messages as collect_list

    items = collect_list(config_from(ctx), datetime.now(UTC), Filters(state, account, language, assigned))
    if fmt == "json":
        _echo_json({"messages": items})
        return
    for item in items:
        click.echo(_line(item))
    if not items:
        click.echo(_("No messages."))


@inbox.command(help=N_("One message: its language and clock, our post it answers, what was done and by whom."))
@ID_ARGUMENT
@FORMAT_OPTION
@click.pass_context
def show(ctx: click.Context, message_id: int, fmt: str) -> None:
    from publisher.inbox.views import show_message

    data = _guarded(ctx, lambda: show_message(config_from(ctx), message_id, datetime.now(UTC)))
    if fmt == "json":
        _echo_json(data)
        return
    click.echo(_line(data))
    if data["thread_text"]:
        values = {"language": data["thread"]["language"], "text": " ".join(data["thread_text"].split())[:200]}
        click.echo("    " + _("under our %(language)s post: %(text)s") % values)
    for response in data["responses"]:
        values = {**response, "url": response["url"] or ""}
        click.echo("  " + _("%(kind)s by %(by)s: %(state)s %(url)s") % values)
    for event in data["history"]:
        click.echo(f"  {event['at'][:16]} {event['by']}: {event['action']}")


def _text(value: str | None, path: Path | None, option: str) -> str:
    if path is None:
        return value or ""
    if value:
        raise click.BadParameter(
            _("give %(option)s or %(option)s-file, not both") % {"option": option}, param_hint=option
        )
    from publisher.content.post import decode

    try:
        return decode(path.read_bytes()[:65536]).strip()
    except ValueError:
        raise click.BadParameter(
            _("%(path)s is not UTF-8 text") % {"path": path}, param_hint=f"{option}-file"
        ) from None


def _print_outcome(outcome: Any, fmt: str) -> None:
    if fmt == "json":
        _echo_json(outcome.as_json())
        return
    for warning in outcome.warnings:
        click.echo(_("warning: %(code)s: %(message)s") % {"code": warning.code, "message": warning.message}, err=True)
    for delivery in outcome.deliveries:
        where = delivery["url"] or delivery["error"] or ""
        click.echo(
            f"{delivery['account']} [{delivery['language'] or '-'}] {delivery['action']}: {delivery['state']} {where}"
        )
    if outcome.note:
        click.echo(outcome.note)


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@inbox.command(
    help=N_("Answer a message: Welsh to Welsh (English is refused), both (Welsh first) to mixed or unclear.")
)
@ID_ARGUMENT
@click.option("--cy", default=None, help=N_("The Welsh answer."))
@click.option("--en", default=None, help=N_("The English answer."))
@click.option("--cy-file", type=FILE, default=None, help=N_("The Welsh answer, from a file."))
@click.option("--en-file", type=FILE, default=None, help=N_("The English answer, from a file."))
@BY_OPTION
@FORMAT_OPTION
@click.pass_context
def reply(
    ctx: click.Context,
    message_id: int,
    cy: str | None,
    en: str | None,
    cy_file: Path | None,
    en_file: Path | None,
    by: str,
    fmt: str,
) -> None:
    from publisher.inbox.respond import reply as send_reply

    welsh, english = _text(cy, cy_file, "--cy"), _text(en, en_file, "--en")
    config = config_from(ctx)
    outcome = _guarded(ctx, lambda: send_reply(config, message_id, welsh, english, by, datetime.now(UTC)))
    _print_outcome(outcome, fmt)
    ctx.exit(1 if outcome.failed else 0)


@inbox.command(
    help=N_("Post the holding statement from the word bank (Welsh to Welsh; bilingual, Welsh first, otherwise).")
)
@ID_ARGUMENT
@BY_OPTION
@FORMAT_OPTION
@click.pass_context
def ack(ctx: click.Context, message_id: int, by: str, fmt: str) -> None:
    from publisher.inbox.respond import ack as send_ack

    config = config_from(ctx)
    outcome = _guarded(ctx, lambda: send_ack(config, message_id, by, datetime.now(UTC)))
    _print_outcome(outcome, fmt)
    ctx.exit(1 if outcome.failed else 0)


@inbox.command("no-reply", help=N_("Mark a message as needing no answer: its clock stops, with the reason."))
@ID_ARGUMENT
@click.option("--reason", required=True, help=N_("Why no answer is needed (shown in the report)."))
@BY_OPTION
@FORMAT_OPTION
@click.pass_context
def no_reply(ctx: click.Context, message_id: int, reason: str, by: str, fmt: str) -> None:
    from publisher.inbox.moderate import no_reply as close

    config = config_from(ctx)
    data = _guarded(ctx, lambda: close(config, message_id, reason, by, datetime.now(UTC)))
    if fmt == "json":
        _echo_json(data)
    else:
        values = {"id": message_id, "reason": data["reason"], "by": by}
        click.echo(_("#%(id)d needs no answer (%(reason)s), marked by %(by)s.") % values)


@inbox.command(help=N_("Hide an offensive comment where the platform allows it (policy 12)."))
@ID_ARGUMENT
@click.option("--reason", required=True, help=N_("Why it is hidden (recorded; the Communications Team is told)."))
@click.option("--notice", is_flag=True, help=N_("Also post the bilingual removal notice under our post (policy 12)."))
@BY_OPTION
@FORMAT_OPTION
@click.pass_context
def hide(ctx: click.Context, message_id: int, reason: str, notice: bool, by: str, fmt: str) -> None:
    from publisher.inbox.moderate import hide as hide_message

    config = config_from(ctx)
    outcome = _guarded(ctx, lambda: hide_message(config, message_id, reason, by, datetime.now(UTC), notice=notice))
    _print_outcome(outcome, fmt)
    ctx.exit(1 if outcome.failed else 0)


@inbox.command(help=N_("Name who answers a message."))
@ID_ARGUMENT
@click.option("--to", "to", required=True, help=N_("Who answers it."))
@BY_OPTION
@FORMAT_OPTION
@click.pass_context
def assign(ctx: click.Context, message_id: int, to: str, by: str, fmt: str) -> None:
    from publisher.inbox.moderate import assign as assign_message

    config = config_from(ctx)
    data = _guarded(ctx, lambda: assign_message(config, message_id, to, by, datetime.now(UTC)))
    if fmt == "json":
        _echo_json(data)
    else:
        values = {"id": message_id, "to": data["assigned_to"], "by": by}
        click.echo(_("#%(id)d assigned to %(to)s by %(by)s.") % values)


@inbox.command(help=N_("Everything the inbox holds from one person: a subject access request."))
@click.option("--author", required=True, help=N_("The person's handle (or platform id), with or without @."))
@click.option("--by", default=None, help=N_("Who runs the export (default: your login name); audited."))
@FORMAT_OPTION
@click.pass_context
def export(ctx: click.Context, author: str, by: str | None, fmt: str) -> None:
    from publisher.inbox.export import subject_access

    try:
        data = subject_access(config_from(ctx), author, by or getpass.getuser(), datetime.now(UTC))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--author") from None
    if fmt == "json":
        _echo_json(data)
        return
    values = {"author": data["author"], "count": len(data["messages"]), "at": data["generated_at"][:16]}
    click.echo(_("Messages from %(author)s (%(count)d), as of %(at)s:") % values)
    for message in data["messages"]:
        click.echo(f"#{message['id']} {message['received_at'][:16]} {message['account']}: {message['text']}")
        for response in message["responses"]:
            click.echo("    " + _("%(kind)s by %(by)s (%(state)s): %(text)s") % response)
