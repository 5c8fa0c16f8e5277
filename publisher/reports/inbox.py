"""The inbox section of ``report compliance``: Standard 59 and policy 11.2 in figures (docs/reports.md).

Per message language, side by side so Welsh can be seen never to wait
longer than English: how many messages came, the median and 95th-percentile
time to acknowledge and to answer (hours, and working days as the
five-day limit counts them), answers after the limit or still owed past it,
Welsh messages answered in English (must be zero) and Welsh messages still
unanswered. Messages marked as needing no answer, and hidden ones, stop the
clock and are counted apart. Period: when the message was received.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.inbox_clock import Clock, clocks
from publisher.queue.states import MessageLanguage
from publisher.workdays import working_days_between

LANGUAGES = tuple(language.value for language in MessageLanguage)


@dataclass
class LanguageFigures:
    """One language's column."""

    language: str
    messages: int = 0
    acknowledged: int = 0
    answered: int = 0
    no_answer_needed: int = 0  # closed: marked no-reply, or hidden
    unanswered: int = 0
    breaches: int = 0  # answered after the limit, or unanswered past it
    answered_in_english: int = 0
    ack_median_hours: float | None = None
    ack_p95_hours: float | None = None
    answer_median_hours: float | None = None
    answer_p95_hours: float | None = None
    ack_median_working_days: float | None = None
    ack_p95_working_days: float | None = None
    answer_median_working_days: float | None = None
    answer_p95_working_days: float | None = None


@dataclass
class InboxSection:
    """The section: per-language figures, the Standard 59 checks, and the Welsh messages still owed an answer."""

    enabled: bool
    answer_within_working_days: int
    acknowledge_within_working_days: int
    languages: list[LanguageFigures] = field(default_factory=list)
    messages: int = 0
    breaches: int = 0
    welsh_answered_in_english: int = 0
    welsh_unanswered: list[dict[str, Any]] = field(default_factory=list)
    welsh_waits_longer: dict[str, bool] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        """Text, CSV and HTML show the section once the inbox is on or holds messages."""
        return self.enabled or self.messages > 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (for a handful of messages, the largest but few)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _figures(values: list[float]) -> tuple[float | None, float | None]:
    return (round(statistics.median(values), 2), round(_p95(values), 2)) if values else (None, None)


def _column(config: Config, language: str, rows: list[tuple[m.InboxMessage, Clock]], now: datetime) -> LanguageFigures:
    column = LanguageFigures(language=language, messages=len(rows))
    waits: dict[str, list[float]] = {"ack_h": [], "ack_d": [], "answer_h": [], "answer_d": []}
    for message, clock in rows:
        if clock.acknowledged_at is not None:
            column.acknowledged += 1
            waits["ack_h"].append((clock.acknowledged_at - message.received_at).total_seconds() / 3600)
            waits["ack_d"].append(working_days_between(config, message.received_at, clock.acknowledged_at))
        if clock.answered_at is not None:
            column.answered += 1
            waits["answer_h"].append((clock.answered_at - message.received_at).total_seconds() / 3600)
            waits["answer_d"].append(working_days_between(config, message.received_at, clock.answered_at))
        elif clock.closed_at is not None:
            column.no_answer_needed += 1
        else:
            column.unanswered += 1
        column.breaches += clock.breached(now)
        column.answered_in_english += "en" in clock.answer_languages
    column.ack_median_hours, column.ack_p95_hours = _figures(waits["ack_h"])
    column.ack_median_working_days, column.ack_p95_working_days = _figures(waits["ack_d"])
    column.answer_median_hours, column.answer_p95_hours = _figures(waits["answer_h"])
    column.answer_median_working_days, column.answer_p95_working_days = _figures(waits["answer_d"])
    return column


def _longer(welsh: float | None, english: float | None) -> bool:
    return welsh is not None and english is not None and welsh > english


def inbox_section(
    config: Config, session: Session, now: datetime, first: date | None, last: date | None
) -> InboxSection:
    """The inbox figures for messages received ``first``..``last`` (local days, inclusive)."""
    messages = list(session.scalars(select(m.InboxMessage).order_by(m.InboxMessage.received_at)))
    tz = config.timezone

    def in_period(message: m.InboxMessage) -> bool:
        day = message.received_at.astimezone(tz).date()
        return (first is None or day >= first) and (last is None or day <= last)

    chosen = [message for message in messages if in_period(message)]
    times = clocks(session, chosen)
    section = InboxSection(
        enabled=config.inbox.enabled,
        answer_within_working_days=config.inbox.answer_within,
        acknowledge_within_working_days=config.inbox.acknowledge_within,
        messages=len(chosen),
    )
    for language in LANGUAGES:
        rows = [(msg, times[msg.id]) for msg in chosen if msg.language.value == language]
        section.languages.append(_column(config, language, rows, now))
    welsh, english = section.languages[0], section.languages[1]
    section.breaches = sum(column.breaches for column in section.languages)
    section.welsh_answered_in_english = welsh.answered_in_english
    section.welsh_unanswered = [
        {
            "id": msg.id,
            "account": msg.account,
            "received_at": msg.received_at.isoformat(),
            "answer_due_at": msg.answer_due_at.isoformat(),
            "overdue": times[msg.id].answer_overdue(now),
        }
        for msg in chosen
        if msg.language is MessageLanguage.WELSH and times[msg.id].state in ("open", "acknowledged")
    ]
    section.welsh_waits_longer = {
        "acknowledge": _longer(welsh.ack_median_hours, english.ack_median_hours),
        "answer": _longer(welsh.answer_median_hours, english.answer_median_hours),
        "acknowledge_p95": _longer(welsh.ack_p95_hours, english.ack_p95_hours),
        "answer_p95": _longer(welsh.answer_p95_hours, english.answer_p95_hours),
    }
    return section
