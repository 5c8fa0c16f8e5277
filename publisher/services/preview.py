"""``publisher preview``: exactly what each account will receive for a post (docs/commands.md "preview").

Exit 0 when the post is valid, 1 when it has errors (it would not be
published), 2 for an unknown post id or account: the front-end decides,
from :class:`UnknownPost` and the ``errors`` in the data.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from publisher import rules
from publisher.config import Config
from publisher.content.discovery import find_files, pair, read_file
from publisher.content.post import Post
from publisher.content.schedules import inherit_accounts
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.i18n import _
from publisher.text.preview import describe


class UnknownPost(LookupError):
    """No post has the id asked for (or it does not go to the account asked for); the message suggests one.

    ``param`` names what was wrong, as the command line calls it.
    """

    def __init__(self, message: str, param: str = "POST_ID") -> None:
        super().__init__(message)
        self.param = param


def find_post(config: Config, post_id: str) -> Post:
    """The post whose id (front matter ``id``, else slug) is ``post_id``."""
    files = find_files(config.content_dir)
    posts = pair([read_file(f) for f in files], {f.path: f.slug for f in files})
    for post in posts:
        if post.id == post_id or post.slug == post_id:
            return post
    match = difflib.get_close_matches(post_id, sorted({p.id for p in posts}), n=1)
    if match:
        raise UnknownPost(
            _("no post with id '%(post)s' (did you mean '%(match)s'?)") % {"post": post_id, "match": match[0]}
        )
    raise UnknownPost(_("no post with id '%(post)s'") % {"post": post_id})


def assigned_slot(config: Config, post_id: str) -> datetime | None:
    """The slot the daemon assigned to a scheduled post, if there is a database that knows it."""
    sqlite_file = config.sqlite_file()
    if sqlite_file is not None and not sqlite_file.exists():
        return None
    from publisher.queue import queries
    from publisher.queue.db import open_existing

    try:
        with open_existing(config) as db:
            if db is None:
                return None
            with db.sessions() as session:
                return queries.assigned_slot(session, post_id)
    except Exception:  # no usable database: the slot is simply not known yet
        return None


def _when(config: Config, post: Post) -> dict[str, str] | None:
    tz = config.timezone
    if post.shared("publish_at"):
        try:
            when = parse_publish_at(post.shared("publish_at"), tz)
        except PublishTimeError:
            return None
        return {"local": f"{when.utc.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}", "utc": when.utc.isoformat()}
    if post.shared("schedule"):
        slot = assigned_slot(config, post.id)
        if slot is not None:
            values = {"when": f"{slot.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}", "schedule": post.shared("schedule")}
            local = _("%(when)s (slot of '%(schedule)s')") % values
            return {"local": local, "utc": slot.isoformat()}
    return None


def preview(config: Config, post_id: str, account: str | None = None) -> dict[str, Any]:
    """The preview of ``post_id`` (only ``account`` if given) as data; UnknownPost for an unknown post or account."""
    post = find_post(config, post_id)
    ctx = rules.build_context(config)
    inherit_accounts(post, ctx.schedule_accounts)
    if account is not None and account not in post.accounts:
        goes_to = ", ".join(post.accounts) or _("no account")
        message = _("post '%(post)s' does not go to '%(account)s' (it goes to: %(accounts)s)")
        raise UnknownPost(message % {"post": post.id, "account": account, "accounts": goes_to}, "--account")
    errors = sorted({f.code for f in rules.run(post, ctx) if f.severity == "error"})
    return describe(config, post, account, errors, _when(config, post))
