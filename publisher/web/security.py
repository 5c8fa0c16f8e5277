"""Who is asking, and may they: sessions, single sign-on, CSRF tokens, roles, security headers (docs/web.md).

Every page needs a login except the login page itself, the language switch,
the style sheet and the health check. Every POST carries the session's CSRF
token (compared in constant time). The identity proxy's header is believed
only from the addresses in ``[web] trusted_proxies``; from anywhere else it
is ignored.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, current_app, g, redirect, render_template, request, session, url_for

from publisher.config import Config
from publisher.i18n import _
from publisher.services.users import WebUser, open_session, session_user, trusted_user

PUBLIC = {"auth.login", "auth.language", "static", "health"}
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
F = TypeVar("F", bound=Callable[..., Any])


def config() -> Config:
    """The configuration the server was started with."""
    loaded: Config = current_app.extensions["publisher"]
    return loaded


def now() -> datetime:
    return datetime.now(UTC)


def _from_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in config().web.trusted_proxies)


def client_address() -> str:
    """The browser's address: behind a trusted proxy, the last address it added to ``X-Forwarded-For``."""
    remote = request.remote_addr or ""
    if _from_proxy(remote):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return remote[:64]


def csrf_token() -> str:
    """This session's CSRF token, made on first use; every form carries it."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """A POST without this session's token did not come from our own form: refused before anything happens."""
    if request.method != "POST":
        return
    sent, expected = request.form.get("csrf_token", ""), session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        current_app.logger.warning("refused a form without this session's CSRF token from %s", client_address())
        abort(400)


def start_session(user: WebUser, how: str) -> None:
    """A fresh session (new token, new CSRF secret; only the language kept), so a planted cookie is worthless."""
    token = open_session(config(), user, client_address(), how, now())
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session.update(token=token, csrf=secrets.token_urlsafe(32))
    if language:
        session["lang"] = language
    g.user = user


def _single_sign_on() -> WebUser | None:
    header = config().web.trusted_header
    if not header or not _from_proxy(request.remote_addr or ""):
        return None
    name = request.headers.get(header, "").strip()
    if not name:
        return None
    user = trusted_user(config(), name)
    if user is None:
        abort(403, _("The identity proxy says you are %(name)s, but there is no such user here.") % {"name": name})
    start_session(user, "trusted header")
    return user


def load_user() -> Response | None:
    """Before each request: who is logged in; a page that needs a login sends the others to the login page."""
    token = session.get("token")
    g.user = session_user(config(), token, now()) if isinstance(token, str) else None
    if g.user is None:
        g.user = _single_sign_on()
    if g.user is None and request.endpoint not in PUBLIC:
        target = request.full_path if request.method == "GET" else "/"
        return redirect(url_for("auth.login", next=target.rstrip("?")))  # type: ignore[return-value]
    return None


def needs(permission: str) -> Callable[[F], F]:
    """A view only some roles may use; the others get a 403 page saying so (checked here, on the server)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user: WebUser | None = g.get("user")
            if user is None or not user.may(permission):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an address elsewhere (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def headers(response: Response) -> Response:
    """A strict Content-Security-Policy (no inline script or style), no framing, no caching of private pages."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(error: Any) -> tuple[str, int]:
    """Errors as pages in the person's language: 400 (a forged form), 403 (not your role), 404, 413."""
    code = int(getattr(error, "code", 500) or 500)
    messages = {
        400: _("This form did not come from this site, or it has expired: go back, reload the page and try again."),
        403: _("Your role does not allow this. Ask an administrator if you need it."),
        404: _("There is no such page."),
        413: _("What you sent is too large."),
    }
    detail = getattr(error, "description", None) if code == 403 else None
    description = detail if isinstance(detail, str) and not detail.startswith("You don't") else messages.get(code)
    return render_template("error.html", code=code, message=description or _("Something went wrong.")), code


def server_error(error: Exception) -> tuple[str, int]:
    """Anything unexpected: logged in full for the administrator, a plain page for the person (no traceback)."""
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    return render_template("error.html", code=500, message=_("Something went wrong.")), 500
