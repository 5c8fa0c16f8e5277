"""Report data from the queue database: cadence (policy 7.2.11) and compliance (8.6; docs/reports.md).

Everything is computed from deliveries and their publish times, in the
configured timezone: an ISO week runs Monday 00:00 to Sunday 24:00 local
time, so a week with a clock change is still one week.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.db import open_database
from publisher.queue.pauses import Span
from publisher.queue.states import OPEN_STATES, Action, DeliveryState, PostSource, PostState, ReviewState
from publisher.workdays import working_days_between

MIN_PER_WEEK = 2  # policy 7.2.11: post bilingually at least twice a week


def iso_week(value: date) -> str:
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(value: date) -> date:
    return value - timedelta(days=value.weekday())


@dataclass
class PostRecord:
    """One post as the reports see it: per language publish times, strategy, source, review."""

    id: str
    source: str
    state: str
    accounts: list[str]
    scheduled_at: datetime | None
    translation_source: str
    strategy: str = ""
    welsh_at: datetime | None = None
    english_at: datetime | None = None
    bilingual: bool = False
    welsh_first: bool | None = None
    delay_seconds: float | None = None
    review_state: str | None = None
    review_delay_working_days: int | None = None
    review_overdue: bool = False
    held_codes: list[str] = field(default_factory=list)
    per_account: dict[str, dict[str, Any]] = field(default_factory=dict)
    commit: str | None = None  # provenance: who published this, and who checked the Welsh
    author: str | None = None
    reviewer: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("scheduled_at", "welsh_at", "english_at"):
            data[key] = data[key].isoformat() if data[key] else None
        for account in data["per_account"].values():
            for key in ("welsh_at", "english_at"):
                account[key] = account[key].isoformat() if account[key] else None
        return data


def _strategy(config: Config, target: str) -> str:
    account = config.accounts.get(target)
    if account is None:
        return "unknown"
    return "pair" if account.is_pair else account.strategy


def _first(times: list[datetime]) -> datetime | None:
    return min(times) if times else None


def _per_account(config: Config, target: str, mine: list[m.Delivery]) -> dict[str, Any]:
    """One account's side of a post: when each language went out, whether both did."""
    out = [d for d in mine if d.state == DeliveryState.PUBLISHED and d.published_at]
    welsh = [d.published_at for d in out if d.language in ("cy", "cy+en") and d.published_at]
    english = [d.published_at for d in out if d.language in ("en", "cy+en") and d.published_at]
    all_out = bool(mine) and all(d.state == DeliveryState.PUBLISHED for d in mine)
    return {
        "strategy": _strategy(config, target),
        "welsh_at": _first(welsh),
        "english_at": _first(english),
        "bilingual": all_out and bool(welsh) and bool(english),
        "open": any(d.state in OPEN_STATES for d in mine),
        "failed": any(d.state == DeliveryState.FAILED for d in mine),
    }


def _order(record: PostRecord) -> None:
    """Whether the Welsh went first everywhere, and the longest wait for the English."""
    published = [a for a in record.per_account.values() if a["welsh_at"] or a["english_at"]]
    record.strategy = ", ".join(sorted({a["strategy"] for a in record.per_account.values()}))
    record.welsh_at = _first([a["welsh_at"] for a in published if a["welsh_at"]])
    record.english_at = _first([a["english_at"] for a in published if a["english_at"]])
    record.bilingual = bool(record.per_account) and all(a["bilingual"] for a in record.per_account.values())
    both = [a for a in published if a["welsh_at"] and a["english_at"]]
    if record.welsh_at and record.english_at:
        record.welsh_first = all(a["welsh_at"] <= a["english_at"] for a in both)
        record.delay_seconds = max((a["english_at"] - a["welsh_at"]).total_seconds() for a in both)


def _review(config: Config, record: PostRecord, review: m.ReviewItem | None, now: datetime) -> None:
    if review is None:
        return
    record.review_state = review.state.value
    record.reviewer = record.reviewer or review.reviewer
    record.review_delay_working_days = working_days_between(config, review.created_at, review.resolved_at or now)
    record.review_overdue = review.state == ReviewState.OPEN and now > review.due_at


def _record(config: Config, post: m.StoredPost, review: m.ReviewItem | None, now: datetime) -> PostRecord:
    # Corrections are not the post: only what was published as the post counts.
    current = [d for d in post.deliveries if d.revision == post.revision and d.action is Action.PUBLISH]
    record = PostRecord(
        id=post.id,
        source=post.source.value,
        state=post.state.value,
        accounts=list(post.accounts or []),
        scheduled_at=post.scheduled_at,
        translation_source=post.translation_source.value,
        held_codes=list(post.held_codes or []),
        commit=post.commit_id,
        author=post.commit_author,
        reviewer=post.reviewer,
    )
    for target in record.accounts:
        record.per_account[target] = _per_account(config, target, [d for d in current if d.target == target])
    _order(record)
    _review(config, record, review, now)
    return record


def load_posts(config: Config, session: Session, now: datetime) -> list[PostRecord]:
    """Every post in the database with what the reports need (answers to inbox messages are not posts)."""
    posts = session.scalars(
        select(m.StoredPost)
        .where(m.StoredPost.source != PostSource.INBOX)
        .options(selectinload(m.StoredPost.deliveries))
        .order_by(m.StoredPost.scheduled_at, m.StoredPost.id)
    ).all()
    reviews = {r.post_id: r for r in session.scalars(select(m.ReviewItem)).all()}
    return [_record(config, post, reviews.get(post.id), now) for post in posts]


def load_records(config: Config, now: datetime) -> list[PostRecord]:
    """Every post's record, from the configured database."""
    with open_database(config) as db, db.sessions() as session:
        return load_posts(config, session, now)


def paused_time(
    config: Config, spans: list[Span], start: date | None, end: date | None, now: datetime
) -> list[dict[str, Any]]:
    """The pauses that overlap the period (local days, inclusive), each with how many hours of it they took."""
    tz = config.timezone
    low = datetime.combine(start, time(0), tz) if start else datetime.min.replace(tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=1), time(0), tz) if end else now
    rows = []
    for span in spans:
        if not span.overlaps(low, high) or span.started_at > now:
            continue
        until = min(span.ended_at or now, high, now)
        hours = max(0.0, (until - max(span.started_at, low)).total_seconds() / 3600)
        rows.append({**span.as_dict(), "hours": round(hours, 2)})
    return rows


@dataclass
class CadenceRow:
    account: str
    week: str
    week_start: str
    published: int
    scheduled: int
    flagged: bool


def cadence(config: Config, records: list[PostRecord], now: datetime, weeks: int, ahead: int = 2) -> list[CadenceRow]:
    """Per account and ISO week: bilingual posts published (past weeks) and scheduled (coming weeks)."""
    tz = config.timezone
    this_week = week_start(now.astimezone(tz).date())
    starts = [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)] + [
        this_week + timedelta(weeks=i) for i in range(1, ahead + 1)
    ]
    published: dict[tuple[str, date], int] = defaultdict(int)
    scheduled: dict[tuple[str, date], int] = defaultdict(int)
    accounts = sorted(name for name, account in config.accounts.items() if not _is_pair_member(config, name))
    for record in records:
        for target, info in record.per_account.items():
            if info["bilingual"] and info["welsh_at"]:
                published[(target, week_start(info["welsh_at"].astimezone(tz).date()))] += 1
            elif info["open"] and record.scheduled_at and record.state == PostState.ACTIVE:
                scheduled[(target, week_start(record.scheduled_at.astimezone(tz).date()))] += 1
    rows = []
    for account in accounts:
        for start in starts:
            count = published[(account, start)]
            upcoming = scheduled[(account, start)]
            past = start <= this_week
            # The current week is judged on what is published plus what is still scheduled in it.
            flagged = (
                (count + (upcoming if start == this_week else 0) < MIN_PER_WEEK) if past else (upcoming < MIN_PER_WEEK)
            )
            rows.append(
                CadenceRow(
                    account=account,
                    week=iso_week(start),
                    week_start=start.isoformat(),
                    published=count,
                    scheduled=upcoming,
                    flagged=flagged,
                )
            )
    return rows


def _is_pair_member(config: Config, name: str) -> bool:
    """Accounts that only exist as one half of a language pair are reported through the pair."""
    return any(a.is_pair and name in (a.welsh_account, a.english_account) for a in config.accounts.values())


@dataclass
class ComplianceTotals:
    posts: int
    fully_bilingual: int
    fully_bilingual_share: float
    emergency: int
    emergency_share: float
    overdue_reviews: int
    held: int
    held_reasons: dict[str, int]


def in_range(record: PostRecord, start: date | None, end: date | None, config: Config) -> bool:
    moment = record.welsh_at or record.english_at or record.scheduled_at
    if moment is None:
        return start is None and end is None
    day = moment.astimezone(config.timezone).date()
    return (start is None or day >= start) and (end is None or day <= end)


def compliance(
    config: Config, records: list[PostRecord], start: date | None, end: date | None
) -> tuple[list[PostRecord], ComplianceTotals]:
    """Published posts in the range, and the totals the Commissioner asks about."""
    chosen = [r for r in records if in_range(r, start, end, config)]
    published = [r for r in chosen if r.welsh_at or r.english_at]
    held = [r for r in chosen if r.state == PostState.HELD]
    reasons: dict[str, int] = defaultdict(int)
    for record in held:
        for code in record.held_codes:
            reasons[code] += 1
    total = len(published)
    bilingual = sum(1 for r in published if r.bilingual)
    emergency = sum(1 for r in published if r.source == "emergency")
    return published, ComplianceTotals(
        posts=total,
        fully_bilingual=bilingual,
        fully_bilingual_share=round(bilingual / total, 4) if total else 0.0,
        emergency=emergency,
        emergency_share=round(emergency / total, 4) if total else 0.0,
        overdue_reviews=sum(1 for r in records if r.review_overdue),
        held=len(held),
        held_reasons=dict(sorted(reasons.items())),
    )


def month_calendar(config: Config, records: list[PostRecord], month: date) -> list[list[dict[str, Any]]]:
    """The weeks (Monday first) covering ``month``, each day with its posts: account, state, local time."""
    tz = config.timezone
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        moment = record.welsh_at or record.scheduled_at
        if moment is None:
            continue
        local = moment.astimezone(tz)
        for target, info in record.per_account.items():
            if record.state == PostState.HELD:
                state = "held"
            elif info["failed"]:  # e.g. the Welsh failed and the English waits behind it
                state = "failed"
            elif info["bilingual"]:
                state = "published"
            elif info["open"]:
                state = "scheduled"
            else:
                state = record.state if record.state != PostState.ACTIVE else "failed"
            by_day[local.date()].append(
                {"post": record.id, "account": target, "state": state, "time": local.strftime("%H:%M")}
            )
    weeks: list[list[dict[str, Any]]] = []
    day = week_start(first)
    while day <= last + timedelta(days=6 - last.weekday()):
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(
            {
                "date": day.isoformat(),
                "day": day.day,
                "in_month": day.month == first.month,
                "entries": by_day.get(day, []),
            }
        )
        day += timedelta(days=1)
    return weeks
