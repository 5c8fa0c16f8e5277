"""Render the compliance report as one self-contained HTML file (Jinja2; no external assets)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.config import Config
from publisher.i18n import _, language, ngettext
from publisher.reports.data import month_calendar
from publisher.reports.formats import inbox_rows
from publisher.reports.service import ComplianceReport

if TYPE_CHECKING:
    from jinja2 import Environment

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
    if seconds >= 60:
        return _("%(minutes).0f min") % {"minutes": seconds / 60}
    return _("%(seconds).0f s") % {"seconds": seconds}


def _environment() -> Environment:
    """Sandboxed, autoescaped, its words from the catalogs in the language in use (docs/translation.md)."""
    from jinja2 import FileSystemLoader, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]), extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def _calendar_words(months: list[date]) -> tuple[list[str], list[str]]:
    """The months' titles and the weekdays' short names, Monday first, in the language in use (Babel's CLDR data)."""
    from babel.dates import format_date, get_day_names

    locale = "cy" if language() == "cy" else "en_GB"
    names = get_day_names("abbreviated", locale=locale)
    return [str(format_date(m, "LLLL y", locale=locale)) for m in months], [str(names[day]) for day in range(7)]


def _period(first: date | None, last: date | None) -> str:
    if first and last:
        return _("%(first)s to %(last)s") % {"first": first, "last": last}
    if first:
        return _("%(first)s to now") % {"first": first}
    if last:
        return _("the beginning to %(last)s") % {"last": last}
    return _("the beginning to now")


def render_html(config: Config, report: ComplianceReport, now: datetime) -> str:
    """The report: totals, a month calendar per month of the period, and the per-post table."""
    records, posts, totals, first, last = report.records, report.posts, report.totals, report.first, report.last
    today = now.astimezone(config.timezone).date()
    start, end = first or last or today, last or first or today
    env = _environment()
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
    firsts = _months(start, end)
    titles, weekdays = _calendar_words(firsts)
    months = [
        {"title": title, "weeks": month_calendar(config, records, m)} for title, m in zip(titles, firsts, strict=True)
    ]
    return env.get_template("compliance.html.j2").render(
        lang=language(),
        weekdays=weekdays,
        period=_period(first, last),
        generated=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        timezone=tz.key,
        totals=totals,
        months=months,
        posts=rows,
        pauses=report.pauses,
        inbox=report.inbox,
        inbox_rows=inbox_rows(report.inbox),
    )
