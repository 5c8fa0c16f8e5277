"""The reports as JSON and CSV (docs/reports.md); the HTML report is :mod:`publisher.reports.html`."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from publisher.reports.data import MIN_PER_WEEK, CadenceRow
from publisher.reports.inbox import LANGUAGES, InboxSection
from publisher.reports.service import ComplianceReport

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
]


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
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
        "inbox": report.inbox.as_json(),
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


# The inbox section's rows, Welsh and English side by side (docs/reports.md "The inbox").
INBOX_METRICS = (
    ("messages", "messages received"),
    ("acknowledged", "acknowledged"),
    ("answered", "answered"),
    ("no_answer_needed", "no answer needed (or hidden)"),
    ("unanswered", "unanswered"),
    ("breaches", "over the answer limit"),
    ("answered_in_english", "answered in English only"),
    ("ack_median_hours", "median hours to acknowledge"),
    ("ack_p95_hours", "95th percentile hours to acknowledge"),
    ("answer_median_hours", "median hours to answer"),
    ("answer_p95_hours", "95th percentile hours to answer"),
    ("ack_median_working_days", "median working days to acknowledge"),
    ("ack_p95_working_days", "95th percentile working days to acknowledge"),
    ("answer_median_working_days", "median working days to answer"),
    ("answer_p95_working_days", "95th percentile working days to answer"),
)


def inbox_rows(section: InboxSection) -> list[dict[str, Any]]:
    """One row per figure, a column per message language (cy, en, mixed, unknown)."""
    by_language = {column.language: asdict(column) for column in section.languages}
    return [
        {"inbox": label, **{language: by_language[language][key] for language in LANGUAGES}}
        for key, label in INBOX_METRICS
    ]


def compliance_csv(report: ComplianceReport) -> str:
    rows = [p.as_json() | {"accounts": " ".join(p.accounts)} for p in report.posts]
    text = csv_text(rows, COMPLIANCE_COLUMNS)
    if report.inbox.shown:  # a second table after a blank line: the inbox, per message language
        text += "\n" + csv_text(inbox_rows(report.inbox), ["inbox", *LANGUAGES])
    return text
