"""The web application: configuration, language per request, security, pages (docs/web.md)."""

from __future__ import annotations

from contextvars import Token
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from publisher import i18n
from publisher.config import Config
from publisher.services.server import keep_database_open
from publisher.services.users import secret_key
from publisher.web import security
from publisher.web.labels import label

HERE = Path(__file__).parent
MAX_FORM_BYTES = 256 * 1024


def _language() -> None:
    """The person's choice, else the browser's preference (Welsh where it names neither)."""
    chosen = session.get("lang")
    language = chosen if chosen in i18n.LANGUAGES else i18n.negotiate(request.headers.get("Accept-Language"))
    token: Token[str | None] = i18n.set_language(language)
    g.language_token = token
    g.lang = language


def _reset_language(_error: BaseException | None) -> None:
    token = g.pop("language_token", None)
    if token is not None:
        i18n.reset_language(token)


def _local(value: str | datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as local time in the configured timezone."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(security.config().timezone).strftime(fmt)


def _long_date(value: date | str, fmt: str = "EEEE d MMMM y") -> str:
    """A date in words in the page's language (Babel's Welsh and English calendars)."""
    from babel.dates import format_date

    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(day, fmt, locale=g.get("lang", "cy")))


def _lang_attr(code: object, attribute: str = "lang") -> Markup:
    """`` lang="cy"`` for text in one of our languages; nothing for mixed or unknown text (no invalid tag)."""
    return Markup(f' {attribute}="{code}"') if code in i18n.LANGUAGES else Markup("")


def _context() -> dict[str, Any]:
    return {
        "user": g.get("user"),
        "lang": g.get("lang", "cy"),
        "switch_languages": [(code, i18n.NAMES[code]) for code in i18n.LANGUAGES],
        "csrf_token": security.csrf_token,
        "label": label,
    }


def _install_templates(app: Flask) -> None:
    env = app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
    )
    env.globals["label"] = label
    env.filters["local"] = _local
    env.filters["lang_attr"] = _lang_attr
    env.filters["long_date"] = _long_date
    app.context_processor(_context)


def _register(app: Flask) -> None:
    from publisher.web import actions, audit, auth, inbox, pages, reports, review, users

    for module in (auth, pages, actions, review, inbox, reports, users, audit):
        app.register_blueprint(module.blueprint)
    app.add_url_rule("/healthz", "health", lambda: ("ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}))


def create_app(config: Config) -> Flask:
    """The application for ``config``: one per server process; the secret key must be in the environment."""
    app = Flask("publisher.web", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config.update(
        SECRET_KEY=secret_key(config),
        SESSION_COOKIE_NAME="publisher_session",
        SESSION_COOKIE_SECURE=config.web.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=config.web.session_lifetime,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES,
    )
    app.extensions["publisher"] = config
    keep_database_open(config)
    app.before_request(_language)
    app.before_request(security.check_csrf)
    app.before_request(security.load_user)
    app.after_request(security.headers)
    app.teardown_request(_reset_language)
    app.register_error_handler(HTTPException, security.error_page)
    app.register_error_handler(Exception, security.server_error)
    _install_templates(app)
    _register(app)
    return app
