"""Load and validate ``config/publisher.toml`` (docs/configuration.md).

Everything except ``[accounts]`` has a default. Validation is strict because a
typo in a config key silently changing behaviour (say, the timezone) would be
worse than a refusal: every problem raises :class:`ConfigError` naming the file
and the key, which the CLI turns into exit code 2. Which platforms exist, and
which options and credentials each takes, comes from
:mod:`publisher.platforms.specs`.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.durations import parse_duration, parse_working_days
from publisher.errors import ConfigError
from publisher.files import MIB, UnreadableFile, read_bounded
from publisher.i18n import _
from publisher.operations import (
    Notifications,
    QuietPeriod,
    Repository,
    check_address,
    parse_after_pause,
    parse_notifications,
    parse_quiet_periods,
    parse_repository,
)
from publisher.platforms.account import Account
from publisher.platforms.specs import SPECS

MAX_CONFIG_BYTES = 1 * MIB
STRATEGIES = ("combined", "separate", "thread")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_HOURS = {
    "mon": "09:00-17:00",
    "tue": "09:00-17:00",
    "wed": "09:00-17:00",
    "thu": "09:00-17:00",
    "fri": "09:00-16:30",
}

_TOP_KEYS = {
    "timezone",
    "content_dir",
    "schedules_dir",
    "database",
    "consent_register",
    "wordbank",
    "max_lateness",
    "translation_team",
    "machine_translation",
    "accounts",
    "emergency",
    "daemon",
    "audit_log",
    "costs",
    "accounts_check",
    "content",
    "notifications",
    "quiet_periods",
    "after_pause",
    "media",
    "accessibility",
    "links",
    "inbox",
    "web",
}
# Keys every account may have; each platform adds its own options (specs.py).
_COMMON_ACCOUNT_KEYS = (
    "platform",
    "strategy",
    "administrator",
    "credentials_env",
    "api_base",
    "welsh_account",
    "english_account",
    "allow_split",
    "administrator_email",
)
_TEAM_KEYS = {"hours", "holidays", "review_within_working_days", "members"}
_MT_KEYS = {"provider", "endpoint", "key_env", "region"}
_EMERGENCY_KEYS = {"authorised"}
_MEDIA_KEYS = {"max_pixels"}
_ACCESSIBILITY_CHECKS = ("hashtag_case", "emoji", "hashtag_position", "links", "capitals", "alt_text")
_ACCESSIBILITY_KEYS = {*_ACCESSIBILITY_CHECKS, "max_emoji"}
_LINK_KEYS = {"prefixes", "pages", "bilingual", "utm_content"}
_DAEMON_DURATIONS = {
    "lease": "2m",
    "sync_interval": "60s",
    "retry_base": "30s",
    "retry_max": "1h",
    "reconcile_after": "20s",
    "request_timeout": "30s",
    "shutdown_grace": "20s",
}
_DAEMON_KEYS = set(_DAEMON_DURATIONS) | {"workers", "max_attempts"}
_COST_KEYS = {"currency", "post", "post_with_url"}
_ACCOUNTS_CHECK_KEYS = {"service_phrase_cy", "service_phrase_en", "expiry_warning"}
_INBOX_KEYS = {
    "interval",
    "answer_within",
    "acknowledge_within",
    "keep_for",
    "communications_team",
    "accounts",
    "daily_reads",
}

_WEB_KEYS = {
    "host",
    "port",
    "secret_key_env",
    "secure_cookies",
    "session_lifetime",
    "trusted_header",
    "trusted_proxies",
    "threads",
}

# A key that names a credential. Keys ending in ``_env`` name an environment
# variable instead, which is exactly how secrets are meant to be given.
_SECRET_KEY = re.compile(r"(token|secret|password|passwd|api_?key|^key$|_key$)", re.I)


@dataclass(frozen=True)
class TranslationTeam:
    """When the Translation Team works; outside these hours is 'out of hours'."""

    hours: dict[str, tuple[time, time]]
    holidays: str = "GB-WLS"
    review_within_working_days: int = 1
    members: tuple[str, ...] = ()  # who may approve and correct emergency posts' Welsh


@dataclass(frozen=True)
class MachineTranslation:
    """Microsoft Translator settings, used only on the emergency public-safety path."""

    provider: str = "microsoft"
    endpoint: str = "https://api.cognitive.microsofttranslator.com"
    key_env: str = "PUBLISHER_MSTRANSLATOR_KEY"
    region: str = "uksouth"


@dataclass(frozen=True)
class DaemonSettings:
    """How ``publisher run`` paces itself (config ``[daemon]``; every key optional)."""

    lease: timedelta = timedelta(minutes=2)  # how long a claim is held before others may take over
    sync_interval: timedelta = timedelta(seconds=60)  # how often the content is re-read
    retry_base: timedelta = timedelta(seconds=30)  # first backoff after a transient failure
    retry_max: timedelta = timedelta(hours=1)  # longest backoff
    reconcile_after: timedelta = timedelta(seconds=20)  # wait before asking a platform about an unknown outcome
    request_timeout: timedelta = timedelta(seconds=30)  # per platform call
    shutdown_grace: timedelta = timedelta(seconds=20)  # in-flight calls get this long on SIGTERM
    workers: int = 4  # concurrent platform calls
    max_attempts: int = 8  # transient failures before a delivery is marked failed


@dataclass(frozen=True)
class Price:
    """What one post costs on a platform that charges per post (config ``[costs.PLATFORM]``)."""

    currency: str
    post: Decimal
    post_with_url: Decimal  # a post whose text carries a link (X charges more for those)


@dataclass(frozen=True)
class AccountsCheck:
    """What ``publisher accounts check`` looks for (config ``[accounts_check]``)."""

    service_phrase_cy: str = ""  # how a Welsh bio names the council service (policy 9.6)
    service_phrase_en: str = ""  # how an English bio names it
    expiry_warning: timedelta = timedelta(days=14)  # warn this long before a token expires


@dataclass(frozen=True)
class MediaSettings:
    """``[media]``: how images are prepared for upload (docs/configuration.md)."""

    max_pixels: int | None = None  # scale every image down to at most this many pixels (width x height)


@dataclass(frozen=True)
class AccessibilitySettings:
    """``[accessibility]``: which ``accessibility`` warnings are on (all by default; docs/content.md)."""

    hashtag_case: bool = True  # #TywyddGaeaf, not #tywyddgaeaf
    emoji: bool = True  # at most max_emoji, none in the middle of a sentence
    hashtag_position: bool = True  # hashtags at the end, not in the middle of the text
    links: bool = True  # at most one link
    capitals: bool = True  # no words in capitals
    alt_text: bool = True  # alt text that is not a file name and does not start "image of" / "llun o"
    max_emoji: int = 3


@dataclass(frozen=True)
class LinkPair:
    """A Welsh page (or URL prefix) and its English counterpart."""

    cy: str
    en: str


@dataclass(frozen=True)
class LinkSettings:
    """``[links]``: which pages are Welsh, English or bilingual, and click tagging (docs/configuration.md)."""

    prefixes: tuple[LinkPair, ...] = ()  # URL prefixes, e.g. .../cy/ and .../en/
    pages: tuple[LinkPair, ...] = ()  # exact pages, where the two languages' addresses differ
    bilingual: tuple[str, ...] = ()  # URL prefixes of pages that serve both languages
    utm_content: bool = False  # add utm_content=cy|en to links to these sites

    @property
    def hosts(self) -> frozenset[str]:
        """The sites named in ``[links]`` (the ones whose links ``utm_content`` tags)."""
        from urllib.parse import urlsplit

        urls = [u for pair in (*self.prefixes, *self.pages) for u in (pair.cy, pair.en)] + list(self.bilingual)
        return frozenset(urlsplit(u).netloc.lower() for u in urls if urlsplit(u).netloc)


@dataclass(frozen=True)
class InboxSettings:
    """The replies inbox (config ``[inbox]``; docs/inbox.md): off until the table is in the config.

    Messages from the public are personal data, so collecting them is a
    decision the council makes, not a default.
    """

    enabled: bool = False
    interval: timedelta = timedelta(minutes=5)  # how often the daemon collects
    answer_within: int = 5  # working days (policy 11.2: at most five)
    acknowledge_within: int = 1  # working days ("promptly", policy 11.2)
    keep_for: timedelta = timedelta(days=365)  # then bodies and authors are deleted; the counts stay
    communications_team: str = ""  # who is told when a comment is hidden (policy 12)
    accounts: tuple[str, ...] = ()  # the accounts collected from
    daily_reads: dict[str, int] = field(default_factory=dict)  # read caps where reads cost money (X)


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: the web workspace (docs/web.md). The secret key comes from the environment only."""

    host: str = "127.0.0.1"
    port: int = 8080
    secret_key_env: str = "PUBLISHER_WEB_SECRET_KEY"  # signs session cookies, derives second-factor secrets
    secure_cookies: bool = True  # false only to try it over plain http on one's own machine
    session_lifetime: timedelta = timedelta(hours=8)
    trusted_header: str = ""  # single sign-on: the user name, set by the identity proxy
    trusted_proxies: tuple[str, ...] = ()  # the addresses the header (and X-Forwarded-For) is believed from
    threads: int = 8


@dataclass(frozen=True)
class Config:
    """The validated configuration, with every path made absolute."""

    path: Path
    root: Path
    timezone: ZoneInfo
    content_dir: Path
    schedules_dir: Path
    database: str
    consent_register: Path
    wordbank: Path
    max_lateness: timedelta
    translation_team: TranslationTeam
    machine_translation: MachineTranslation
    accounts: dict[str, Account]
    emergency_authorised: tuple[str, ...]
    fingerprint: str
    audit_log: Path
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    costs: dict[str, Price] = field(default_factory=dict)
    accounts_check: AccountsCheck = field(default_factory=AccountsCheck)
    repository: Repository | None = None  # [content] repository: the daemon follows it (docs/configuration.md)
    notifications: Notifications = field(default_factory=Notifications)
    quiet_periods: tuple[QuietPeriod, ...] = ()
    after_pause: str = "publish"  # posts due during a pause: "publish" when it ends, or "expire"
    media: MediaSettings = field(default_factory=MediaSettings)
    accessibility: AccessibilitySettings = field(default_factory=AccessibilitySettings)
    links: LinkSettings = field(default_factory=LinkSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    web: WebSettings = field(default_factory=WebSettings)

    def platform_accounts(self, name: str) -> list[tuple[str, Account]]:
        """The concrete accounts behind ``name``, in publishing order.

        A pair expands to its Welsh account then its English account, each
        tagged with the one language it carries; a plain account carries both
        (``"cy+en"``).
        """
        account = self.accounts[name]
        if account.welsh_account is not None and account.english_account is not None:
            return [("cy", self.accounts[account.welsh_account]), ("en", self.accounts[account.english_account])]
        return [("cy+en", account)]

    @property
    def cache_dir(self) -> Path:
        """``.publisher-cache/`` under the project root: check verdicts, image text, word lists (safe to delete)."""
        return self.root / ".publisher-cache"

    def sqlite_file(self) -> Path | None:
        """The SQLite database file (relative paths against the project root); None for other databases.

        Answered without importing SQLAlchemy, so a command that only needs to
        know whether a database exists stays fast.
        """
        if not self.database.startswith("sqlite"):
            return None
        location = self.database.split("///", 1)[-1]
        if not location or location == ":memory:":
            return None
        path = Path(location)
        return path if path.is_absolute() else self.root / path


def _suggest(key: str, known: set[str] | tuple[str, ...]) -> str:
    match = difflib.get_close_matches(key, sorted(known), n=1)
    return _(" (did you mean '%(key)s'?)") % {"key": match[0]} if match else ""


def _check_keys(table: dict[str, Any], known: set[str], where: str, path: Path) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(
                _("%(file)s: unknown key '%(key)s'%(hint)s")
                % {"file": path, "key": f"{where}{key}", "hint": _suggest(key, known)}
            )


def _is_literal_secret(key: str, value: Any) -> bool:
    return (
        bool(_SECRET_KEY.search(key))
        and not key.endswith("_env")
        and isinstance(value, str | int)
        and bool(str(value).strip())
    )


def _has_url_password(value: Any) -> bool:
    """A URL with a password in it (``https://user:password@host``)."""
    if not isinstance(value, str) or "://" not in value or "@" not in value:
        return False
    try:
        return urlsplit(value.strip()).password is not None
    except ValueError:
        return False


def _check_no_secrets(table: Any, path: Path, prefix: str = "") -> None:
    """Refuse literal secrets anywhere in the file: they belong in the environment."""
    if not isinstance(table, dict):
        return
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _check_no_secrets(value, path, dotted + ".")
        elif _has_url_password(value):
            raise ConfigError(
                _(
                    "%(file)s: '%(key)s' is a URL with a password in it; credentials come from the environment only "
                    "(for the database, set PUBLISHER_DATABASE_URL; for an account, its credentials_env variables)"
                )
                % {"file": path, "key": dotted}
            )
        elif _is_literal_secret(key, value):
            raise ConfigError(
                _(
                    "%(file)s: '%(key)s' holds a secret written into the config file; "
                    "secrets must come from the environment: remove it, set an environment "
                    "variable and name it with 'credentials_env' (accounts) or 'key_env' "
                    "(machine translation)"
                )
                % {"file": path, "key": dotted}
            )


def _str(table: dict[str, Any], key: str, default: str, where: str, path: Path) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a string, not %(type)s")
            % {"file": path, "key": f"{where}{key}", "type": type(value).__name__}
        )
    return value


def _table(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(_("%(file)s: '[%(key)s]' must be a table") % {"file": path, "key": key})
    return value


def _parse_span(day: str, span: Any, path: Path) -> tuple[time, time]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", str(span).strip())
    try:
        if not match:
            raise ValueError
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ConfigError(
            _("%(file)s: '%(key)s' = %(value)r is not a span like \"09:00-17:00\"")
            % {"file": path, "key": f"translation_team.hours.{day}", "value": span}
        ) from None
    if end <= start:
        raise ConfigError(
            _("%(file)s: '%(key)s' ends before it starts") % {"file": path, "key": f"translation_team.hours.{day}"}
        )
    return start, end


def _parse_hours(raw: Any, path: Path) -> dict[str, tuple[time, time]]:
    if not isinstance(raw, dict):
        raise ConfigError(
            _("%(file)s: 'translation_team.hours' must be a table of day = \"HH:MM-HH:MM\"") % {"file": path}
        )
    hours: dict[str, tuple[time, time]] = {}
    for day, span in raw.items():
        if day not in WEEKDAYS:
            raise ConfigError(
                _("%(file)s: '%(key)s' is not a day%(hint)s; use mon, tue, wed, thu, fri, sat, sun")
                % {"file": path, "key": f"translation_team.hours.{day}", "hint": _suggest(day, set(WEEKDAYS))}
            )
        hours[day] = _parse_span(day, span, path)
    return hours


def _pair_platform(name: str, raw: dict[str, Any], path: Path) -> None:
    """A language pair names its two accounts and has no platform of its own."""
    if not ("welsh_account" in raw and "english_account" in raw):
        raise ConfigError(
            _("%(file)s: account '%(account)s' is a language pair and needs both 'welsh_account' and 'english_account'")
            % {"file": path, "account": name}
        )
    if "platform" in raw:
        raise ConfigError(
            _(
                "%(file)s: account '%(account)s' is a language pair: give 'platform' on its "
                "Welsh and English accounts, not on the pair"
            )
            % {"file": path, "account": name}
        )


def _account_platform(name: str, raw: dict[str, Any], path: Path) -> str:
    platform = raw.get("platform")
    platforms = ", ".join(SPECS)
    if platform is None:
        raise ConfigError(
            _("%(file)s: account '%(account)s' has no 'platform' (one of: %(platforms)s)")
            % {"file": path, "account": name, "platforms": platforms}
        )
    if platform not in SPECS:
        raise ConfigError(
            _("%(file)s: account '%(account)s' has unknown platform %(value)r%(hint)s; use one of: %(platforms)s")
            % {
                "file": path,
                "account": name,
                "value": platform,
                "hint": _suggest(str(platform), set(SPECS)),
                "platforms": platforms,
            }
        )
    return str(platform)


def _account_keys(platform: str | None) -> set[str]:
    """The keys an account of ``platform`` may have: the common ones and the platform's own options."""
    if platform is None:
        return set(_COMMON_ACCOUNT_KEYS)
    return set(_COMMON_ACCOUNT_KEYS) | set(SPECS[platform].options)


def _account_path(name: str, platform: str | None, raw: dict[str, Any], path: Path, root: Path) -> str | None:
    """The folder a file-writing platform (outbox, feed) writes to, against the project root."""
    if platform is None or "path" not in SPECS[platform].options:
        return None
    default = SPECS[platform].default_path.format(account=name)
    return str(root / _str(raw, "path", default, f"accounts.{name}.", path))


def _parse_account(name: str, raw: Any, path: Path, root: Path) -> Account:
    where = f"accounts.{name}."
    if not isinstance(raw, dict):
        raise ConfigError(_("%(file)s: '[%(key)s]' must be a table") % {"file": path, "key": f"accounts.{name}"})
    is_pair = "welsh_account" in raw or "english_account" in raw
    platform = None
    if is_pair:
        _pair_platform(name, raw, path)
    else:
        platform = _account_platform(name, raw, path)
    _check_keys(raw, _account_keys(platform), where, path)
    strategy = _str(raw, "strategy", "separate", where, path)
    if strategy not in STRATEGIES:
        raise ConfigError(
            _("%(file)s: account '%(account)s' has unknown strategy %(value)r%(hint)s; use one of: %(strategies)s")
            % {
                "file": path,
                "account": name,
                "value": strategy,
                "hint": _suggest(strategy, set(STRATEGIES)),
                "strategies": ", ".join(STRATEGIES),
            }
        )
    if platform is not None and strategy == "thread" and not SPECS[platform].can_reply:
        raise ConfigError(
            _(
                "%(file)s: account '%(account)s': %(platform)s cannot reply to a post, "
                "so it cannot take strategy 'thread'"
            )
            % {"file": path, "account": name, "platform": platform}
        )
    allow_split = raw.get("allow_split", False)
    if not isinstance(allow_split, bool):
        raise ConfigError(_("%(file)s: '%(key)s' must be true or false") % {"file": path, "key": f"{where}allow_split"})
    api_base = _str(raw, "api_base", "", where, path)
    if platform is not None and SPECS[platform].needs_api_base and not api_base:
        raise ConfigError(
            _("%(file)s: account '%(account)s' (%(platform)s) needs 'api_base': the server's address")
            % {"file": path, "account": name, "platform": platform}
        )
    return Account(
        name=name,
        platform=platform,
        strategy=strategy,
        administrator=raw.get("administrator"),
        administrator_email=check_address(raw.get("administrator_email"), f"{where}administrator_email", path),
        credentials_env=raw.get("credentials_env"),
        api_base=api_base,
        path=_account_path(name, platform, raw, path, root),
        welsh_account=raw.get("welsh_account"),
        english_account=raw.get("english_account"),
        allow_split=allow_split,
        options=_account_options(raw, root),
    )


def _account_options(raw: dict[str, Any], root: Path) -> dict[str, Any]:
    """The platform's own options; ``media_folder`` (where a served copy is written) against the project root."""
    options = {k: v for k, v in raw.items() if k not in _COMMON_ACCOUNT_KEYS}
    if isinstance(options.get("media_folder"), str) and options["media_folder"]:
        options["media_folder"] = str(root / options["media_folder"])
    return options


def _check_pairs(accounts: dict[str, Account], path: Path) -> None:
    for account in accounts.values():
        if not account.is_pair:
            continue
        for role in ("welsh_account", "english_account"):
            target = getattr(account, role)
            if target not in accounts:
                raise ConfigError(
                    _(
                        "%(file)s: account '%(account)s' names %(role)s '%(target)s', "
                        "which is not an account in the config%(hint)s"
                    )
                    % {
                        "file": path,
                        "account": account.name,
                        "role": role,
                        "target": target,
                        "hint": _suggest(str(target), set(accounts)),
                    }
                )
            if accounts[target].is_pair:
                raise ConfigError(
                    _("%(file)s: account '%(account)s': %(role)s '%(target)s' is itself a pair")
                    % {"file": path, "account": account.name, "role": role, "target": target}
                )


def _parse_accounts(raw: dict[str, Any], path: Path, root: Path) -> dict[str, Account]:
    accounts_raw = raw.get("accounts")
    if not isinstance(accounts_raw, dict) or not accounts_raw:
        raise ConfigError(_("%(file)s: no accounts: add at least one [accounts.NAME] table") % {"file": path})
    accounts = {name: _parse_account(name, acc, path, root) for name, acc in accounts_raw.items()}
    _check_pairs(accounts, path)
    return accounts


def _parse_daemon(raw: Any, path: Path) -> DaemonSettings:
    if not isinstance(raw, dict):
        raise ConfigError(_("%(file)s: '[%(key)s]' must be a table") % {"file": path, "key": "daemon"})
    _check_keys(raw, _DAEMON_KEYS, "daemon.", path)
    values: dict[str, Any] = {}
    for key, default in _DAEMON_DURATIONS.items():
        try:
            values[key] = parse_duration(str(raw.get(key, default)))
        except ValueError as exc:
            raise ConfigError(
                _("%(file)s: '%(key)s': %(problem)s") % {"file": path, "key": f"daemon.{key}", "problem": exc}
            ) from None
        if values[key].total_seconds() <= 0:
            raise ConfigError(
                _("%(file)s: '%(key)s' must be longer than zero") % {"file": path, "key": f"daemon.{key}"}
            )
    if values["lease"] < 2 * values["request_timeout"]:
        raise ConfigError(
            _(
                "%(file)s: 'daemon.lease' (%(lease)s) must be at least twice 'daemon.request_timeout' "
                "(%(timeout)s): a lease that can expire during a platform call risks a second post"
            )
            % {"file": path, "lease": values["lease"], "timeout": values["request_timeout"]}
        )
    for key in ("workers", "max_attempts"):
        value = raw.get(key, getattr(DaemonSettings, key))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(
                _("%(file)s: '%(key)s' must be a whole number >= %(minimum)d")
                % {"file": path, "key": f"daemon.{key}", "minimum": 1}
            )
        values[key] = value
    return DaemonSettings(**values)


def _amount(table: dict[str, Any], key: str, where: str, path: Path) -> Decimal:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a price: a number >= 0, e.g. 0.01") % {"file": path, "key": f"{where}{key}"}
        )
    return Decimal(str(value))


def _parse_price(platform: str, entry: Any, path: Path) -> Price:
    where = f"costs.{platform}."
    if platform not in SPECS:
        raise ConfigError(
            _("%(file)s: '[%(key)s]' names no platform%(hint)s; use one of: %(platforms)s")
            % {
                "file": path,
                "key": f"costs.{platform}",
                "hint": _suggest(platform, set(SPECS)),
                "platforms": ", ".join(SPECS),
            }
        )
    if not isinstance(entry, dict):
        raise ConfigError(_("%(file)s: '[%(key)s]' must be a table") % {"file": path, "key": f"costs.{platform}"})
    _check_keys(entry, _COST_KEYS, where, path)
    currency = _str(entry, "currency", "USD", where, path)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(
            _('%(file)s: \'%(key)s\' = %(value)r is not a currency code such as "USD" or "GBP"')
            % {"file": path, "key": f"{where}currency", "value": currency}
        )
    if "post" not in entry:
        raise ConfigError(
            _("%(file)s: '[%(key)s]' needs 'post': the price of one post") % {"file": path, "key": f"costs.{platform}"}
        )
    post = _amount(entry, "post", where, path)
    with_url = _amount(entry, "post_with_url", where, path) if "post_with_url" in entry else post
    return Price(currency=currency, post=post, post_with_url=with_url)


def _parse_costs(raw: dict[str, Any], path: Path) -> dict[str, Price]:
    return {platform: _parse_price(platform, entry, path) for platform, entry in _table(raw, "costs", path).items()}


def _parse_accounts_check(raw: dict[str, Any], path: Path) -> AccountsCheck:
    table = _table(raw, "accounts_check", path)
    where = "accounts_check."
    _check_keys(table, _ACCOUNTS_CHECK_KEYS, where, path)
    try:
        warning = parse_duration(_str(table, "expiry_warning", "14d", where, path))
    except ValueError as exc:
        raise ConfigError(
            _("%(file)s: '%(key)s': %(problem)s")
            % {"file": path, "key": "accounts_check.expiry_warning", "problem": exc}
        ) from None
    return AccountsCheck(
        service_phrase_cy=" ".join(_str(table, "service_phrase_cy", "", where, path).split()),
        service_phrase_en=" ".join(_str(table, "service_phrase_en", "", where, path).split()),
        expiry_warning=warning,
    )


def _inbox_duration(raw: dict[str, Any], key: str, default: str, path: Path) -> timedelta:
    try:
        value = parse_duration(_str(raw, key, default, "inbox.", path))
    except ValueError as exc:
        raise ConfigError(
            _("%(file)s: '%(key)s': %(problem)s") % {"file": path, "key": f"inbox.{key}", "problem": exc}
        ) from None
    if value.total_seconds() <= 0:
        raise ConfigError(_("%(file)s: '%(key)s' must be longer than zero") % {"file": path, "key": f"inbox.{key}"})
    return value


def _working_days(raw: dict[str, Any], key: str, default: str, path: Path) -> int:
    try:
        days = parse_working_days(_str(raw, key, default, "inbox.", path))
    except ValueError as exc:
        raise ConfigError(
            _("%(file)s: '%(key)s': %(problem)s") % {"file": path, "key": f"inbox.{key}", "problem": exc}
        ) from None
    if days < 1:
        raise ConfigError(
            _("%(file)s: '%(key)s' must be at least 1 working day") % {"file": path, "key": f"inbox.{key}"}
        )
    return days


def _daily_reads(raw: Any, accounts: dict[str, Account], path: Path) -> dict[str, int]:
    """Per-account caps on paid reads; only accounts whose platform charges for reads take one."""
    if not isinstance(raw, dict):
        raise ConfigError(_("%(file)s: 'inbox.daily_reads' must be a table of account = reads a day") % {"file": path})
    caps: dict[str, int] = {}
    for name, cap in raw.items():
        account = accounts.get(name)
        if account is None or account.platform is None or not SPECS[account.platform].paid_reads:
            raise ConfigError(
                _("%(file)s: '%(key)s': only an account whose platform charges for reads (X) takes a cap")
                % {"file": path, "key": f"inbox.daily_reads.{name}"}
            )
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise ConfigError(
                _("%(file)s: '%(key)s' must be a whole number of reads >= 1")
                % {"file": path, "key": f"inbox.daily_reads.{name}"}
            )
        caps[name] = cap
    return caps


def _inbox_accounts(raw: Any, accounts: dict[str, Account], caps: dict[str, int], path: Path) -> tuple[str, ...]:
    """The accounts to collect from: those named, or every one whose platform the inbox can read (paid ones capped)."""
    if raw is None:
        return tuple(
            name
            for name, account in accounts.items()
            if account.platform is not None
            and SPECS[account.platform].can_collect
            and (not SPECS[account.platform].paid_reads or name in caps)
        )
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise ConfigError(_("%(file)s: 'inbox.accounts' must be a list of account names") % {"file": path})
    for name in raw:
        account = accounts.get(name)
        if account is None or account.platform is None:
            raise ConfigError(
                _("%(file)s: 'inbox.accounts' names '%(account)s', which is not a platform account in the config")
                % {"file": path, "account": name}
            )
        record = SPECS[account.platform]
        if not record.can_collect:
            raise ConfigError(
                _("%(file)s: 'inbox.accounts': the inbox cannot read %(platform)s ('%(account)s')")
                % {"file": path, "platform": record.title, "account": name}
            )
        if record.paid_reads and name not in caps:
            raise ConfigError(
                _(
                    "%(file)s: 'inbox.accounts': reads cost money on %(platform)s: give '%(account)s' a cap in "
                    "[inbox.daily_reads] (reads a day) to opt in"
                )
                % {"file": path, "platform": record.title, "account": name}
            )
    return tuple(raw)


def _parse_inbox(raw: dict[str, Any], accounts: dict[str, Account], path: Path) -> InboxSettings:
    if "inbox" not in raw:
        return InboxSettings()
    inbox = _table(raw, "inbox", path)
    _check_keys(inbox, _INBOX_KEYS, "inbox.", path)
    answer = _working_days(inbox, "answer_within", "5 working days", path)
    acknowledge = _working_days(inbox, "acknowledge_within", "1 working day", path)
    if acknowledge > answer:
        raise ConfigError(
            _("%(file)s: 'inbox.acknowledge_within' is longer than 'inbox.answer_within'") % {"file": path}
        )
    caps = _daily_reads(inbox.get("daily_reads", {}), accounts, path)
    return InboxSettings(
        enabled=True,
        interval=_inbox_duration(inbox, "interval", "5m", path),
        answer_within=answer,
        acknowledge_within=acknowledge,
        keep_for=_inbox_duration(inbox, "keep_for", "1y", path),
        communications_team=_str(inbox, "communications_team", "", "inbox.", path),
        accounts=_inbox_accounts(inbox.get("accounts"), accounts, caps, path),
        daily_reads=caps,
    )


def _parse_team(raw: dict[str, Any], path: Path) -> TranslationTeam:
    team_raw = _table(raw, "translation_team", path)
    _check_keys(team_raw, _TEAM_KEYS, "translation_team.", path)
    review_days = team_raw.get("review_within_working_days", 1)
    if not isinstance(review_days, int) or isinstance(review_days, bool) or review_days < 0:
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a whole number >= %(minimum)d")
            % {"file": path, "key": "translation_team.review_within_working_days", "minimum": 0}
        )
    holidays_name = _str(team_raw, "holidays", "GB-WLS", "translation_team.", path)
    if holidays_name not in ("GB-WLS", ""):
        raise ConfigError(
            _(
                "%(file)s: 'translation_team.holidays' = %(value)r: only \"GB-WLS\" "
                '(bank holidays in Wales) or "" (none) are supported'
            )
            % {"file": path, "value": holidays_name}
        )
    members = team_raw.get("members", [])
    if not isinstance(members, list) or not all(isinstance(name, str) and name.strip() for name in members):
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a list of names") % {"file": path, "key": "translation_team.members"}
        )
    return TranslationTeam(
        hours=_parse_hours(team_raw.get("hours", DEFAULT_HOURS), path),
        holidays=holidays_name,
        review_within_working_days=review_days,
        members=tuple(name.strip() for name in members),
    )


def _parse_machine_translation(raw: dict[str, Any], path: Path) -> MachineTranslation:
    mt_raw = _table(raw, "machine_translation", path)
    _check_keys(mt_raw, _MT_KEYS, "machine_translation.", path)
    provider = _str(mt_raw, "provider", "microsoft", "machine_translation.", path)
    if provider.strip().lower() != "microsoft":
        raise ConfigError(
            _(
                "%(file)s: 'machine_translation.provider' = %(value)r is refused: the social media "
                "policy (section 8.5) allows only Microsoft translator, on the emergency "
                'public-safety path, and forbids Google Translate. Set provider = "microsoft".'
            )
            % {"file": path, "value": provider}
        )
    where = "machine_translation."
    mt = MachineTranslation(
        provider="microsoft",
        endpoint=_str(mt_raw, "endpoint", MachineTranslation.endpoint, where, path),
        key_env=_str(mt_raw, "key_env", MachineTranslation.key_env, where, path),
        region=_str(mt_raw, "region", MachineTranslation.region, where, path),
    )
    if "google" in mt.endpoint.lower():
        raise ConfigError(
            _(
                "%(file)s: 'machine_translation.endpoint' points at Google; the social media policy "
                "(section 8.5) forbids Google Translate. Use the Microsoft Translator endpoint."
            )
            % {"file": path}
        )
    return mt


def _parse_authorised(raw: dict[str, Any], path: Path) -> tuple[str, ...]:
    emergency_raw = _table(raw, "emergency", path)
    _check_keys(emergency_raw, _EMERGENCY_KEYS, "emergency.", path)
    authorised = emergency_raw.get("authorised", [])
    if not isinstance(authorised, list) or not all(isinstance(a, str) for a in authorised):
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a list of names") % {"file": path, "key": "emergency.authorised"}
        )
    return tuple(authorised)


def _whole_number(value: Any, where: str, path: Path, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a whole number >= %(minimum)d")
            % {"file": path, "key": where, "minimum": minimum}
        )
    return value


def _parse_media(raw: dict[str, Any], path: Path) -> MediaSettings:
    table = _table(raw, "media", path)
    _check_keys(table, _MEDIA_KEYS, "media.", path)
    if "max_pixels" not in table or table["max_pixels"] == 0:
        return MediaSettings()
    return MediaSettings(max_pixels=_whole_number(table["max_pixels"], "media.max_pixels", path, 10_000))


def _parse_accessibility(raw: dict[str, Any], path: Path) -> AccessibilitySettings:
    table = _table(raw, "accessibility", path)
    _check_keys(table, _ACCESSIBILITY_KEYS, "accessibility.", path)
    values: dict[str, Any] = {}
    for key in _ACCESSIBILITY_CHECKS:
        value = table.get(key, True)
        if not isinstance(value, bool):
            raise ConfigError(
                _("%(file)s: '%(key)s' must be true or false") % {"file": path, "key": f"accessibility.{key}"}
            )
        values[key] = value
    values["max_emoji"] = _whole_number(table.get("max_emoji", 3), "accessibility.max_emoji", path, 0)
    return AccessibilitySettings(**values)


def _url(value: Any, where: str, path: Path) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(
            _("%(file)s: '%(key)s' must be a web address starting https://, not %(value)r")
            % {"file": path, "key": where, "value": value}
        )
    return value


def _link_pairs(table: dict[str, Any], key: str, path: Path) -> tuple[LinkPair, ...]:
    items = table.get(key, [])
    if not isinstance(items, list):
        raise ConfigError(
            _('%(file)s: \'%(key)s\' must be a list of {cy = "https://...", en = "https://..."}')
            % {"file": path, "key": f"links.{key}"}
        )
    pairs = []
    for index, item in enumerate(items):
        where = f"links.{key}[{index}]"
        if not isinstance(item, dict) or set(item) != {"cy", "en"}:
            raise ConfigError(
                _('%(file)s: \'%(key)s\' must be {cy = "https://...", en = "https://..."}')
                % {"file": path, "key": where}
            )
        pairs.append(LinkPair(cy=_url(item["cy"], where + ".cy", path), en=_url(item["en"], where + ".en", path)))
    return tuple(pairs)


def _parse_links(raw: dict[str, Any], path: Path) -> LinkSettings:
    table = _table(raw, "links", path)
    _check_keys(table, _LINK_KEYS, "links.", path)
    bilingual = table.get("bilingual", [])
    if not isinstance(bilingual, list):
        raise ConfigError(_("%(file)s: 'links.bilingual' must be a list of web addresses") % {"file": path})
    utm = table.get("utm_content", False)
    if not isinstance(utm, bool):
        raise ConfigError(_("%(file)s: '%(key)s' must be true or false") % {"file": path, "key": "links.utm_content"})
    return LinkSettings(
        prefixes=_link_pairs(table, "prefixes", path),
        pages=_link_pairs(table, "pages", path),
        bilingual=tuple(_url(u, f"links.bilingual[{i}]", path) for i, u in enumerate(bilingual)),
        utm_content=utm,
    )


def _addresses(raw: Any, path: Path) -> tuple[str, ...]:
    import ipaddress

    if not isinstance(raw, list):
        raise ConfigError(
            _("%(file)s: 'web.trusted_proxies' must be a list of addresses, e.g. [\"127.0.0.1\"]") % {"file": path}
        )
    for item in raw:
        try:
            ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            raise ConfigError(
                _("%(file)s: 'web.trusted_proxies': %(value)r is not an IP address or network")
                % {"file": path, "value": item}
            ) from None
    return tuple(str(item) for item in raw)


def _parse_web(raw: dict[str, Any], path: Path) -> WebSettings:
    table = _table(raw, "web", path)
    _check_keys(table, _WEB_KEYS, "web.", path)
    port = _whole_number(table.get("port", 8080), "web.port", path, 1)
    if port > 65535:
        raise ConfigError(_("%(file)s: 'web.port' must be a port number, 1 to 65535") % {"file": path})
    secure = table.get("secure_cookies", True)
    if not isinstance(secure, bool):
        raise ConfigError(_("%(file)s: '%(key)s' must be true or false") % {"file": path, "key": "web.secure_cookies"})
    try:
        lifetime = parse_duration(_str(table, "session_lifetime", "8h", "web.", path))
    except ValueError as exc:
        raise ConfigError(
            _("%(file)s: '%(key)s': %(problem)s") % {"file": path, "key": "web.session_lifetime", "problem": exc}
        ) from None
    header = _str(table, "trusted_header", "", "web.", path).strip()
    proxies = _addresses(table.get("trusted_proxies", []), path)
    if header and not proxies:
        raise ConfigError(
            _("%(file)s: 'web.trusted_header' needs 'web.trusted_proxies': the proxies it is believed from")
            % {"file": path}
        )
    return WebSettings(
        host=_str(table, "host", "127.0.0.1", "web.", path),
        port=port,
        secret_key_env=_str(table, "secret_key_env", "PUBLISHER_WEB_SECRET_KEY", "web.", path),
        secure_cookies=secure,
        session_lifetime=lifetime,
        trusted_header=header,
        trusted_proxies=proxies,
        threads=_whole_number(table.get("threads", 8), "web.threads", path, 1),
    )


def _parse_timezone(raw: dict[str, Any], path: Path) -> ZoneInfo:
    tz_name = _str(raw, "timezone", "Europe/London", "", path)
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            _('%(file)s: unknown timezone %(value)r (e.g. "Europe/London")') % {"file": path, "value": tz_name}
        ) from None


def _parse_max_lateness(raw: dict[str, Any], path: Path) -> timedelta:
    try:
        return parse_duration(_str(raw, "max_lateness", "6h", "", path))
    except ValueError as exc:
        raise ConfigError(
            _("%(file)s: '%(key)s': %(problem)s") % {"file": path, "key": "max_lateness", "problem": exc}
        ) from None


def default_config_path() -> Path:
    """``config/publisher.toml`` in the current folder (docs/commands.md)."""
    return Path("config") / "publisher.toml"


def _read_toml(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        data_bytes = read_bounded(path, MAX_CONFIG_BYTES)
    except UnreadableFile as exc:
        raise ConfigError(_("config file %(file)s %(problem)s") % {"file": path, "problem": exc}) from None
    except FileNotFoundError:
        raise ConfigError(
            _("config file not found: %(file)s (run from your project folder, or pass --config PATH)") % {"file": path}
        ) from None
    except OSError as exc:
        raise ConfigError(
            _("cannot read config file %(file)s: %(problem)s") % {"file": path, "problem": exc.strerror}
        ) from None
    try:
        return data_bytes, tomllib.loads(data_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(_("%(file)s: the file is not UTF-8 text") % {"file": path}) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("%(file)s: not valid TOML: %(problem)s") % {"file": path, "problem": exc}) from None


def load_config(path: Path | None = None) -> Config:
    """Read, validate and resolve the config file at ``path``.

    With ``[content] repository``, the content, schedules and registers are
    read from the daemon's working copy of that repository, at the same
    places as in the repository (docs/configuration.md "content").
    """
    path = Path(path) if path is not None else default_config_path()
    data_bytes, raw = _read_toml(path)
    _check_no_secrets(raw, path)
    _check_keys(raw, _TOP_KEYS, "", path)
    root = path.resolve().parent.parent
    database = os.environ.get("PUBLISHER_DATABASE_URL") or _str(raw, "database", "sqlite:///publisher.db", "", path)
    repository = parse_repository(raw, path, root)
    content_root = repository.working_copy if repository is not None else root
    timezone = _parse_timezone(raw, path)
    accounts = _parse_accounts(raw, path, root)
    return Config(
        path=path,
        root=root,
        timezone=timezone,
        content_dir=content_root / _str(raw, "content_dir", "content", "", path),
        schedules_dir=content_root / _str(raw, "schedules_dir", "schedules", "", path),
        database=database,
        consent_register=content_root / _str(raw, "consent_register", "config/consent.csv", "", path),
        wordbank=content_root / _str(raw, "wordbank", "config/wordbank.yaml", "", path),
        max_lateness=_parse_max_lateness(raw, path),
        translation_team=_parse_team(raw, path),
        machine_translation=_parse_machine_translation(raw, path),
        accounts=accounts,
        emergency_authorised=_parse_authorised(raw, path),
        fingerprint=hashlib.sha256(data_bytes).hexdigest(),
        audit_log=root / _str(raw, "audit_log", "audit.log", "", path),
        daemon=_parse_daemon(raw.get("daemon", {}), path),
        costs=_parse_costs(raw, path),
        accounts_check=_parse_accounts_check(raw, path),
        repository=repository,
        notifications=parse_notifications(raw, path),
        quiet_periods=parse_quiet_periods(raw, path, timezone, set(accounts)),
        after_pause=parse_after_pause(raw, path),
        media=_parse_media(raw, path),
        accessibility=_parse_accessibility(raw, path),
        links=_parse_links(raw, path),
        inbox=_parse_inbox(raw, accounts, path),
        web=_parse_web(raw, path),
    )
