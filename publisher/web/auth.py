"""Logging in and out, and the language switch (docs/web.md "Logging in")."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from publisher import i18n
from publisher.i18n import _, ngettext
from publisher.services.users import authenticate, close_session
from publisher.web.security import client_address, config, now, safe_next, start_session

blueprint = Blueprint("auth", __name__)


def _refusal(result: Any) -> str:
    if result.refusal == "locked":
        minutes = max(1, math.ceil(result.retry_after.total_seconds() / 60))
        return ngettext(
            "Too many failed attempts: try again in %(num)d minute.",
            "Too many failed attempts: try again in %(num)d minutes.",
            minutes,
        ) % {"num": minutes}
    if result.refusal == "code":
        return _("Enter the six-digit code from your authenticator app.")
    return _("The name, password or code is not right.")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; a good name and password (and code, where set up) start a session."""
    target = safe_next(request.values.get("next"), url_for("pages.calendar"))
    if g.get("user") is not None:
        return redirect(target)
    error, name = None, ""
    if request.method == "POST":
        name = request.form.get("name", "")[:255]
        password, code = request.form.get("password", "")[:1024], request.form.get("code", "")[:16]
        result = authenticate(config(), name, password, code, client_address(), now())
        if result.user is not None:
            start_session(result.user, "password")
            return redirect(target)
        error = _refusal(result)
    status = 401 if error else 200
    return render_template("login.html", error=error, name=name, next=target), status


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session here and in the database."""
    token = session.get("token")
    if isinstance(token, str):
        close_session(config(), token, now())
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("auth.login"))


@blueprint.route("/language", methods=["POST"])
def language() -> Any:
    """Switch the workspace's language (kept for the session), back to the same page."""
    chosen = request.form.get("lang", "")
    if chosen in i18n.LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next"), url_for("pages.calendar")))
