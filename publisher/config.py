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
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.durations import parse_duration, parse_working_days
from publisher.errors import ConfigError
from publisher.platforms.account import Account
from publisher.platforms.specs import SPECS

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
    "inbox",
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
)
_TEAM_KEYS = {"hours", "holidays", "review_within_working_days"}
_MT_KEYS = {"provider", "endpoint", "key_env", "region"}
_EMERGENCY_KEYS = {"authorised"}
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
_INBOX_KEYS = {
    "interval",
    "answer_within",
    "acknowledge_within",
    "keep_for",
    "communications_team",
    "accounts",
    "daily_reads",
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
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)

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
    return f" (did you mean '{match[0]}'?)" if match else ""


def _check_keys(table: dict[str, Any], known: set[str], where: str, path: Path) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{path}: unknown key '{where}{key}'{_suggest(key, known)}")


def _is_literal_secret(key: str, value: Any) -> bool:
    return (
        bool(_SECRET_KEY.search(key))
        and not key.endswith("_env")
        and isinstance(value, str | int)
        and bool(str(value).strip())
    )


def _check_no_secrets(table: Any, path: Path, prefix: str = "") -> None:
    """Refuse literal secrets anywhere in the file: they belong in the environment."""
    if not isinstance(table, dict):
        return
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _check_no_secrets(value, path, dotted + ".")
        elif _is_literal_secret(key, value):
            raise ConfigError(
                f"{path}: '{dotted}' holds a secret written into the config file; "
                "secrets must come from the environment: remove it, set an environment "
                "variable and name it with 'credentials_env' (accounts) or 'key_env' "
                "(machine translation)"
            )


def _str(table: dict[str, Any], key: str, default: str, where: str, path: Path) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{path}: '{where}{key}' must be a string, not {type(value).__name__}")
    return value


def _table(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '[{key}]' must be a table")
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
            f"{path}: 'translation_team.hours.{day}' = {span!r} is not a span like \"09:00-17:00\""
        ) from None
    if end <= start:
        raise ConfigError(f"{path}: 'translation_team.hours.{day}' ends before it starts")
    return start, end


def _parse_hours(raw: Any, path: Path) -> dict[str, tuple[time, time]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'translation_team.hours' must be a table of day = \"HH:MM-HH:MM\"")
    hours: dict[str, tuple[time, time]] = {}
    for day, span in raw.items():
        if day not in WEEKDAYS:
            raise ConfigError(
                f"{path}: 'translation_team.hours.{day}' is not a day{_suggest(day, set(WEEKDAYS))}; "
                "use mon, tue, wed, thu, fri, sat, sun"
            )
        hours[day] = _parse_span(day, span, path)
    return hours


def _pair_platform(name: str, raw: dict[str, Any], path: Path) -> None:
    """A language pair names its two accounts and has no platform of its own."""
    if not ("welsh_account" in raw and "english_account" in raw):
        raise ConfigError(
            f"{path}: account '{name}' is a language pair and needs both 'welsh_account' and 'english_account'"
        )
    if "platform" in raw:
        raise ConfigError(
            f"{path}: account '{name}' is a language pair: give 'platform' on its "
            "Welsh and English accounts, not on the pair"
        )


def _account_platform(name: str, raw: dict[str, Any], path: Path) -> str:
    platform = raw.get("platform")
    platforms = ", ".join(SPECS)
    if platform is None:
        raise ConfigError(f"{path}: account '{name}' has no 'platform' (one of: {platforms})")
    if platform not in SPECS:
        raise ConfigError(
            f"{path}: account '{name}' has unknown platform {platform!r}"
            f"{_suggest(str(platform), set(SPECS))}; use one of: {platforms}"
        )
    return str(platform)


def _account_keys(platform: str | None) -> set[str]:
    """The keys an account of ``platform`` may have: the common ones and the platform's own options."""
    if platform is None:
        return set(_COMMON_ACCOUNT_KEYS)
    return set(_COMMON_ACCOUNT_KEYS) | set(SPECS[platform].options)


def _parse_account(name: str, raw: Any, path: Path, root: Path) -> Account:
    where = f"accounts.{name}."
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: '[accounts.{name}]' must be a table")
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
            f"{path}: account '{name}' has unknown strategy {strategy!r}"
            f"{_suggest(strategy, set(STRATEGIES))}; use one of: {', '.join(STRATEGIES)}"
        )
    if platform is not None and strategy == "thread" and not SPECS[platform].can_reply:
        raise ConfigError(
            f"{path}: account '{name}': {platform} cannot reply to a post, so it cannot take strategy 'thread'"
        )
    allow_split = raw.get("allow_split", False)
    if not isinstance(allow_split, bool):
        raise ConfigError(f"{path}: '{where}allow_split' must be true or false")
    api_base = _str(raw, "api_base", "", where, path)
    if platform is not None and SPECS[platform].needs_api_base and not api_base:
        raise ConfigError(f"{path}: account '{name}' ({platform}) needs 'api_base': the server's address")
    return Account(
        name=name,
        platform=platform,
        strategy=strategy,
        administrator=raw.get("administrator"),
        credentials_env=raw.get("credentials_env"),
        api_base=api_base,
        path=str(root / _str(raw, "path", "outbox", where, path)) if "path" in _account_keys(platform) else None,
        welsh_account=raw.get("welsh_account"),
        english_account=raw.get("english_account"),
        allow_split=allow_split,
        options={k: v for k, v in raw.items() if k not in _COMMON_ACCOUNT_KEYS},
    )


def _check_pairs(accounts: dict[str, Account], path: Path) -> None:
    for account in accounts.values():
        if not account.is_pair:
            continue
        for role in ("welsh_account", "english_account"):
            target = getattr(account, role)
            if target not in accounts:
                raise ConfigError(
                    f"{path}: account '{account.name}' names {role} '{target}', which is not an "
                    f"account in the config{_suggest(str(target), set(accounts))}"
                )
            if accounts[target].is_pair:
                raise ConfigError(f"{path}: account '{account.name}': {role} '{target}' is itself a pair")


def _parse_accounts(raw: dict[str, Any], path: Path, root: Path) -> dict[str, Account]:
    accounts_raw = raw.get("accounts")
    if not isinstance(accounts_raw, dict) or not accounts_raw:
        raise ConfigError(f"{path}: no accounts: add at least one [accounts.NAME] table")
    accounts = {name: _parse_account(name, acc, path, root) for name, acc in accounts_raw.items()}
    _check_pairs(accounts, path)
    return accounts


def _parse_daemon(raw: Any, path: Path) -> DaemonSettings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: '[daemon]' must be a table")
    _check_keys(raw, _DAEMON_KEYS, "daemon.", path)
    values: dict[str, Any] = {}
    for key, default in _DAEMON_DURATIONS.items():
        try:
            values[key] = parse_duration(str(raw.get(key, default)))
        except ValueError as exc:
            raise ConfigError(f"{path}: 'daemon.{key}': {exc}") from None
        if values[key].total_seconds() <= 0:
            raise ConfigError(f"{path}: 'daemon.{key}' must be longer than zero")
    if values["lease"] < 2 * values["request_timeout"]:
        raise ConfigError(
            f"{path}: 'daemon.lease' ({values['lease']}) must be at least twice 'daemon.request_timeout' "
            f"({values['request_timeout']}): a lease that can expire during a platform call risks a second post"
        )
    for key in ("workers", "max_attempts"):
        value = raw.get(key, getattr(DaemonSettings, key))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{path}: 'daemon.{key}' must be a whole number >= 1")
        values[key] = value
    return DaemonSettings(**values)


def _inbox_duration(raw: dict[str, Any], key: str, default: str, path: Path) -> timedelta:
    try:
        value = parse_duration(_str(raw, key, default, "inbox.", path))
    except ValueError as exc:
        raise ConfigError(f"{path}: 'inbox.{key}': {exc}") from None
    if value.total_seconds() <= 0:
        raise ConfigError(f"{path}: 'inbox.{key}' must be longer than zero")
    return value


def _working_days(raw: dict[str, Any], key: str, default: str, path: Path) -> int:
    try:
        days = parse_working_days(_str(raw, key, default, "inbox.", path))
    except ValueError as exc:
        raise ConfigError(f"{path}: 'inbox.{key}': {exc}") from None
    if days < 1:
        raise ConfigError(f"{path}: 'inbox.{key}' must be at least 1 working day")
    return days


def _daily_reads(raw: Any, accounts: dict[str, Account], path: Path) -> dict[str, int]:
    """Per-account caps on paid reads; only accounts whose platform charges for reads take one."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'inbox.daily_reads' must be a table of account = reads a day")
    caps: dict[str, int] = {}
    for name, cap in raw.items():
        account = accounts.get(name)
        if account is None or account.platform is None or not SPECS[account.platform].paid_reads:
            raise ConfigError(
                f"{path}: 'inbox.daily_reads.{name}': only an account whose platform charges for reads (X) takes a cap"
            )
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise ConfigError(f"{path}: 'inbox.daily_reads.{name}' must be a whole number of reads >= 1")
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
        raise ConfigError(f"{path}: 'inbox.accounts' must be a list of account names")
    for name in raw:
        account = accounts.get(name)
        if account is None or account.platform is None:
            raise ConfigError(f"{path}: 'inbox.accounts' names '{name}', which is not a platform account in the config")
        record = SPECS[account.platform]
        if not record.can_collect:
            raise ConfigError(f"{path}: 'inbox.accounts': the inbox cannot read {record.title} ('{name}')")
        if record.paid_reads and name not in caps:
            raise ConfigError(
                f"{path}: 'inbox.accounts': reads cost money on {record.title}: give '{name}' a cap in "
                f"[inbox.daily_reads] (reads a day) to opt in"
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
        raise ConfigError(f"{path}: 'inbox.acknowledge_within' is longer than 'inbox.answer_within'")
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
        raise ConfigError(f"{path}: 'translation_team.review_within_working_days' must be a whole number >= 0")
    holidays_name = _str(team_raw, "holidays", "GB-WLS", "translation_team.", path)
    if holidays_name not in ("GB-WLS", ""):
        raise ConfigError(
            f"{path}: 'translation_team.holidays' = {holidays_name!r}: only \"GB-WLS\" "
            '(bank holidays in Wales) or "" (none) are supported'
        )
    return TranslationTeam(
        hours=_parse_hours(team_raw.get("hours", DEFAULT_HOURS), path),
        holidays=holidays_name,
        review_within_working_days=review_days,
    )


def _parse_machine_translation(raw: dict[str, Any], path: Path) -> MachineTranslation:
    mt_raw = _table(raw, "machine_translation", path)
    _check_keys(mt_raw, _MT_KEYS, "machine_translation.", path)
    provider = _str(mt_raw, "provider", "microsoft", "machine_translation.", path)
    if provider.strip().lower() != "microsoft":
        raise ConfigError(
            f"{path}: 'machine_translation.provider' = {provider!r} is refused: the social media "
            "policy (section 8.5) allows only Microsoft translator, on the emergency "
            'public-safety path, and forbids Google Translate. Set provider = "microsoft".'
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
            f"{path}: 'machine_translation.endpoint' points at Google; the social media policy "
            "(section 8.5) forbids Google Translate. Use the Microsoft Translator endpoint."
        )
    return mt


def _parse_authorised(raw: dict[str, Any], path: Path) -> tuple[str, ...]:
    emergency_raw = _table(raw, "emergency", path)
    _check_keys(emergency_raw, _EMERGENCY_KEYS, "emergency.", path)
    authorised = emergency_raw.get("authorised", [])
    if not isinstance(authorised, list) or not all(isinstance(a, str) for a in authorised):
        raise ConfigError(f"{path}: 'emergency.authorised' must be a list of names")
    return tuple(authorised)


def _parse_timezone(raw: dict[str, Any], path: Path) -> ZoneInfo:
    tz_name = _str(raw, "timezone", "Europe/London", "", path)
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f'{path}: unknown timezone {tz_name!r} (e.g. "Europe/London")') from None


def _parse_max_lateness(raw: dict[str, Any], path: Path) -> timedelta:
    try:
        return parse_duration(_str(raw, "max_lateness", "6h", "", path))
    except ValueError as exc:
        raise ConfigError(f"{path}: 'max_lateness': {exc}") from None


def default_config_path() -> Path:
    """``config/publisher.toml`` in the current folder (docs/commands.md)."""
    return Path("config") / "publisher.toml"


def _read_toml(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        data_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path} (run from your project folder, or pass --config PATH)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return data_bytes, tomllib.loads(data_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_config(path: Path | None = None) -> Config:
    """Read, validate and resolve the config file at ``path``."""
    path = Path(path) if path is not None else default_config_path()
    data_bytes, raw = _read_toml(path)
    _check_no_secrets(raw, path)
    _check_keys(raw, _TOP_KEYS, "", path)
    root = path.resolve().parent.parent
    database = os.environ.get("PUBLISHER_DATABASE_URL") or _str(raw, "database", "sqlite:///publisher.db", "", path)
    accounts = _parse_accounts(raw, path, root)
    return Config(
        path=path,
        root=root,
        timezone=_parse_timezone(raw, path),
        content_dir=root / _str(raw, "content_dir", "content", "", path),
        schedules_dir=root / _str(raw, "schedules_dir", "schedules", "", path),
        database=database,
        consent_register=root / _str(raw, "consent_register", "config/consent.csv", "", path),
        wordbank=root / _str(raw, "wordbank", "config/wordbank.yaml", "", path),
        max_lateness=_parse_max_lateness(raw, path),
        translation_team=_parse_team(raw, path),
        machine_translation=_parse_machine_translation(raw, path),
        accounts=accounts,
        emergency_authorised=_parse_authorised(raw, path),
        fingerprint=hashlib.sha256(data_bytes).hexdigest(),
        daemon=_parse_daemon(raw.get("daemon", {}), path),
        inbox=_parse_inbox(raw, accounts, path),
    )
