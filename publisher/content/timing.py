"""Interpret ``publish_at`` in the configured timezone (docs/content.md).

A time with an offset is exact. A naive time is local; around clock changes a
local time may not exist (spring forward) or occur twice (fall back). Guessing
would publish an hour early or late, so both are refused with a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from publisher.i18n import _


class PublishTimeError(ValueError):
    """``publish_at`` cannot be turned into one instant; the message says why and how to fix it."""


@dataclass(frozen=True)
class PublishTime:
    utc: datetime
    local: str
    zone: str


@lru_cache(maxsize=4096)
def parse_publish_at(text: str, tz: ZoneInfo) -> PublishTime:
    """Return the UTC instant for ``text`` (ISO 8601) in zone ``tz`` (remembered: rules and the cache ask often)."""
    cleaned = text.strip()
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise PublishTimeError(
            _(
                "'%(text)s' is not an ISO 8601 date and time; write it like 2027-01-12T10:00 "
                "(local time) or 2027-01-12T10:00+00:00"
            )
            % {"text": text}
        ) from None
    if value.tzinfo is not None:
        return PublishTime(utc=value.astimezone(UTC), local=cleaned, zone=str(tz.key))
    first = value.replace(tzinfo=tz, fold=0)
    second = value.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        roundtrip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        values = {"time": cleaned, "zone": tz.key, "first": cleaned + _offset(first)}
        if roundtrip != value:
            message = _(
                "%(time)s does not exist in %(zone)s: the clocks go forward that night. "
                "Pick another time, or add an offset (e.g. %(first)s)"
            )
            raise PublishTimeError(message % values)
        message = _(
            "%(time)s happens twice in %(zone)s: the clocks go back that night. "
            "Add an offset to say which: %(first)s (first) or %(second)s (second)"
        )
        raise PublishTimeError(message % {**values, "second": cleaned + _offset(second)})
    return PublishTime(utc=first.astimezone(UTC), local=cleaned, zone=str(tz.key))


def _offset(value: datetime) -> str:
    offset = value.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
