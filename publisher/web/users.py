"""The administrators' page: who may log in, with which role (docs/web.md "Who may do what").

The same functions as ``publisher users add|list|remove|set-role``; only
the admin role may use it (checked on the server for every request).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from publisher.i18n import _
from publisher.services.users import ROLES, UserError, add_user, list_users, remove_user, set_role
from publisher.web.security import config, needs, now

blueprint = Blueprint("users", __name__)


def _page(status: int = 200, **extra: Any) -> Any:
    return render_template("users.html", users=list_users(config()), roles=ROLES, **extra), status


@blueprint.route("/users")
@needs("users")
def users() -> Any:
    """Every user, their role, second factor and sessions; forms to add, change and remove."""
    return _page()


@blueprint.route("/users/add", methods=["POST"])
@needs("users")
def add() -> Any:
    """A new user with a password (and a second factor if asked): its setup address is shown once."""
    name, role = request.form.get("name", ""), request.form.get("role", "")
    password = request.form.get("password", "")[:1024] or None
    try:
        user, uri = add_user(config(), name, role, password, request.form.get("totp") == "yes", g.user.name, now())
    except UserError as exc:
        return _page(422, problem=str(exc))
    return _page(201, added=user.name, totp_uri=uri)


@blueprint.route("/users/role", methods=["POST"])
@needs("users")
def change_role() -> Any:
    name = request.form.get("name", "")
    try:
        set_role(config(), name, request.form.get("role", ""), g.user.name, now())
    except UserError as exc:
        return _page(422, problem=str(exc))
    flash(_("%(name)s's role is changed.") % {"name": name})
    return redirect(url_for("users.users"))


@blueprint.route("/users/remove", methods=["POST"])
@needs("users")
def remove() -> Any:
    """Remove a user; their sessions end at once."""
    name = request.form.get("name", "")
    if name == g.user.name:
        return _page(422, problem=_("You cannot remove yourself: ask another administrator."))
    try:
        remove_user(config(), name, g.user.name, now())
    except UserError as exc:
        return _page(422, problem=str(exc))
    flash(_("%(name)s is removed; their sessions have ended.") % {"name": name})
    return redirect(url_for("users.users"))
