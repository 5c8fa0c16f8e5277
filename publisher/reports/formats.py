"""The reports as JSON and CSV (docs/reports.md); the HTML report is :mod:`publisher.reports.html`."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from publisher.i18n import N_, _
from publisher.reports.costs import CostRow, month_totals
from publisher.reports.data import MIN_PER_WEEK, CadenceRow
from publisher.reports.inbox import LANGUAGES, InboxSection
from publisher.reports.service import ComplianceReport
from publisher.text.cost import as_json

CADENCE_COLUMNS = ["account", "week", "week_start", "published", "scheduled", "flagged"]
COMPLIANCE_COLUMNS = [
    "id",
    "accounts",
    "strategy",
    "welsh_at",
    "english_at",
    "welsh_first",
    "delay_seconds",
    "bilingual",
    "source",
    "translation_source",
    "review_state",
    "review_delay_working_days",
    "review_overdue",
    "commit",
    "author",
    "reviewer",
]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value safe in a spreadsheet: text that a spreadsheet would run as a formula gets a leading apostrophe.

    A post id such as ``=HYPERLINK(...)`` would otherwise become a live link
    (CSV injection); numbers are left as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


COST_COLUMNS = ["month", "account", "platform", "posts", "with_link", "amount", "currency"]


def _cost_row(row: CostRow) -> dict[str, Any]:
    return asdict(row) | {"amount": as_json(row.amount)}


def costs_json(rows: list[CostRow], months: int) -> str:
    totals = [
        {"month": month, "currency": currency, "amount": as_json(amount)}
        for month, by_currency in month_totals(rows).items()
        for currency, amount in sorted(by_currency.items())
    ]
    return json.dumps({"months": months, "rows": [_cost_row(r) for r in rows], "totals": totals}, indent=2)


def costs_csv(rows: list[CostRow]) -> str:
    return csv_text([_cost_row(r) for r in rows], COST_COLUMNS)


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Rows as CSV, every text cell neutralised (see :func:`cell`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def cadence_json(rows: list[CadenceRow], weeks: int) -> str:
    data = {"min_per_week": MIN_PER_WEEK, "weeks": weeks, "rows": [asdict(r) for r in rows]}
    return json.dumps(data, indent=2)


def cadence_csv(rows: list[CadenceRow]) -> str:
    return csv_text([asdict(r) for r in rows], CADENCE_COLUMNS)


def compliance_json(report: ComplianceReport) -> str:
    data = {
        "from": report.first.isoformat() if report.first else None,
        "to": report.last.isoformat() if report.last else None,
        "totals": asdict(report.totals),
        "posts": [p.as_json() for p in report.posts],
        "pauses": report.pauses,
        "inbox": report.inbox.as_json(),
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


# The inbox section's rows, Welsh and English side by side (docs/reports.md "The inbox").
INBOX_METRICS = (
    ("messages", N_("messages received")),
    ("acknowledged", N_("acknowledged")),
    ("answered", N_("answered")),
    ("no_answer_needed", N_("no answer needed (or hidden)")),
    ("unanswered", N_("unanswered")),
    ("breaches", N_("over the answer limit")),
    ("answered_in_english", N_("answered in English only")),
    ("ack_median_hours", N_("median hours to acknowledge")),
    ("ack_p95_hours", N_("95th percentile hours to acknowledge")),
    ("answer_median_hours", N_("median hours to answer")),
    ("answer_p95_hours", N_("95th percentile hours to answer")),
    ("ack_median_working_days", N_("median working days to acknowledge")),
    ("ack_p95_working_days", N_("95th percentile working days to acknowledge")),
    ("answer_median_working_days", N_("median working days to answer")),
    ("answer_p95_working_days", N_("95th percentile working days to answer")),
)


def inbox_rows(section: InboxSection) -> list[dict[str, Any]]:
    """One row per figure, a column per message language (cy, en, mixed, unknown); the labels in the language in use."""
    by_language = {column.language: asdict(column) for column in section.languages}
    return [
        {"inbox": _(label), **{language: by_language[language][key] for language in LANGUAGES}}
        for key, label in INBOX_METRICS
    ]


def compliance_csv(report: ComplianceReport) -> str:
    rows = [p.as_json() | {"accounts": " ".join(p.accounts)} for p in report.posts]
    text = csv_text(rows, COMPLIANCE_COLUMNS)
    if report.inbox.shown:  # a second table after a blank line: the inbox, per message language
        text += "\n" + csv_text(inbox_rows(report.inbox), ["inbox", *LANGUAGES])
    return text
