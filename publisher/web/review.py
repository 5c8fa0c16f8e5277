"""The Translation Team's review in the browser: English and Welsh side by side; approve or correct (docs/web.md).

The same functions as ``publisher review approve|correct``: only a member of
``[translation_team] members`` may (policy 8.5), and a correction passes
every rule first, so English given as Welsh is refused here with the finding.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from publisher.content.post import normalise
from publisher.emergency.review import ReviewError, ReviewRefused, approve, correct, open_items
from publisher.i18n import _
from publisher.web.labels import label
from publisher.web.security import config, needs, now

blueprint = Blueprint("review", __name__)
MAX_TEXT = 64 * 1024


def _items() -> list[dict[str, Any]]:
    """Open items, the most overdue first, then the oldest."""
    items = open_items(config(), now())
    return sorted(items, key=lambda item: (-item["overdue_working_days"], not item["overdue"], item["created_at"]))


def _page(status: int = 200, **problem: Any) -> Any:
    return render_template("review.html", items=_items(), can_review=g.user.may("review"), **problem), status


@blueprint.route("/review")
def review_list() -> Any:
    """What awaits the Translation Team, overdue first."""
    return _page()


def _refused(item_id: int, exc: ReviewRefused, text: str | None = None) -> Any:
    """A refusal on the item: with findings, the correction broke a rule; without, this person may not review."""
    problem = _("The correction breaks the rules: fix what the findings say.") if exc.findings else str(exc)
    return _page(422, problem_item=item_id, problem=problem, findings=exc.findings, submitted=text)


@blueprint.route("/review/<int:item_id>/approve", methods=["POST"])
@needs("review")
def approve_item(item_id: int) -> Any:
    """The Welsh is fine as it is."""
    try:
        approve(config(), item_id, g.user.name, now())
    except ReviewError as exc:
        return _page(409, problem_item=item_id, problem=str(exc), findings=[])
    except ReviewRefused as exc:
        return _refused(item_id, exc)
    flash(_("Review item #%(num)d approved.") % {"num": item_id})
    return redirect(url_for("review.review_list"))


@blueprint.route("/review/<int:item_id>/correct", methods=["POST"])
@needs("review")
def correct_item(item_id: int) -> Any:
    """Replace the Welsh: an edit where the platform allows it, else a Welsh correction reply."""
    text = normalise(request.form.get("cy", "")[:MAX_TEXT].replace("\r\n", "\n")).strip()
    if not text:
        return _page(422, problem_item=item_id, problem=_("Write the corrected Welsh first."), findings=[])
    accept = request.form.get("accept_warnings") == "yes"
    try:
        outcome = correct(config(), item_id, text, g.user.name, now(), accept_warnings=accept)
    except ReviewError as exc:
        return _page(409, problem_item=item_id, problem=str(exc), findings=[], submitted=text)
    except ReviewRefused as exc:
        return _refused(item_id, exc, text)
    flash(_("Review item #%(num)d corrected.") % {"num": item_id})
    for result in outcome.corrections:
        where = result["url"] or result["error"] or ""
        flash(f"{result['account']}: {label(result['how'])}, {label(result['state'])} {where}".strip())
    return redirect(url_for("review.review_list"))
