"""``publisher report cadence|compliance``: evidence for the comms team and the Commissioner.

JSON shapes::

    cadence:    {"min_per_week": 2, "weeks": N, "rows": [{"account", "week", "week_start",
                 "published", "scheduled", "flagged"}]}
    compliance: {"from": D|null, "to": D|null, "totals": {"posts", "fully_bilingual",
                 "fully_bilingual_share", "emergency", "emergency_share", "overdue_reviews",
                 "held", "held_reasons": {code: n}}, "posts": [{"id", "source", "state",
                 "accounts", "scheduled_at", "translation_source", "strategy", "welsh_at",
                 "english_at", "bilingual", "welsh_first", "delay_seconds", "review_state",
                 "review_delay_working_days", "review_overdue", "held_codes", "per_account"}]}
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import click

from publisher.cli.context import config_from


@click.group()
def report() -> None:
    """Reports: posting cadence (policy 7.2.11) and bilingual compliance (8.6)."""


def _records(config: Any, now: datetime) -> list[Any]:
    from publisher.queue.daemon import open_database
    from publisher.reports.data import load_posts

    db = open_database(config)
    try:
        with db.sessions() as session:
            return load_posts(config, session, now)
    finally:
        db.engine.dispose()


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@report.command()
@click.option("--weeks", type=click.IntRange(1, 520), default=8, show_default=True, help="How many weeks back, this week included.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_context
def cadence(ctx: click.Context, weeks: int, fmt: str) -> None:
    """Bilingual posts published per account and ISO week; under two a week is flagged.

    The coming two weeks show what is scheduled, so a gap shows before it happens.
    Exit 1 if any past week of any account is flagged.
    """
    from publisher.reports.data import MIN_PER_WEEK, cadence as compute

    config = config_from(ctx)
    now = datetime.now(timezone.utc)
    rows = compute(config, _records(config, now), now, weeks)
    data = [asdict(r) for r in rows]
    if fmt == "json":
        click.echo(json.dumps({"min_per_week": MIN_PER_WEEK, "weeks": weeks, "rows": data}, indent=2))
    elif fmt == "csv":
        click.echo(_csv(data, ["account", "week", "week_start", "published", "scheduled", "flagged"]), nl=False)
    else:
        this_week = rows[0].week if rows else ""
        for row in rows:
            mark = "  UNDER 2" if row.flagged else ""
            click.echo(f"{row.account:<24} {row.week} (from {row.week_start})  published {row.published}  scheduled {row.scheduled}{mark}")
        if this_week:
            click.echo(f"Policy 7.2.11: at least {MIN_PER_WEEK} bilingual posts a week per account.")
    today = now.astimezone(config.timezone).date()
    ctx.exit(1 if any(r.flagged and date.fromisoformat(r.week_start) <= today for r in rows) else 0)


@report.command()
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (local), e.g. 2027-01-01.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (local), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File for --format html (default compliance-report.html).")
@click.pass_context
def compliance(ctx: click.Context, start: datetime | None, end: datetime | None, fmt: str, output: Path | None) -> None:
    """Per published post: Welsh and English times and order, strategy, delay, Welsh source, review; with totals."""
    from publisher.reports.data import compliance as compute

    config = config_from(ctx)
    now = datetime.now(timezone.utc)
    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    records = _records(config, now)
    posts, totals = compute(config, records, first, last)
    if fmt == "json":
        click.echo(json.dumps({"from": first and first.isoformat(), "to": last and last.isoformat(), "totals": asdict(totals),
                               "posts": [p.as_json() for p in posts]}, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        rows = [p.as_json() | {"accounts": " ".join(p.accounts)} for p in posts]
        click.echo(_csv(rows, ["id", "accounts", "strategy", "welsh_at", "english_at", "welsh_first", "delay_seconds",
                               "bilingual", "source", "translation_source", "review_state", "review_delay_working_days", "review_overdue"]), nl=False)
    elif fmt == "html":
        from publisher.reports.html import render_html

        target = output or Path("compliance-report.html")
        target.write_text(render_html(config, records, posts, totals, first, last, now), encoding="utf-8")
        click.echo(f"wrote {target}")
    else:
        for post in posts:
            order = "-" if post.welsh_first is None else ("Welsh first" if post.welsh_first else "ENGLISH FIRST")
            click.echo(f"{post.id}: {', '.join(post.accounts)} [{post.strategy}] cy {post.welsh_at and post.welsh_at.isoformat(timespec='minutes')}"
                       f" en {post.english_at and post.english_at.isoformat(timespec='minutes')} {order}; Welsh: {post.translation_source}"
                       + (f"; review {post.review_state}" if post.review_state else ""))
        click.echo(f"{totals.posts} published: {totals.fully_bilingual} fully bilingual ({totals.fully_bilingual_share:.0%}), "
                   f"{totals.emergency} emergency ({totals.emergency_share:.0%}); {totals.overdue_reviews} overdue review(s); "
                   f"{totals.held} held back" + (f" ({', '.join(f'{c}: {n}' for c, n in totals.held_reasons.items())})" if totals.held_reasons else ""))
