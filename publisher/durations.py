"""Parse human durations such as ``6h``, ``90m`` or ``1y`` used in the config (docs/configuration.md)."""

from __future__ import annotations

import re
from datetime import timedelta

from publisher.i18n import _

_PART = re.compile(r"(\d+)\s*([ywdhms])")
_DAYS = {"y": 365, "w": 7, "d": 1}
_UNITS = {"h": "hours", "m": "minutes", "s": "seconds"}
_WORKING_DAYS = re.compile(r"(\d+)\s*working\s+days?")


def parse_duration(text: str) -> timedelta:
    """Return the timedelta for ``text`` (e.g. ``"6h"``, ``"1h30m"``, ``"2w"``, ``"1y"`` = 365 days).

    Raises ValueError with the offending text so the caller can say which
    config key was wrong.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(_("not a duration: %(value)r (use e.g. '6h', '90m', '1h30m', '30d', '1y')") % {"value": text})
    total = timedelta()
    for amount, unit in _PART.findall(cleaned):
        if unit in _DAYS:
            total += timedelta(days=int(amount) * _DAYS[unit])
        else:
            total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


def parse_working_days(text: str) -> int:
    """The number in ``"5 working days"`` or ``"1 working day"``; ValueError for anything else."""
    match = _WORKING_DAYS.fullmatch(" ".join(text.strip().lower().split()))
    if match is None:
        raise ValueError(
            _("not a number of working days: %(value)r (use e.g. '5 working days', '1 working day')") % {"value": text}
        )
    return int(match.group(1))
