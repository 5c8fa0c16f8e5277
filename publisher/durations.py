"""Parse human durations such as ``6h`` or ``90m`` used in the config."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """Return the timedelta for ``text`` (e.g. ``"6h"``, ``"1h30m"``).

    Raises ValueError with the offending text so the caller can say which
    config key was wrong.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(f"not a duration: {text!r} (use e.g. '6h', '90m', '1h30m')")
    total = timedelta()
    for amount, unit in _PART.findall(cleaned):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total
