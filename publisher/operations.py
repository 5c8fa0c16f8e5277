"""The operating settings: the repository the daemon follows, who it e-mails, when it keeps quiet.

``[content]``, ``[notifications]``, ``[[quiet_periods]]`` and ``after_pause``
in ``config/publisher.toml`` (docs/configuration.md). Parsed here, beside
the configuration, and strictly: each problem is a :class:`ConfigError`
naming the file and the key, as everywhere in the config. Secrets stay out:
the SMTP password is named by ``password_env``, never written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.durations import parse_duration
from publisher.errors import ConfigError
from publisher.i18n import _

CONTENT_KEYS = {"repository", "branch", "working_copy", "fetch_timeout"}
NOTIFICATION_KEYS = {
    "smtp_host",
    "smtp_port",
    "starttls",
    "smtp_user",
    "password_env",
    "from_address",
    "comms_team",
    "translation_team",
    "digest_at",
    "timeout",
}
QUIET_KEYS = {"from", "to", "accounts", "reason"}
AFTER_PAUSE = ("publish", "expire")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_BRANCH = re.compile(r"[A-Za-z0-9._/-]+")


@dataclass(frozen=True)
class Repository:
    """The git repository the daemon follows, and where it keeps its own working copy of it."""

    url: str  # a URL git understands, or an absolute local path
    branch: str
    working_copy: Path
    fetch_timeout: timedelta


@dataclass(frozen=True)
class Notifications:
    """Where e-mail goes (docs/configuration.md "notifications"); no ``smtp_host``: no e-mail."""

    smtp_host: str = ""
    smtp_port: int = 587
    starttls: bool = True
    smtp_user: str = ""
    password_env: str = "PUBLISHER_SMTP_PASSWORD"
    from_address: str = ""
    comms_team: tuple[str, ...] = ()
    translation_team: tuple[str, ...] = ()
    digest_at: time = time(8, 0)
    timeout: timedelta = timedelta(seconds=20)

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)


@dataclass(frozen=True)
class QuietPeriod:
    """A time the accounts keep quiet (the pre-election period, say): due posts wait until it ends."""

    start: datetime  # UTC
    end: datetime  # UTC
    accounts: tuple[str, ...]  # empty: every account
    reason: str


def _table(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(_("%(path)s: '[%(key)s]' must be a table") % {"path": path, "key": key})
    return value


def _unknown(table: dict[str, Any], known: set[str], where: str, path: Path) -> None:
    import difflib

    for key in table:
        if key not in known:
            match = difflib.get_close_matches(key, sorted(known), n=1)
            values = {"path": path, "key": where + key, "match": match[0] if match else ""}
            if match:
                raise ConfigError(_("%(path)s: unknown key '%(key)s' (did you mean '%(match)s'?)") % values)
            raise ConfigError(_("%(path)s: unknown key '%(key)s'") % values)


def _text(table: dict[str, Any], key: str, default: str, where: str, path: Path) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        message = _("%(path)s: '%(key)s' must be a string, not %(type)s")
        raise ConfigError(message % {"path": path, "key": where + key, "type": type(value).__name__})
    return value.strip()


def _duration(table: dict[str, Any], key: str, default: str, where: str, path: Path) -> timedelta:
    try:
        value = parse_duration(_text(table, key, default, where, path))
    except ValueError as exc:
        raise ConfigError(
            _("%(path)s: '%(key)s': %(error)s") % {"path": path, "key": where + key, "error": exc}
        ) from None
    if value.total_seconds() <= 0:
        raise ConfigError(_("%(path)s: '%(key)s' must be longer than zero") % {"path": path, "key": where + key})
    return value


def _is_remote(url: str) -> bool:
    """A URL (``https://``, ``ssh://``, ``file://``) or scp-like address (``git@host:path``), not a local path."""
    return "://" in url or bool(re.match(r"^[\w.-]+@[\w.-]+:", url))


def parse_repository(raw: dict[str, Any], path: Path, root: Path) -> Repository | None:
    """``[content]``: the repository to follow, if any; a local path is taken against the project root."""
    table = _table(raw, "content", path)
    _unknown(table, CONTENT_KEYS, "content.", path)
    url = _text(table, "repository", "", "content.", path)
    if not url:
        return None
    if url.startswith("-"):
        message = _("%(path)s: 'content.repository' = %(value)s is not a repository URL or path")
        raise ConfigError(message % {"path": path, "value": repr(url)})
    branch = _text(table, "branch", "main", "content.", path)
    if not _BRANCH.fullmatch(branch) or branch.startswith(("-", "/")) or ".." in branch:
        message = _("%(path)s: 'content.branch' = %(value)s is not a branch name such as \"main\"")
        raise ConfigError(message % {"path": path, "value": repr(branch)})
    if not _is_remote(url):
        url = str((root / url).resolve())
    return Repository(
        url=url,
        branch=branch,
        working_copy=root / _text(table, "working_copy", "repository", "content.", path),
        fetch_timeout=_duration(table, "fetch_timeout", "2m", "content.", path),
    )


def _addresses(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(a, str) and _EMAIL.fullmatch(a.strip()) for a in value):
        message = _("%(path)s: 'notifications.%(key)s' must be a list of e-mail addresses")
        raise ConfigError(message % {"path": path, "key": key})
    return tuple(a.strip() for a in value)


def check_address(value: Any, where: str, path: Path) -> str | None:
    """An e-mail address from the config (an account's ``administrator_email``), or None when absent."""
    if value is None:
        return None
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        message = _("%(path)s: '%(key)s' = %(value)s is not an e-mail address")
        raise ConfigError(message % {"path": path, "key": where, "value": repr(value)})
    return value.strip()


def _clock(value: str, where: str, path: Path) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    try:
        if not match:
            raise ValueError
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError:
        message = _("%(path)s: '%(key)s' = %(value)s is not a time like \"08:00\"")
        raise ConfigError(message % {"path": path, "key": where, "value": repr(value)}) from None


def parse_notifications(raw: dict[str, Any], path: Path) -> Notifications:
    """``[notifications]``: the SMTP server and who hears about failures, overdue reviews and held posts."""
    table = _table(raw, "notifications", path)
    where = "notifications."
    _unknown(table, NOTIFICATION_KEYS, where, path)
    port = table.get("smtp_port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(_("%(path)s: 'notifications.smtp_port' must be a port number, e.g. 587") % {"path": path})
    starttls = table.get("starttls", True)
    if not isinstance(starttls, bool):
        raise ConfigError(_("%(path)s: 'notifications.starttls' must be true or false") % {"path": path})
    settings = Notifications(
        smtp_host=_text(table, "smtp_host", "", where, path),
        smtp_port=port,
        starttls=starttls,
        smtp_user=_text(table, "smtp_user", "", where, path),
        password_env=_text(table, "password_env", Notifications.password_env, where, path),
        from_address=_text(table, "from_address", "", where, path),
        comms_team=_addresses(table, "comms_team", path),
        translation_team=_addresses(table, "translation_team", path),
        digest_at=_clock(_text(table, "digest_at", "08:00", where, path), where + "digest_at", path),
        timeout=_duration(table, "timeout", "20s", where, path),
    )
    if settings.enabled and not _EMAIL.fullmatch(settings.from_address):
        raise ConfigError(
            _("%(path)s: 'notifications.from_address' must be the address mail comes from") % {"path": path}
        )
    return settings


def _moment(value: Any, end: bool, where: str, path: Path, tz: ZoneInfo) -> datetime:
    """A quiet period's edge: a TOML date (a whole day) or date-time, or the same written as text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip()) if "T" in value or " " in value.strip() else value
            value = date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            message = _("%(path)s: '%(key)s' = %(value)s is not a date or time like 2027-04-08T00:00:00")
            raise ConfigError(message % {"path": path, "key": where, "value": repr(value)}) from None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(UTC)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value  # "to" a day: to the end of it
        return datetime.combine(day, time(0), tz).astimezone(UTC)
    message = _("%(path)s: '%(key)s' must be a date or a date and time, e.g. 2027-04-08T00:00:00")
    raise ConfigError(message % {"path": path, "key": where})


def _quiet_period(index: int, entry: Any, path: Path, tz: ZoneInfo, accounts: set[str]) -> QuietPeriod:
    where = f"quiet_periods[{index + 1}]."
    if not isinstance(entry, dict):
        raise ConfigError(
            _("%(path)s: each [[quiet_periods]] must be a table with from, to and reason") % {"path": path}
        )
    _unknown(entry, QUIET_KEYS, where, path)
    for key in ("from", "to", "reason"):
        if key not in entry:
            raise ConfigError(_("%(path)s: '%(key)s' is missing") % {"path": path, "key": where + key})
    start = _moment(entry["from"], False, where + "from", path, tz)
    end = _moment(entry["to"], True, where + "to", path, tz)
    if end <= start:
        message = _("%(path)s: '%(end)s' is not after '%(start)s'")
        raise ConfigError(message % {"path": path, "end": where + "to", "start": where + "from"})
    names = entry.get("accounts", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(
            _("%(path)s: '%(key)s' must be a list of account names") % {"path": path, "key": where + "accounts"}
        )
    for name in names:
        if name not in accounts:
            message = _("%(path)s: '%(key)s' names '%(account)s', which is not an account in the config")
            raise ConfigError(message % {"path": path, "key": where + "accounts", "account": name})
    reason = _text(entry, "reason", "", where, path)
    if not reason:
        message = _("%(path)s: '%(key)s' must say why the accounts keep quiet")
        raise ConfigError(message % {"path": path, "key": where + "reason"})
    return QuietPeriod(start=start, end=end, accounts=tuple(names), reason=reason)


def parse_quiet_periods(raw: dict[str, Any], path: Path, tz: ZoneInfo, accounts: set[str]) -> tuple[QuietPeriod, ...]:
    """``[[quiet_periods]]``: times when scheduled posts wait (policy: the team stops posting at once)."""
    entries = raw.get("quiet_periods", [])
    if not isinstance(entries, list):
        raise ConfigError(_("%(path)s: 'quiet_periods' must be written as [[quiet_periods]] tables") % {"path": path})
    return tuple(_quiet_period(i, entry, path, tz, accounts) for i, entry in enumerate(entries))


def parse_after_pause(raw: dict[str, Any], path: Path) -> str:
    """What happens to posts that fell due during a pause: ``publish`` them when it ends, or ``expire`` them."""
    value = raw.get("after_pause", "publish")
    if value not in AFTER_PAUSE:
        raise ConfigError(
            _('%(path)s: \'after_pause\' = %(value)s: use "publish" or "expire"') % {"path": path, "value": repr(value)}
        )
    return str(value)
