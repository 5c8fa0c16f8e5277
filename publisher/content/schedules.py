"""Schedules in ``schedules/`` (docs/schedules.md): posting rhythms and recurring bilingual posts.

A schedule names slots (days and a local time). Posts with ``schedule: NAME``
take the next free slot; a schedule with ``recurring`` texts produces one
post per slot. Slot times follow the clocks: a slot in the hour that does not
exist (spring) runs at the first valid minute after it; a slot in the hour
that happens twice (autumn) runs once, at the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.config import WEEKDAYS, Config
from publisher.content.post import Post, decode
from publisher.content.safe_yaml import Loaded, YamlProblem, key_lines, load
from publisher.files import KIB, UnreadableFile, read_bounded
from publisher.i18n import _

KEYS = ("name", "timezone", "accounts", "slots", "skip_bank_holidays", "recurring", "translation", "starts")


@dataclass(frozen=True)
class Slot:
    days: tuple[int, ...]  # 0 = Monday
    at: time


@dataclass
class Schedule:
    """One schedule file, validated; ``problems`` holds (line, message) for ``publisher check``."""

    name: str
    path: Path
    timezone: ZoneInfo
    accounts: list[str] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    skip_bank_holidays: bool = False
    starts: date | None = None  # no slot before this day (a rhythm that begins next term)
    recurring: dict[str, str] | None = None
    reviewed: bool = False
    reviewer: str = ""
    problems: list[tuple[int, str]] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant of local ``day`` ``at`` in ``tz``: first valid minute after a gap, first of a repeat."""
    candidate = datetime.combine(day, at).replace(tzinfo=tz, fold=0)
    for _minute in range(24 * 60):
        roundtrip = candidate.astimezone(UTC).astimezone(tz)
        if roundtrip.replace(tzinfo=None) == candidate.replace(tzinfo=None):
            return candidate.astimezone(UTC)
        candidate = (candidate.replace(tzinfo=None) + timedelta(minutes=1)).replace(tzinfo=tz, fold=0)
    raise ValueError(_("no valid local time after %(day)s %(at)s in %(zone)s") % {"day": day, "at": at, "zone": tz.key})


def slot_times(schedule: Schedule, start: datetime, config: Config) -> Iterator[datetime]:
    """The schedule's slot instants (UTC) from ``start`` on, in order, bank holidays skipped if asked."""
    from publisher.workdays import bank_holidays

    day = start.astimezone(schedule.timezone).date()
    if schedule.starts is not None and schedule.starts > day:
        day = schedule.starts
    for _day in range(366 * 3):
        if not (schedule.skip_bank_holidays and day in bank_holidays(day.year)):
            for when in sorted(
                local_instant(day, s.at, schedule.timezone) for s in schedule.slots if day.weekday() in s.days
            ):
                if when >= start:
                    yield when
        day += timedelta(days=1)


def _bad_days(days: Any) -> str | None:
    """What is wrong with a slot's ``days``, or None."""
    if isinstance(days, list) and days and all(isinstance(d, str) and d.lower() in WEEKDAYS for d in days):
        return None
    bad = (
        [d for d in days or [] if not (isinstance(d, str) and d.lower() in WEEKDAYS)]
        if isinstance(days, list)
        else [days]
    )
    hint = difflib.get_close_matches(str(bad[0]).lower(), WEEKDAYS, n=1) if bad else []
    values = {"days": ", ".join(WEEKDAYS), "bad": bad[0] if bad else "", "match": hint[0] if hint else ""}
    if hint:
        return _("days must be from %(days)s ('%(bad)s': did you mean '%(match)s'?)") % values
    return _("days must be from %(days)s") % values


def _parse_slot(index: int, item: Any) -> Slot | str:
    """One slot, or what is wrong with it."""
    if not isinstance(item, dict) or set(item) - {"days", "at"}:
        return _('slot %(number)d must be {days: [...], at: "HH:MM"}') % {"number": index + 1}
    problem = _bad_days(item.get("days"))
    if problem:
        return _("slot %(number)d: %(problem)s") % {"number": index + 1, "problem": problem}
    try:
        hour, minute = (int(p) for p in str(item.get("at", "")).split(":"))
        at = time(hour, minute)
    except ValueError:
        return _('slot %(number)d: at = %(value)s is not a time like "10:00"') % {
            "number": index + 1,
            "value": repr(item.get("at")),
        }
    return Slot(days=tuple(sorted(WEEKDAYS.index(d.lower()) for d in item["days"])), at=at)


def _parse_slots(raw: Any, schedule: Schedule) -> None:
    line = schedule.line("slots")
    if not isinstance(raw, list) or not raw:
        schedule.problems.append((line, _("'slots' must be a list like '- {days: [tue, fri], at: \"10:00\"}'")))
        return
    for index, item in enumerate(raw):
        slot = _parse_slot(index, item)
        if isinstance(slot, str):
            schedule.problems.append((line, slot))
        else:
            schedule.slots.append(slot)


MAX_BYTES = 256 * KIB


def _load(path: Path, root: Path | None) -> Loaded:
    """The schedule file through the bounded reader and the safe YAML loader."""
    try:
        return load(decode(read_bounded(path, MAX_BYTES, root)))
    except UnreadableFile as exc:
        raise YamlProblem(0, _("the schedule file %(problem)s") % {"problem": exc}) from None
    except (OSError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else exc
        raise YamlProblem(0, _("cannot read the schedule: %(problem)s") % {"problem": detail}) from None


def _read(path: Path, schedule: Schedule, root: Path | None) -> dict[str, Any] | None:
    """The schedule file's mapping (with key lines recorded), or None with the problem recorded."""
    try:
        loaded = _load(path, root)
    except YamlProblem as exc:
        schedule.problems.append((exc.line + 1, exc.message))
        return None
    schedule.lines = {key: line + 1 for key, line in key_lines(loaded.node).items()}
    data = loaded.data if loaded.node is not None else {}
    if not isinstance(data, dict):
        schedule.problems.append((1, _("a schedule must be a mapping with name, accounts and slots")))
        return None
    return data


def _parse_keys(data: dict[str, Any], schedule: Schedule) -> None:
    for key in data:
        if key not in KEYS:
            match = difflib.get_close_matches(str(key), KEYS, n=1)
            if match:
                message = _("unknown key '%(key)s'; did you mean '%(match)s'?") % {"key": key, "match": match[0]}
            else:
                message = _("unknown key '%(key)s'") % {"key": key}
            schedule.problems.append((schedule.line(str(key)), message))
    if "timezone" in data:
        try:
            schedule.timezone = ZoneInfo(str(data["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            message = _("unknown timezone %(zone)s") % {"zone": repr(data["timezone"])}
            schedule.problems.append((schedule.line("timezone"), message))
    accounts = data.get("accounts", [])
    if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
        schedule.problems.append((schedule.line("accounts"), _("'accounts' must be a list of account names")))
    else:
        schedule.accounts = accounts


def _parse_recurring(data: dict[str, Any], schedule: Schedule) -> None:
    recurring = data.get("recurring")
    if recurring is None:
        return
    if not isinstance(recurring, dict) or not all(isinstance(recurring.get(k), str) for k in ("cy", "en")):
        schedule.problems.append((schedule.line("recurring"), _("'recurring' must have 'cy' and 'en' texts")))
    else:
        schedule.recurring = {"cy": recurring["cy"], "en": recurring["en"]}
    translation = data.get("translation")
    schedule.reviewed = (
        isinstance(translation, dict) and translation.get("reviewed") is True and bool(translation.get("reviewer"))
    )
    if schedule.reviewed and isinstance(translation, dict):
        schedule.reviewer = str(translation["reviewer"])


def _parse_starts(data: dict[str, Any], schedule: Schedule) -> None:
    value = data.get("starts")
    if value is None:
        return
    try:
        schedule.starts = date.fromisoformat(str(value).strip())
    except ValueError:
        message = _("starts = %(value)s is not a date like 2027-01-04") % {"value": repr(value)}
        schedule.problems.append((schedule.line("starts"), message))


def load_schedule(path: Path, config: Config) -> Schedule:
    """Read one schedule file; every problem is recorded, never raised."""
    schedule = Schedule(name=path.stem, path=path, timezone=config.timezone)
    data = _read(path, schedule, config.root)
    if data is None:
        return schedule
    schedule.name = str(data.get("name") or path.stem)
    _parse_keys(data, schedule)
    schedule.skip_bank_holidays = bool(data.get("skip_bank_holidays", False))
    _parse_starts(data, schedule)
    _parse_slots(data.get("slots"), schedule)
    _parse_recurring(data, schedule)
    return schedule


def load_schedules(directory: Path, config: Config) -> dict[str, Schedule]:
    """All schedules in ``directory`` by name."""
    if not directory.is_dir():
        return {}
    schedules = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            schedule = load_schedule(path, config)
            schedules[schedule.name] = schedule
    return schedules


def schedule_names(directory: Path) -> frozenset[str]:
    """Names of the schedules defined in ``directory`` (the ``name`` key, else the file stem).

    An unreadable schedule file still defines its file-stem name, so posts
    naming it are not also reported as pointing at an unknown schedule.
    """
    names = set()
    if not directory.is_dir():
        return frozenset()
    for path in sorted(directory.glob("*.y*ml")):
        if path.suffix not in (".yaml", ".yml"):
            continue
        name = path.stem
        try:
            data = _load(path, None).data
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                name = data["name"]
        except YamlProblem:
            pass
        names.add(name)
    return frozenset(names)


def inherit_accounts(post: Post, schedules: Mapping[str, Schedule] | Mapping[str, list[str]]) -> None:
    """A post naming a schedule takes that schedule's accounts (used when it names none of its own)."""
    name = post.shared("schedule")
    found = schedules.get(name) if isinstance(name, str) else None
    if found is not None:
        post.schedule_accounts = list(found.accounts if isinstance(found, Schedule) else found)
