"""The web workspace's people: accounts, roles, logins and sessions (docs/web.md "Who may do what").

``publisher users`` and the web's user pages call the same functions here.
Passwords are kept as Argon2 hashes; a second factor (TOTP) is derived from
a per-user salt and the web's secret key, which comes from the environment
only, so the database alone never holds a secret. Failed logins are counted
in the database per name and per address, so every worker of the server
(and every server on a shared PostgreSQL) slows guessing down together.
Every change is in the audit trail with who made it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.errors import ConfigError
from publisher.i18n import _
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import open_database

ROLES = ("viewer", "editor", "translator", "comms", "admin")
# What each role may do beyond reading every page (policy 8.5: the Translation Team approves the Welsh;
# policy 11-12: the service's comms people answer and hide; policy 7.2.5: an administrator manages access).
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "editor": frozenset(),
    "translator": frozenset({"review"}),
    "comms": frozenset({"queue", "inbox"}),
    "admin": frozenset({"review", "queue", "inbox", "users"}),
}
MIN_SECRET_KEY = 32
MIN_PASSWORD = 12
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
KEEP_FAILURES = timedelta(days=1)


class UserError(ValueError):
    """The request about a user cannot be done (unknown name, bad role, weak password); the message says why."""


@dataclass(frozen=True)
class WebUser:
    """Who is logged in, and what their role lets them do."""

    id: int
    name: str
    role: str

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "permissions": sorted(PERMISSIONS.get(self.role, ()))}


@dataclass(frozen=True)
class LoginResult:
    """A login: the user, or why not (``bad``, ``code``: a second-factor code is needed, ``locked``)."""

    user: WebUser | None
    refusal: str | None = None
    retry_after: timedelta | None = None


def secret_key(config: Config) -> bytes:
    """The web's secret key, from the environment variable ``[web] secret_key_env`` names."""
    name = config.web.secret_key_env
    value = os.environ.get(name, "")
    if len(value) < MIN_SECRET_KEY:
        message = _(
            "%(path)s: 'web.secret_key_env': set the environment variable %(variable)s to a random string of at "
            "least %(num)d characters (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
        raise ConfigError(message % {"path": config.path, "variable": name, "num": MIN_SECRET_KEY})
    return value.encode()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def _clean_name(name: str) -> str:
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned or len(cleaned) > 255 or any(unicodedata.category(c)[0] == "C" for c in cleaned):
        raise UserError(_("a user name is 1 to 255 printable characters"))
    return cleaned


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(_("unknown role '%(role)s': use one of %(roles)s") % {"role": role, "roles": ", ".join(ROLES)})
    return role


def _totp_secret(config: Config, salt: str) -> str:
    digest = hmac.new(secret_key(config), f"totp:{salt}".encode(), hashlib.sha256).digest()[:20]
    return base64.b32encode(digest).decode()


def totp_uri(config: Config, name: str, salt: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (as a QR code or typed in)."""
    import pyotp

    return str(pyotp.TOTP(_totp_secret(config, salt)).provisioning_uri(name=name, issuer_name="publisher"))


def _user(row: m.User) -> WebUser:
    return WebUser(id=row.id, name=row.name, role=row.role)


def _find(session: Session, name: str) -> m.User:
    row = session.scalar(select(m.User).where(m.User.name == name))
    if row is None:
        raise UserError(_("no user '%(name)s'") % {"name": name})
    return row


def add_user(
    config: Config, name: str, role: str, password: str | None, totp: bool, by: str, now: datetime
) -> tuple[WebUser, str | None]:
    """A new user; their second-factor address if ``totp``. No password: single sign-on only."""
    name, role = _clean_name(name), _check_role(role)
    if password is not None and len(password) < MIN_PASSWORD:
        raise UserError(_("a password is at least %(num)d characters") % {"num": MIN_PASSWORD})
    salt = secrets.token_hex(16) if totp else None
    uri = totp_uri(config, name, salt) if salt else None  # needs the secret key: fail before writing
    with open_database(config) as db, db.sessions.begin() as session:
        if session.scalar(select(m.User.id).where(m.User.name == name)) is not None:
            raise UserError(_("there is already a user '%(name)s'") % {"name": name})
        row = m.User(
            name=name,
            role=role,
            password_hash=_hasher().hash(password) if password is not None else None,
            totp_salt=salt,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        detail = {"user": name, "role": role, "totp": totp, "password": password is not None}
        record(session, by, "user_added", at=now, detail=detail, log_file=config.audit_log)
        return _user(row), uri


def list_users(config: Config) -> list[dict[str, Any]]:
    """Every user with their role, whether they have a password and a second factor, and open sessions."""
    with open_database(config) as db, db.sessions() as session:
        grouped = session.execute(select(m.WebSession.user_id, func.count()).group_by(m.WebSession.user_id))
        counts = {user_id: count for user_id, count in grouped}
        return [
            {
                "name": row.name,
                "role": row.role,
                "password": row.password_hash is not None,
                "totp": row.totp_salt is not None,
                "sessions": int(counts.get(row.id, 0)),
                "created_at": row.created_at.isoformat(),
            }
            for row in session.scalars(select(m.User).order_by(m.User.name))
        ]


def remove_user(config: Config, name: str, by: str, now: datetime) -> None:
    """Remove a user and end their sessions at once (policy 7.2.5: access goes when the person goes)."""
    with open_database(config) as db, db.sessions.begin() as session:
        row = _find(session, name)
        session.execute(delete(m.WebSession).where(m.WebSession.user_id == row.id))
        session.delete(row)
        record(session, by, "user_removed", at=now, detail={"user": name}, log_file=config.audit_log)


def set_role(config: Config, name: str, role: str, by: str, now: datetime) -> WebUser:
    """Give a user another role; it applies from their next page."""
    role = _check_role(role)
    with open_database(config) as db, db.sessions.begin() as session:
        row = _find(session, name)
        detail = {"user": name, "from": row.role, "to": role}
        row.role, row.updated_at = role, now
        record(session, by, "user_role_set", at=now, detail=detail, log_file=config.audit_log)
        return _user(row)


def _failures(session: Session, column: Any, value: str, now: datetime) -> tuple[int, datetime | None]:
    count, first = session.execute(
        select(func.count(), func.min(m.LoginAttempt.at)).where(
            column == value, m.LoginAttempt.at > now - FAILURE_WINDOW
        )
    ).one()
    return int(count), first


def _locked(session: Session, name: str, address: str, now: datetime) -> timedelta | None:
    """How long until this name or address may try again, if either has failed too often lately."""
    waits = []
    for column, value, limit in (
        (m.LoginAttempt.name, name, MAX_FAILURES_PER_NAME),
        (m.LoginAttempt.address, address, MAX_FAILURES_PER_ADDRESS),
    ):
        count, first = _failures(session, column, value, now)
        if count >= limit and first is not None:
            waits.append(first + FAILURE_WINDOW - now)
    return max(waits) if waits else None


def _code_ok(config: Config, row: m.User, code: str, now: datetime) -> bool:
    """The second-factor code for now (or the 30 s step either side), each code once."""
    import pyotp

    totp = pyotp.TOTP(_totp_secret(config, row.totp_salt or ""))
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if candidate > (row.totp_last_step or -1) and hmac.compare_digest(totp.generate_otp(candidate), code.strip()):
            row.totp_last_step = candidate
            return True
    return False


def _password_ok(row: m.User | None, password: str) -> bool:
    from argon2.exceptions import VerificationError

    hasher = _hasher()
    try:
        if row is None or row.password_hash is None:
            hasher.verify(_dummy_hash(), password)  # the same time for a name that does not exist
            return False
        hasher.verify(row.password_hash, password)
    except VerificationError:
        return False
    if hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hasher.hash(password)
    return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_hex(16)))


def _fail(config: Config, session: Session, name: str, address: str, why: str, now: datetime) -> LoginResult:
    session.add(m.LoginAttempt(at=now, name=name[:255], address=address[:64]))
    session.execute(delete(m.LoginAttempt).where(m.LoginAttempt.at < now - KEEP_FAILURES))
    detail = {"user": name[:255], "address": address, "why": why}
    record(session, name[:255], "web_login_failed", at=now, detail=detail, log_file=config.audit_log)
    return LoginResult(None, "bad")


def authenticate(config: Config, name: str, password: str, code: str, address: str, now: datetime) -> LoginResult:
    """Check a login; failures are counted, and too many lately lock the name or address for a while."""
    name = unicodedata.normalize("NFC", name).strip()
    with open_database(config) as db, db.sessions.begin() as session:
        wait = _locked(session, name, address, now)
        if wait is not None:
            return LoginResult(None, "locked", wait)
        row = session.scalar(select(m.User).where(m.User.name == name))
        if not _password_ok(row, password) or row is None:
            return _fail(config, session, name, address, "password", now)
        if row.totp_salt is not None:
            if not code.strip():
                return LoginResult(None, "code")
            if not _code_ok(config, row, code, now):
                return _fail(config, session, name, address, "second factor", now)
        session.execute(delete(m.LoginAttempt).where(m.LoginAttempt.name == name))
        return LoginResult(_user(row))


def trusted_user(config: Config, name: str) -> WebUser | None:
    """The existing user the identity proxy names (single sign-on); None if there is none."""
    with open_database(config) as db, db.sessions() as session:
        row = session.scalar(select(m.User).where(m.User.name == unicodedata.normalize("NFC", name).strip()))
        return _user(row) if row is not None else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(config: Config, user: WebUser, address: str, how: str, now: datetime) -> str:
    """A new session for ``user`` (recorded in the audit trail); the token goes in the cookie only."""
    token = secrets.token_urlsafe(32)
    with open_database(config) as db, db.sessions.begin() as session:
        session.execute(delete(m.WebSession).where(m.WebSession.expires_at < now))
        expires = now + config.web.session_lifetime
        session.add(
            m.WebSession(
                token_hash=_token_hash(token), user_id=user.id, created_at=now, expires_at=expires, address=address
            )
        )
        detail = {"address": address, "how": how}
        record(session, user.name, "web_login", at=now, detail=detail, log_file=config.audit_log)
    return token


def session_user(config: Config, token: str, now: datetime) -> WebUser | None:
    """The user a session token belongs to, while it lasts."""
    with open_database(config) as db, db.sessions() as session:
        row = session.execute(
            select(m.User)
            .join(m.WebSession, m.WebSession.user_id == m.User.id)
            .where(m.WebSession.token_hash == _token_hash(token), m.WebSession.expires_at > now)
        ).scalar_one_or_none()
        return _user(row) if row is not None else None


def close_session(config: Config, token: str, now: datetime) -> None:
    """Log out: the session ends in the database, so a copied cookie no longer works."""
    with open_database(config) as db, db.sessions.begin() as session:
        row = session.get(m.WebSession, _token_hash(token))
        if row is None:
            return
        user = session.get(m.User, row.user_id)
        session.delete(row)
        record(session, user.name if user else "?", "web_logout", at=now, log_file=config.audit_log)
