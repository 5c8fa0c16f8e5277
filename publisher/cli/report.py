"""``publisher report cadence|compliance|costs``: evidence for the comms team and the Commissioner, and the bill.

JSON shapes::

    cadence:    {"min_per_week": 2, "weeks": N, "rows": [{"account", "week", "week_start",
                 "published", "scheduled", "flagged"}]}
    compliance: {"from": D|null, "to": D|null, "totals": {"posts", "fully_bilingual",
                 "fully_bilingual_share", "emergency", "emergency_share", "overdue_reviews",
                 "held", "held_reasons": {code: n}}, "posts": [{"id", "source", "state",
                 "accounts", "scheduled_at", "translation_source", "strategy", "welsh_at",
                 "english_at", "bilingual", "welsh_first", "delay_seconds", "review_state",
                 "review_delay_working_days", "review_overdue", "held_codes", "per_account"}]}
    costs:      {"months": N, "rows": [{"month", "account", "platform", "posts", "with_link",
                 "amount", "currency"}], "totals": [{"month", "currency", "amount"}]}
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from publisher.cli.context import config_from
from publisher.redaction import printable


@click.group()
def report() -> None:
    """Reports: posting cadence (policy 7.2.11), bilingual compliance (8.6) and what posting cost."""


@report.command()
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    default=8,
    show_default=True,
    help="How many weeks back, this week included.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_context
def cadence(ctx: click.Context, weeks: int, fmt: str) -> None:
    """Bilingual posts published per account and ISO week; under two a week is flagged.

    The coming two weeks show what is scheduled, so a gap shows before it happens.
    Exit 1 if any past week of any account is flagged.
    """
    from publisher.reports import formats
    from publisher.reports.data import MIN_PER_WEEK
    from publisher.reports.service import cadence_report

    config = config_from(ctx)
    now = datetime.now(UTC)
    rows = cadence_report(config, now, weeks)
    if fmt == "json":
        click.echo(formats.cadence_json(rows, weeks))
    elif fmt == "csv":
        click.echo(formats.cadence_csv(rows), nl=False)
    else:
        for row in rows:
            mark = "  UNDER 2" if row.flagged else ""
            click.echo(
                f"{row.account:<24} {row.week} (from {row.week_start})  published {row.published}  "
                f"scheduled {row.scheduled}{mark}"
            )
        if rows:
            click.echo(f"Policy 7.2.11: at least {MIN_PER_WEEK} bilingual posts a week per account.")
    today = now.astimezone(config.timezone).date()
    ctx.exit(1 if any(r.flagged and date.fromisoformat(r.week_start) <= today for r in rows) else 0)


def _text(report: Any) -> str:
    lines = []
    for post in report.posts:
        order = "-" if post.welsh_first is None else ("Welsh first" if post.welsh_first else "ENGLISH FIRST")
        welsh = post.welsh_at and post.welsh_at.isoformat(timespec="minutes")
        english = post.english_at and post.english_at.isoformat(timespec="minutes")
        review = f"; review {post.review_state}" if post.review_state else ""
        line = f"{post.id}: {', '.join(post.accounts)} [{post.strategy}] cy {welsh} en {english} {order}; "
        lines.append(printable(line + f"Welsh: {post.translation_source}{review}"))
        commit = f"commit {post.commit[:12]} by {post.author}" if post.commit else "not from a commit"
        lines.append(printable(f"    {commit}; Welsh reviewed by {post.reviewer or '-'}"))
    for pause in report.pauses:
        whom = pause["account"] or "every account"
        lines.append(
            printable(
                f"paused: {whom} from {pause['from']} to {pause['to'] or 'now'} ({pause['hours']} h): {pause['reason']}"
            )
        )
    totals = report.totals
    reasons = ", ".join(f"{c}: {n}" for c, n in totals.held_reasons.items())
    lines.append(
        f"{totals.posts} published: {totals.fully_bilingual} fully bilingual ({totals.fully_bilingual_share:.0%}), "
        f"{totals.emergency} emergency ({totals.emergency_share:.0%}); {totals.overdue_reviews} overdue review(s); "
        f"{totals.held} held back" + (f" ({reasons})" if reasons else "")
    )
    if report.inbox.shown:
        lines.extend(_inbox_text(report.inbox))
    return "\n".join(lines)


def _inbox_text(section: Any) -> list[str]:
    """The inbox section: a figure per line, Welsh and English side by side."""
    from publisher.reports.formats import inbox_rows

    lines = ["", f"Inbox (Standard 59; policy 11.2: answered within {section.answer_within_working_days} working days)"]
    lines.append(f"{'':<44}{'Welsh':>10}{'English':>10}{'mixed':>10}{'unknown':>10}")
    for row in inbox_rows(section):
        cells = "".join(f"{'-' if row[lang] is None else row[lang]:>10}" for lang in ("cy", "en", "mixed", "unknown"))
        lines.append(f"{row['inbox']:<44}{cells}")
    waits = section.welsh_waits_longer
    lines.append(
        f"Welsh messages answered in English: {section.welsh_answered_in_english} (must be 0); "
        f"Welsh messages unanswered: {len(section.welsh_unanswered)}; over the limit: {section.breaches}; "
        f"Welsh waits longer than English: {'YES' if any(waits.values()) else 'no'}"
    )
    return lines


@report.command()
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (local), e.g. 2027-01-01."
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (local), inclusive.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File for --format html (default compliance-report.html).",
)
@click.pass_context
def compliance(ctx: click.Context, start: datetime | None, end: datetime | None, fmt: str, output: Path | None) -> None:
    """Per published post: Welsh and English times and order, strategy, delay, Welsh source, review; with totals."""
    from publisher.reports import formats
    from publisher.reports.service import compliance_report

    config = config_from(ctx)
    now = datetime.now(UTC)
    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    report = compliance_report(config, now, first, last)
    if fmt == "json":
        click.echo(formats.compliance_json(report))
    elif fmt == "csv":
        click.echo(formats.compliance_csv(report), nl=False)
    elif fmt == "html":
        from publisher.reports.html import render_html

        target = output or Path("compliance-report.html")
        target.write_text(render_html(config, report, now), encoding="utf-8")
        click.echo(f"wrote {target}")
    else:
        click.echo(_text(report))


@report.command()
@click.option(
    "--months",
    type=click.IntRange(1, 120),
    default=12,
    show_default=True,
    help="How many months back, this one included.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_context
def costs(ctx: click.Context, months: int, fmt: str) -> None:
    """Per month and account: posts on platforms that charge per post, and what they cost (the config's price table)."""
    from publisher.reports import formats
    from publisher.reports.costs import month_totals
    from publisher.reports.service import costs_report

    config = config_from(ctx)
    rows = costs_report(config, datetime.now(UTC), months)
    if fmt == "json":
        click.echo(formats.costs_json(rows, months))
    elif fmt == "csv":
        click.echo(formats.costs_csv(rows), nl=False)
    elif not config.costs:
        click.echo("No price table in the config: add [costs.x] (docs/configuration.md) to see what posting costs.")
    else:
        for row in rows:
            click.echo(
                f"{row.month}  {row.account:<24} {row.posts} post(s), {row.with_link} with a link: "
                f"{row.amount:.2f} {row.currency}"
            )
        for month, by_currency in month_totals(rows).items():
            total = ", ".join(f"{amount:.2f} {currency}" for currency, amount in sorted(by_currency.items()))
            click.echo(f"{month}  total: {total}")
        if not rows:
            click.echo(f"Nothing priced was published in the last {months} month(s).")
