"""Who may use the emergency path, and when (policy 8.4-8.6; docs/emergency.md).

Only people named in ``[emergency] authorised``, and only while the
Translation Team is not at work, unless the hours are overridden with a
reason (recorded).
"""

from __future__ import annotations

from datetime import datetime

from publisher.config import WEEKDAYS, Config
from publisher.workdays import next_at_work, team_at_work


class Refused(Exception):
    """The emergency path may not be used now, or by this person; the message says why."""


def check_allowed(config: Config, by: str, now: datetime, override_hours: bool) -> None:
    """Refuse an unauthorised person, or the Translation Team's working hours without an override."""
    if by not in config.emergency_authorised:
        names = ", ".join(config.emergency_authorised) or "nobody (set [emergency] authorised in the config)"
        raise Refused(f"'{by}' may not use the emergency path; authorised: {names}")
    if team_at_work(config, now) and not override_hours:
        local = now.astimezone(config.timezone)
        _, until = config.translation_team.hours[WEEKDAYS[local.weekday()]]
        raise Refused(
            f"the Translation Team is at work now ({local:%A %H:%M}, until {until:%H:%M} {config.timezone.key}): "
            "send the post to them for translation instead (Translation Request Form, policy 8.3), or add it to "
            "the content repository once translated. Only if it cannot wait, use --override-hours with --reason."
        )


def next_available_note(config: Config, now: datetime) -> str:
    """When the Translation Team can review the post: now, if they are at work (``--override-hours``), else next."""
    if team_at_work(config, now):
        local = now.astimezone(config.timezone)
        _, until = config.translation_team.hours[WEEKDAYS[local.weekday()]]
        return f"the Translation Team is at work now (until {until:%H:%M}): ask them to review the Welsh today"
    return f"the Translation Team is next at work {next_at_work(config, now):%A %d %B %H:%M}"
