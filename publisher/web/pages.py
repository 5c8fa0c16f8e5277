"""The calendar (month and week), a post's preview, and the queue of what needs a person (docs/web.md)."""

from __future__ import annotations

import calendar as months
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from publisher.services.attention import needs_a_person
from publisher.services.calendar import STATES, CalendarFilter, NoSuchPost, calendar, post_detail
from publisher.web.security import config, now

blueprint = Blueprint("pages", __name__)
VIEWS = ("month", "week")


def _day(value: str | None) -> date:
    """The day asked for (``YYYY-MM-DD``), else today in the configured timezone."""
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return now().astimezone(config().timezone).date()


def _month_range(day: date) -> tuple[date, date, date, date]:
    """The month's first and last days, and the Monday and Sunday that frame its grid."""
    first = day.replace(day=1)
    last = day.replace(day=months.monthrange(day.year, day.month)[1])
    return first, last, first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


def _weeks(start: date, end: date, days: dict[str, list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    weeks: list[list[dict[str, Any]]] = []
    day = start
    while day <= end:
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append({"date": day, "posts": days.get(day.isoformat(), [])})
        day += timedelta(days=1)
    return weeks


def _query(**changes: Any) -> str:
    """This calendar's address with some of its parameters changed."""
    args = {key: value for key, value in request.args.items() if key in ("view", "date", "account", "state")}
    args.update({key: value for key, value in changes.items() if value is not None})
    kept: dict[str, Any] = {k: v for k, v in args.items() if v}
    return url_for("pages.calendar", **kept)


@blueprint.route("/")
def home() -> Any:
    return redirect(url_for("pages.calendar"))


@blueprint.route("/calendar", endpoint="calendar")
def calendar_page() -> Any:
    """Month or week view of every post, with its state per account; filters by account and state."""
    view = request.args.get("view", "month")
    view = view if view in VIEWS else "month"
    day = _day(request.args.get("date"))
    account = request.args.get("account") or None
    state = request.args.get("state") or None
    if view == "month":
        first, last, grid_start, grid_end = _month_range(day)
        previous, following = first - timedelta(days=1), last + timedelta(days=1)
    else:
        grid_start = first = day - timedelta(days=day.weekday())
        grid_end = last = first + timedelta(days=6)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    data = calendar(config(), CalendarFilter(grid_start, grid_end, account, state))
    return render_template(
        "calendar.html",
        view=view,
        day=day,
        first=first,
        last=last,
        weeks=_weeks(grid_start, grid_end, data["days"]),
        data=data,
        account=account,
        state=state,
        states=STATES,
        previous_url=_query(date=previous.isoformat()),
        next_url=_query(date=following.isoformat()),
        today_url=_query(date=now().astimezone(config().timezone).date().isoformat()),
        view_url=lambda v: _query(view=v),
        total=sum(len(posts) for posts in data["days"].values()),
    )


def _content_preview(post_id: str) -> dict[str, Any] | None:
    """What ``publisher preview`` shows for a post of the content; None when its files are gone."""
    from publisher.services.preview import UnknownPost, preview

    try:
        return preview(config(), post_id)
    except UnknownPost:
        return None


@blueprint.route("/posts/<path:post_id>")
def post(post_id: str) -> Any:
    """A post exactly as each account will receive it (or received it), with lengths as each platform counts."""
    try:
        detail = post_detail(config(), post_id)
    except NoSuchPost:
        abort(404)
    planned = _content_preview(post_id) if detail["source"] == "content" else None
    return render_template("post.html", post=detail, planned=planned)


@blueprint.route("/queue")
def queue() -> Any:
    """Failed and unknown deliveries, held posts, reviews (overdue first), accounts that need a person."""
    data = needs_a_person(config(), now())
    accounts = sorted(config().accounts)
    return render_template("queue.html", data=data, can_act=g.user.may("queue"), accounts=accounts)
