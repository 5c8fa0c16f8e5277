"""``front-matter-invalid``: unreadable files, bad YAML, wrong types, unknown or missing keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.redaction import printable
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule(
    "front-matter-invalid",
    "error",
    N_("fix the front matter between the '---' lines as the message says (see the content format in the README)"),
)


# A post id names the post in logs, terminals, URLs and reports: letters, digits, '_', '-', '.', ':' in
# '/'-separated parts, each starting with a letter, digit or '_' (so no '..' and no hidden names).
SAFE_ID = re.compile(r"\w[\w.:-]*(?:/\w[\w.:-]*)*")
MAX_ID = 200


def _id_problem(post: Post) -> Finding | None:
    post_id = post.id
    if SAFE_ID.fullmatch(post_id) and len(post_id) <= MAX_ID:
        return None
    shown = printable(post_id)[:80]
    where = post.where("id")
    if where is not None:
        message = _(
            "the id '%(id)s' may only use letters, digits, '_', '-', '.' and ':', in parts separated by '/'; "
            "choose another id"
        )
        return RULE.at(post, where[0], where[1], message % {"id": shown})
    message = _(
        "the file name makes the post id '%(id)s', which may only use letters, digits, '_', '-', '.' and ':', "
        "in parts separated by '/': rename the file"
    )
    return RULE.at(post, post.files()[0], 1, message % {"id": shown})


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    bad_id = _id_problem(post)
    if bad_id is not None:
        yield bad_id
    for post_file in post.files():
        for problem in post_file.meta.problems:
            yield RULE.at(post, post_file, problem.line, problem.message)
        if post_file.readable and not post_file.body_markdown.strip():
            yield RULE.at(
                post,
                post_file,
                post_file.body_line,
                _("the body is empty: write the post text after the closing '---'"),
            )
    if post.complete:
        yield from _required(post)


def _required(post: Post) -> Iterator[Finding]:
    """The keys a post cannot do without: accounts (or a schedule's), and a time or a schedule."""
    first = post.cy or post.en
    assert first is not None
    named = post.shared("accounts") is not None or any("accounts" in f.meta.present for f in post.files())
    if not named and not post.schedule_accounts:
        if post.shared("schedule"):
            message = _(
                "missing required key 'accounts': add e.g. 'accounts: [powys-x]' (or name a schedule that has accounts)"
            )
        else:
            message = _("missing required key 'accounts': add e.g. 'accounts: [powys-x]'")
        yield RULE.at(post, first, 2, message)
    has_time = any("publish_at" in f.meta.present for f in post.files())
    has_schedule = any("schedule" in f.meta.present for f in post.files())
    if not has_time and not has_schedule:
        yield RULE.at(
            post, first, 2, _("missing 'publish_at' (or 'schedule'): add e.g. 'publish_at: 2027-01-12T10:00'")
        )
    elif has_time and has_schedule:
        where = post.where("schedule")
        file, line = where if where else (first, 2)
        yield RULE.at(post, file, line, _("give either 'publish_at' or 'schedule', not both"))


@dataclass(frozen=True)
class PostRef:
    """Where a post's id comes from: enough to judge uniqueness without re-reading it."""

    slug: str
    id: str
    file: str
    line: int
    schedule: str | None = None  # the schedule it waits for, when it has no publish_at


def ref(post: Post) -> PostRef:
    where = post.where("id")
    first = post.files()[0]
    file, line = where if where else (first, 1)
    schedule = post.shared("schedule") if not post.shared("publish_at") else None
    return PostRef(slug=post.slug, id=post.id, file=file.display, line=line, schedule=schedule)


def duplicate_ids(refs: list[PostRef]) -> Iterator[Finding]:
    """Ids must be unique across the whole content: the queue keys posts by id."""
    owners: dict[str, list[PostRef]] = {}
    for item in refs:
        owners.setdefault(item.id, []).append(item)
    for post_id, same in owners.items():
        for item in same if len(same) > 1 else ():
            others = ", ".join(o.slug for o in same if o is not item)
            yield Finding(
                file=item.file,
                line=item.line,
                code=RULE.code,
                severity=RULE.severity,
                post=post_id,
                message=_("post id '%(id)s' is also used by %(others)s; ids must be unique")
                % {"id": post_id, "others": others},
            )
