"""The audit trail in the browser: who did what, newest first (docs/web.md "Audit trail").

The same events ``publisher audit verify`` checks; only administrators see them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from publisher.services.audit import recent_events
from publisher.web.security import config, needs

blueprint = Blueprint("audit", __name__)
LIMIT = 200


@blueprint.route("/audit")
@needs("users")
def events() -> Any:
    """The latest events, optionally one person's."""
    actor = request.args.get("actor", "").strip()[:255] or None
    return render_template("audit.html", events=recent_events(config(), LIMIT, actor), actor=actor, limit=LIMIT)
