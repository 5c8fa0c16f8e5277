"""The reports as the front-ends ask for them: one call each (docs/reports.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from publisher.config import Config
from publisher.queue.db import open_database
from publisher.queue.pauses import all_spans
from publisher.reports.costs import CostRow, monthly_costs
from publisher.reports.data import (
    CadenceRow,
    ComplianceTotals,
    PostRecord,
    cadence,
    compliance,
    load_posts,
    load_records,
    paused_time,
)
from publisher.reports.inbox import InboxSection, inbox_section


def cadence_report(config: Config, now: datetime, weeks: int) -> list[CadenceRow]:
    """Per account and ISO week: bilingual posts published, and the next two weeks' scheduled posts."""
    return cadence(config, load_records(config, now), now, weeks)


@dataclass
class ComplianceReport:
    """Published posts in the period with their Welsh/English evidence, the totals, and every record (the calendar)."""

    first: date | None
    last: date | None
    records: list[PostRecord]
    posts: list[PostRecord]
    totals: ComplianceTotals
    inbox: InboxSection
    pauses: list[dict[str, Any]] = field(default_factory=list)  # paused time in the period


def compliance_report(config: Config, now: datetime, first: date | None, last: date | None) -> ComplianceReport:
    """The bilingual compliance evidence for ``first``..``last`` (local days, inclusive), with the inbox's."""
    with open_database(config) as db, db.sessions() as session:
        records = load_posts(config, session, now)
        inbox = inbox_section(config, session, now, first, last)
        spans = all_spans(session, config)
    posts, totals = compliance(config, records, first, last)
    pauses = paused_time(config, spans, first, last, now)
    return ComplianceReport(
        first=first, last=last, records=records, posts=posts, totals=totals, inbox=inbox, pauses=pauses
    )


def costs_report(config: Config, now: datetime, months: int) -> list[CostRow]:
    """Per month (the last ``months``, this one included) and account: priced posts and what they cost."""
    with open_database(config) as db, db.sessions() as session:
        return monthly_costs(config, session, now, months)
