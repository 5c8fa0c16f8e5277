"""Retry, pause and resume from the queue page (docs/web.md "Queue").

The same functions as ``publisher retry`` and ``publisher pause|resume``,
with the signed-in person as who did it in the audit trail; only the comms
and admin roles may (checked on the server). A refusal is shown on the queue page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for

from publisher.content.post import normalise
from publisher.i18n import _, ngettext
from publisher.services.pausing import PauseRefused, pause, resume
from publisher.services.retry import RetryRefused, retry
from publisher.web.security import config, needs, now

blueprint = Blueprint("actions", __name__)
MAX_REASON = 1000


def _account() -> str | None:
    """The account asked for; every account when none (or one not configured: the service says so)."""
    return request.form.get("account", "").strip()[:255] or None


def _back() -> Any:
    return redirect(url_for("pages.queue"))


@blueprint.route("/queue/retry", methods=["POST"])
@needs("queue")
def retry_post() -> Any:
    """Put a post's failed deliveries back in the queue, Welsh first; the daemon sends them at its next turn."""
    post_id = request.form.get("post", "")[:255]
    try:
        done = retry(config(), post_id, _account(), now(), g.user.name)
    except RetryRefused as exc:
        flash(str(exc), "problem")
        return _back()
    count = len(done.deliveries)
    flash(
        ngettext(
            "%(num)d delivery of %(post)s is back in the queue, Welsh first.",
            "%(num)d deliveries of %(post)s are back in the queue, Welsh first.",
            count,
        )
        % {"num": count, "post": done.post_id}
    )
    return _back()


@blueprint.route("/queue/pause", methods=["POST"])
@needs("queue")
def pause_posts() -> Any:
    """Stop scheduled posts (of one account, or all) at once; emergency posts still go."""
    reason = normalise(request.form.get("reason", "")[:MAX_REASON]).strip()
    if not reason:
        flash(_("Say why the posts are paused."), "problem")
        return _back()
    try:
        pause(config(), _account(), reason, g.user.name)
    except PauseRefused as exc:
        flash(str(exc), "problem")
        return _back()
    flash(_("Paused: scheduled posts wait until resumed."))
    return _back()


@blueprint.route("/queue/resume", methods=["POST"])
@needs("queue")
def resume_posts() -> Any:
    """Let paused scheduled posts go again, in order."""
    try:
        resume(config(), _account(), g.user.name)
    except PauseRefused as exc:
        flash(str(exc), "problem")
        return _back()
    flash(_("Resumed: paused posts go out again, in order."))
    return _back()
