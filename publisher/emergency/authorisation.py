"""Who may use the emergency path, and when (policy 8.4-8.6; docs/emergency.md).

Only people named in ``[emergency] authorised``, and only while the
Translation Team is not at work, unless the hours are overridden with a
reason (recorded).
"""

from __future__ import annotations

from datetime import datetime

from publisher.config import WEEKDAYS, Config
from publisher.i18n import _, language
from publisher.workdays import next_at_work, team_at_work


def _local(moment: datetime, pattern: str) -> str:
    """A day and time in words in the language in use (Babel's Welsh and English calendars)."""
    from babel.dates import format_datetime

    locale = "cy" if language() == "cy" else "en_GB"
    return str(format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale))


class Refused(Exception):
    """The emergency path may not be used now, or by this person; the message says why."""


def check_allowed(config: Config, by: str, now: datetime, override_hours: bool) -> None:
    """Refuse an unauthorised person, or the Translation Team's working hours without an override."""
    if by not in config.emergency_authorised:
        names = ", ".join(config.emergency_authorised) or _("nobody (set [emergency] authorised in the config)")
        raise Refused(
            _("'%(person)s' may not use the emergency path; authorised: %(names)s") % {"person": by, "names": names}
        )
    if team_at_work(config, now) and not override_hours:
        local = now.astimezone(config.timezone)
        _start, until = config.translation_team.hours[WEEKDAYS[local.weekday()]]
        message = _(
            "the Translation Team is at work now (%(now)s, until %(until)s %(timezone)s): "
            "send the post to them for translation instead (Translation Request Form, policy 8.3), or add it to "
            "the content repository once translated. Only if it cannot wait, use --override-hours with --reason."
        )
        raise Refused(
            message % {"now": _local(local, "EEEE HH:mm"), "until": f"{until:%H:%M}", "timezone": config.timezone.key}
        )


def next_available_note(config: Config, now: datetime) -> str:
    """When the Translation Team can review the post: now, if they are at work (``--override-hours``), else next."""
    if team_at_work(config, now):
        local = now.astimezone(config.timezone)
        _start, until = config.translation_team.hours[WEEKDAYS[local.weekday()]]
        message = _("the Translation Team is at work now (until %(until)s): ask them to review the Welsh today")
        return message % {"until": f"{until:%H:%M}"}
    when = _local(next_at_work(config, now), "EEEE dd MMMM HH:mm")
    return _("the Translation Team is next at work %(when)s") % {"when": when}
