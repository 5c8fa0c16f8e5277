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
from publisher.cli.translated import Group
from publisher.i18n import N_, _
from publisher.redaction import printable


@click.group(
    cls=Group, help=N_("Reports: posting cadence (policy 7.2.11), bilingual compliance (8.6) and what posting cost.")
)
def report() -> None:
    pass


@report.command(
    help=N_(
        "Bilingual posts published per account and ISO week; under two a week is flagged.\n\n"
        "The coming two weeks show what is scheduled, so a gap shows before it happens. Exit 1 if any past "
        "week of any account is flagged."
    )
)
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    default=8,
    show_default=True,
    help=N_("How many weeks back, this week included."),
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_context
def cadence(ctx: click.Context, weeks: int, fmt: str) -> None:
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
            mark = _("  UNDER 2") if row.flagged else ""
            figures = _("%(week)s (from %(start)s)  published %(published)d  scheduled %(scheduled)d") % {
                "week": row.week,
                "start": row.week_start,
                "published": row.published,
                "scheduled": row.scheduled,
            }
            click.echo(f"{row.account:<24} {figures}{mark}")
        if rows:
            click.echo(_("Policy 7.2.11: at least %(n)d bilingual posts a week per account.") % {"n": MIN_PER_WEEK})
    today = now.astimezone(config.timezone).date()
    ctx.exit(1 if any(r.flagged and date.fromisoformat(r.week_start) <= today for r in rows) else 0)


def _text(report: Any) -> str:
    lines = []
    for post in report.posts:
        order = "-" if post.welsh_first is None else (_("Welsh first") if post.welsh_first else _("ENGLISH FIRST"))
        welsh = post.welsh_at and post.welsh_at.isoformat(timespec="minutes")
        english = post.english_at and post.english_at.isoformat(timespec="minutes")
        line = f"{post.id}: {', '.join(post.accounts)} [{post.strategy}] cy {welsh} en {english} {order}; "
        values = {"source": post.translation_source, "review": post.review_state}
        source = _("Welsh: %(source)s; review %(review)s") if post.review_state else _("Welsh: %(source)s")
        lines.append(printable(line + source % values))
        values = {"commit": (post.commit or "")[:12], "author": post.author, "reviewer": post.reviewer or "-"}
        if post.commit:
            provenance = _("commit %(commit)s by %(author)s; Welsh reviewed by %(reviewer)s") % values
        else:
            provenance = _("not from a commit; Welsh reviewed by %(reviewer)s") % values
        lines.append(printable("    " + provenance))
    for pause in report.pauses:
        values = {**pause, "whom": pause["account"] or _("every account"), "to": pause["to"] or _("now")}
        lines.append(printable(_("paused: %(whom)s from %(from)s to %(to)s (%(hours)s h): %(reason)s") % values))
    totals = report.totals
    reasons = ", ".join(f"{c}: {n}" for c, n in totals.held_reasons.items())
    values = {
        "posts": totals.posts,
        "bilingual": totals.fully_bilingual,
        "bilingual_share": f"{totals.fully_bilingual_share:.0%}",
        "emergency": totals.emergency,
        "emergency_share": f"{totals.emergency_share:.0%}",
        "overdue": totals.overdue_reviews,
        "held": totals.held,
        "reasons": reasons,
    }
    if reasons:
        summary = _(
            "%(posts)d published: %(bilingual)d fully bilingual (%(bilingual_share)s), %(emergency)d emergency "
            "(%(emergency_share)s); %(overdue)d overdue review(s); %(held)d held back (%(reasons)s)"
        )
    else:
        summary = _(
            "%(posts)d published: %(bilingual)d fully bilingual (%(bilingual_share)s), %(emergency)d emergency "
            "(%(emergency_share)s); %(overdue)d overdue review(s); %(held)d held back"
        )
    lines.append(summary % values)
    if report.inbox.shown:
        lines.extend(_inbox_text(report.inbox))
    return "\n".join(lines)


def _inbox_text(section: Any) -> list[str]:
    """The inbox section: a figure per line, Welsh and English side by side."""
    from publisher.reports.formats import inbox_rows

    days = {"days": section.answer_within_working_days}
    lines = ["", _("Inbox (Standard 59; policy 11.2: answered within %(days)d working days)") % days]
    headers = "".join(f"{_(label):>10}" for label in (N_("Welsh"), N_("English"), N_("mixed"), N_("unknown")))
    lines.append(f"{'':<44}{headers}")
    for row in inbox_rows(section):
        cells = "".join(f"{'-' if row[lang] is None else row[lang]:>10}" for lang in ("cy", "en", "mixed", "unknown"))
        lines.append(f"{row['inbox']:<44}{cells}")
    values = {
        "in_english": section.welsh_answered_in_english,
        "unanswered": len(section.welsh_unanswered),
        "breaches": section.breaches,
        "longer": _("YES") if any(section.welsh_waits_longer.values()) else _("no"),
    }
    lines.append(
        _(
            "Welsh messages answered in English: %(in_english)d (must be 0); Welsh messages unanswered: "
            "%(unanswered)d; over the limit: %(breaches)d; Welsh waits longer than English: %(longer)s"
        )
        % values
    )
    return lines


@report.command(
    help=N_(
        "Per published post: Welsh and English times and order, strategy, delay, Welsh source, review; with totals."
    )
)
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help=N_("First day (local), e.g. 2027-01-01.")
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help=N_("Last day (local), inclusive."))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("File for --format html (default compliance-report.html)."),
)
@click.pass_context
def compliance(ctx: click.Context, start: datetime | None, end: datetime | None, fmt: str, output: Path | None) -> None:
    from publisher.reports import formats
    from publisher.reports.service import compliance_report

    config = config_from(ctx)
    now = datetime.now(UTC)
    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and last < first:
        raise click.BadParameter(_("--to is before --from"), param_hint="--to")
    report = compliance_report(config, now, first, last)
    if fmt == "json":
        click.echo(formats.compliance_json(report))
    elif fmt == "csv":
        click.echo(formats.compliance_csv(report), nl=False)
    elif fmt == "html":
        from publisher.reports.html import render_html

        target = output or Path("compliance-report.html")
        target.write_text(render_html(config, report, now), encoding="utf-8")
        click.echo(_("wrote %(path)s") % {"path": target})
    else:
        click.echo(_text(report))


@report.command(
    help=N_(
        "Per month and account: posts on platforms that charge per post, and what they cost (the config's price table)."
    )
)
@click.option(
    "--months",
    type=click.IntRange(1, 120),
    default=12,
    show_default=True,
    help=N_("How many months back, this one included."),
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_context
def costs(ctx: click.Context, months: int, fmt: str) -> None:
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
        click.echo(_("No price table in the config: add [costs.x] (docs/configuration.md) to see what posting costs."))
    else:
        for row in rows:
            values = {
                "posts": row.posts,
                "with_link": row.with_link,
                "amount": f"{row.amount:.2f}",
                "currency": row.currency,
            }
            cost = _("%(posts)d post(s), %(with_link)d with a link: %(amount)s %(currency)s") % values
            click.echo(f"{row.month}  {row.account:<24} {cost}")
        for month, by_currency in month_totals(rows).items():
            total = ", ".join(f"{amount:.2f} {currency}" for currency, amount in sorted(by_currency.items()))
            click.echo(f"{month}  " + _("total: %(total)s") % {"total": total})
        if not rows:
            click.echo(_("Nothing priced was published in the last %(months)d month(s).") % {"months": months})
