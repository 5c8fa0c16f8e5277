"""Render the compliance report as one self-contained HTML file (Jinja2; no external assets)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from publisher.config import Config
from publisher.reports.data import month_calendar
from publisher.reports.formats import inbox_rows
from publisher.reports.service import ComplianceReport

TEMPLATES = Path(__file__).parent / "templates"


def _months(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + 1, 1, 1) if current.month == 12 else current.replace(month=current.month + 1)
    return months


def _minutes(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def render_html(config: Config, report: ComplianceReport, now: datetime) -> str:
    """The report: totals, a month calendar per month of the period, and the per-post table."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    records, posts, totals, first, last = report.records, report.posts, report.totals, report.first, report.last
    today = now.astimezone(config.timezone).date()
    start, end = first or last or today, last or first or today
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    tz = config.timezone

    def local(value: datetime | None) -> str | None:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else None

    rows: list[dict[str, Any]] = [
        {
            **post.as_json(),
            "welsh_at": local(post.welsh_at),
            "english_at": local(post.english_at),
            "delay": _minutes(post.delay_seconds),
        }
        for post in posts
    ]
    months = [{"title": f"{m:%B %Y}", "weeks": month_calendar(config, records, m)} for m in _months(start, end)]
    period = f"{first or 'the beginning'} to {last or 'now'}"
    return env.get_template("compliance.html.j2").render(
        period=period,
        generated=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        timezone=tz.key,
        totals=totals,
        months=months,
        posts=rows,
        pauses=report.pauses,
        inbox=report.inbox,
        inbox_rows=inbox_rows(report.inbox),
    )
