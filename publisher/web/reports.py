"""Cadence and compliance reports in the browser, and their downloads (docs/web.md "Reports").

The same functions and formats as ``publisher report``: the page shows the
figures, the buttons download exactly what ``--format csv|json|html`` writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from publisher.i18n import N_
from publisher.reports import formats
from publisher.reports.data import MIN_PER_WEEK
from publisher.reports.service import cadence_report, compliance_report
from publisher.web.security import config, now

blueprint = Blueprint("reports", __name__)
WEEKS = 8
SHOWN_POSTS = 200  # on the page; the downloads hold every post
TYPES = {"csv": "text/csv", "json": "application/json", "html": "text/html"}
INBOX_LABELS = {
    "messages": N_("messages received"),
    "acknowledged": N_("acknowledged"),
    "answered": N_("answered"),
    "no_answer_needed": N_("no answer needed (or hidden)"),
    "unanswered": N_("unanswered"),
    "breaches": N_("over the answer limit"),
    "answered_in_english": N_("answered in English only"),
    "ack_median_hours": N_("median hours to acknowledge"),
    "ack_p95_hours": N_("95th percentile hours to acknowledge"),
    "answer_median_hours": N_("median hours to answer"),
    "answer_p95_hours": N_("95th percentile hours to answer"),
    "ack_median_working_days": N_("median working days to acknowledge"),
    "ack_p95_working_days": N_("95th percentile working days to acknowledge"),
    "answer_median_working_days": N_("median working days to answer"),
    "answer_p95_working_days": N_("95th percentile working days to answer"),
}


def _period() -> tuple[date | None, date | None]:
    """``from`` and ``to`` (local days, inclusive); either may be left out; reversed, they are swapped."""
    days: list[date | None] = []
    for name in ("from", "to"):
        try:
            days.append(date.fromisoformat(request.args.get(name, "")))
        except ValueError:
            days.append(None)
    first, last = days
    if first and last and last < first:
        first, last = last, first
    return first, last


def _weeks() -> int:
    try:
        return min(max(int(request.args.get("weeks", WEEKS)), 1), 520)
    except ValueError:
        return WEEKS


@blueprint.route("/reports")
def reports() -> Any:
    """Compliance for the period asked (all time by default), with the cadence of the last weeks."""
    first, last = _period()
    weeks = _weeks()
    report = compliance_report(config(), now(), first, last)
    rows = [
        {"metric": key, **row}
        for (key, _text), row in zip(formats.INBOX_METRICS, formats.inbox_rows(report.inbox), strict=True)
    ]
    return render_template(
        "reports.html",
        report=report,
        posts=report.posts[:SHOWN_POSTS],
        cadence=cadence_report(config(), now(), weeks),
        weeks=weeks,
        first=first,
        last=last,
        min_per_week=MIN_PER_WEEK,
        inbox_rows=rows,
        inbox_labels=INBOX_LABELS,
    )


def _compliance(fmt: str) -> str:
    report = compliance_report(config(), now(), *_period())
    if fmt == "json":
        return formats.compliance_json(report)
    if fmt == "csv":
        return formats.compliance_csv(report)
    from publisher.reports.html import render_html

    return render_html(config(), report, now())


def _cadence(fmt: str) -> str:
    weeks = _weeks()
    rows = cadence_report(config(), now(), weeks)
    return formats.cadence_json(rows, weeks) if fmt == "json" else formats.cadence_csv(rows)


@blueprint.route("/reports/<kind>.<fmt>")
def download(kind: str, fmt: str) -> Any:
    """A report as a file: compliance as CSV, JSON or HTML; cadence as CSV or JSON."""
    if fmt not in TYPES or kind not in ("compliance", "cadence") or (kind, fmt) == ("cadence", "html"):
        abort(404)
    body = _compliance(fmt) if kind == "compliance" else _cadence(fmt)
    response = Response(body, mimetype=TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-report.{fmt}"'
    return response
