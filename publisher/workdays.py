"""Working days, Welsh bank holidays and the Translation Team's hours (docs/configuration.md).

Shared by the emergency path (out of hours, review deadlines), schedules
(``skip_bank_holidays``), the reports and the daemon. Out of hours is:
outside the configured hours in the configured timezone, any day without
hours, and bank holidays in Wales (``holidays`` package, GB subdivision WLS,
observed days included).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from publisher.config import WEEKDAYS, Config
from publisher.i18n import _


@lru_cache(maxsize=16)
def bank_holidays(year: int) -> dict[date, str]:
    """Bank holidays in Wales in ``year`` (observed days included), by date."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="WLS", years=[year]))


def bank_holiday(config: Config, day: date) -> str | None:
    """The name of the Welsh bank holiday on ``day``, if the team observes them."""
    if not config.translation_team.holidays:
        return None
    return bank_holidays(day.year).get(day)


def is_working_day(config: Config, day: date) -> bool:
    """A day the Translation Team has hours on that is not a Welsh bank holiday."""
    return WEEKDAYS[day.weekday()] in config.translation_team.hours and bank_holiday(config, day) is None


def team_at_work(config: Config, when: datetime) -> bool:
    """Whether the Translation Team is working at ``when`` (an aware datetime)."""
    local = when.astimezone(config.timezone)
    if not is_working_day(config, local.date()):
        return False
    start, end = config.translation_team.hours[WEEKDAYS[local.weekday()]]
    return start <= local.time().replace(tzinfo=None) < end


def next_at_work(config: Config, when: datetime) -> datetime:
    """The next moment (local time) the team starts work after ``when``."""
    local = when.astimezone(config.timezone)
    for offset in range(0, 30):
        day = local.date() + timedelta(days=offset)
        if not is_working_day(config, day):
            continue
        start, _end = config.translation_team.hours[WEEKDAYS[day.weekday()]]
        candidate = datetime.combine(day, start, config.timezone)
        if candidate > local:
            return candidate
    raise ValueError(_("the Translation Team has no working hours in the next 30 days; check [translation_team].hours"))


def add_working_days(config: Config, when: datetime, days: int) -> datetime:
    """The end of the ``days``-th working day after ``when`` (a review deadline)."""
    local = when.astimezone(config.timezone)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(config, day):
            counted += 1
    if days == 0 or not is_working_day(config, day):
        return local
    _start, end = config.translation_team.hours[WEEKDAYS[day.weekday()]]
    return datetime.combine(day, end, config.timezone)


def working_days_between(config: Config, start: datetime, end: datetime) -> int:
    """Whole working days from ``start``'s day (exclusive) to ``end``'s day (inclusive)."""
    first, last = start.astimezone(config.timezone).date(), end.astimezone(config.timezone).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(config, day)
    return count
