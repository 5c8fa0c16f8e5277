"""The replies inbox in the browser: messages by language and clock; answer, acknowledge, hide (docs/web.md).

The same functions as ``publisher inbox list|show|reply|ack|hide|no-reply``:
a Welsh message gets a Welsh answer (Standard 59), and a refused answer
shows its findings on the page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from publisher.content.post import normalise
from publisher.i18n import _
from publisher.inbox.answers import InboxError, Refused, UnknownMessage
from publisher.inbox.moderate import hide, no_reply
from publisher.inbox.respond import ack, reply
from publisher.inbox.statements import StatementError
from publisher.inbox.views import Filters, list_messages, show_message
from publisher.web.security import config, needs, now

blueprint = Blueprint("inbox", __name__)
STATES = ("open", "overdue", "answered", "closed", "all")
LANGUAGES = ("cy", "en", "mixed", "unknown")
MAX_TEXT = 16 * 1024


def _choice(name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = request.args.get(name) or default
    return value if value in allowed else default


@blueprint.route("/inbox")
def messages() -> Any:
    """Messages that need an answer (or as the filters say), the one due soonest first."""
    accounts = config().inbox.accounts
    chosen = Filters(
        state=_choice("state", STATES, "open") or "open",
        account=_choice("account", accounts, None),
        language=_choice("language", LANGUAGES, None),
    )
    items = list_messages(config(), now(), chosen)
    return render_template(
        "inbox.html", items=items, chosen=chosen, states=STATES, languages=LANGUAGES, accounts=accounts
    )


def _message_page(message_id: int, status: int = 200, **problem: Any) -> Any:
    try:
        data = show_message(config(), message_id, now())
    except UnknownMessage:
        abort(404)
    return render_template("message.html", m=data, can_act=g.user.may("inbox"), **problem), status


@blueprint.route("/inbox/<int:message_id>")
def message(message_id: int) -> Any:
    """One message: its language and clock, our post it answers, what was done and by whom."""
    return _message_page(message_id)


def _text(name: str) -> str:
    return normalise(request.form.get(name, "")[:MAX_TEXT].replace("\r\n", "\n")).strip()


def _act(message_id: int, action: Any, done: str) -> Any:
    """Run one inbox action; a refusal or impossibility is shown on the message's page."""
    try:
        action()
    except UnknownMessage:
        abort(404)
    except Refused as exc:
        return _message_page(
            message_id, 422, problem=_("The answer was refused: fix what the findings say."), findings=exc.findings
        )
    except (InboxError, StatementError) as exc:
        return _message_page(message_id, 409, problem=str(exc), findings=[])
    flash(done)
    return redirect(url_for("inbox.message", message_id=message_id))


@blueprint.route("/inbox/<int:message_id>/reply", methods=["POST"])
@needs("inbox")
def answer(message_id: int) -> Any:
    """Answer in the language the message needs (English to a Welsh message is refused)."""
    cy, en = _text("cy"), _text("en")
    done = _("Your answer to #%(num)d was sent.") % {"num": message_id}
    return _act(message_id, lambda: reply(config(), message_id, cy, en, g.user.name, now()), done)


@blueprint.route("/inbox/<int:message_id>/ack", methods=["POST"])
@needs("inbox")
def acknowledge(message_id: int) -> Any:
    """Post the holding statement from the word bank."""
    done = _("The holding statement for #%(num)d was sent.") % {"num": message_id}
    return _act(message_id, lambda: ack(config(), message_id, g.user.name, now()), done)


@blueprint.route("/inbox/<int:message_id>/hide", methods=["POST"])
@needs("inbox")
def hide_message(message_id: int) -> Any:
    """Hide an offensive comment (policy 12), with the reason; optionally the removal notice."""
    reason, notice = _text("reason"), request.form.get("notice") == "yes"
    if not reason:
        return _message_page(message_id, 422, problem=_("Say why it is hidden."), findings=[])
    done = _("#%(num)d is hidden.") % {"num": message_id}
    return _act(message_id, lambda: hide(config(), message_id, reason, g.user.name, now(), notice=notice), done)


@blueprint.route("/inbox/<int:message_id>/no-reply", methods=["POST"])
@needs("inbox")
def close(message_id: int) -> Any:
    """No answer needed: the clock stops, with the reason."""
    reason = _text("reason")
    if not reason:
        return _message_page(message_id, 422, problem=_("Say why no answer is needed."), findings=[])
    done = _("#%(num)d needs no answer.") % {"num": message_id}
    return _act(message_id, lambda: no_reply(config(), message_id, reason, g.user.name, now()), done)
