"""Bring the database in line with the content folder (each daemon cycle and on SIGHUP).

Unchanged files cost one read and a hash. A new or changed post is validated
with every rule: with errors it is *held* (reported with its codes, not
queued); without, its deliveries are (re)created from
:func:`publisher.text.compose.compose`. Once anything of a post has gone out
(or may have), later edits are reported, never republished, and the rest of
the post goes out as first queued so the two languages still match
(docs/commands.md "run").
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import String, cast, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from publisher import rules
from publisher.config import Config
from publisher.content.discovery import FoundFile, find_files, pair, read_file
from publisher.content.history import Commit, last_commits
from publisher.content.post import MAX_FILE_BYTES, Post
from publisher.content.schedules import Schedule, inherit_accounts, load_schedules
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.files import UnreadableFile, read_bounded
from publisher.platforms.media import source_digest
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.deliveries import cancel_waiting, create_deliveries, started
from publisher.queue.pauses import all_spans, holds, sync_quiet_periods
from publisher.queue.queries import published_post_ids
from publisher.queue.recurring import create_occurrences
from publisher.queue.slots import assign_slot, move_to_next_slot, release_slot
from publisher.queue.states import WAITING_STATES, DeliveryState, PostSource, PostState
from publisher.rules.front_matter_invalid import PostRef, duplicate_ids, ref

log = logging.getLogger("publisher.sync")

SYNC_LOCK_KEY = 0x70756273  # "pubs": the advisory lock serialising content sync on PostgreSQL

Known = dict[str, tuple[str, str, str]]  # slug -> (post id, content hash, state)


@dataclass
class SyncReport:
    """What one sync changed, for the log and ``run --once``'s exit code."""

    queued: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    held: dict[str, list[str]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    changed_after_publishing: list[str] = field(default_factory=list)
    moved: dict[str, datetime] = field(default_factory=dict)  # missed slots moved to the next free one


@dataclass(frozen=True)
class Judged:
    """A new or changed post, its content hash and the codes of its errors (none: it may be queued)."""

    post: Post
    content_hash: str
    errors: list[str]
    commit: Commit | None = None  # the newest commit that changed its files (provenance)
    media_changed: bool = False  # an image changed under an unchanged post: queue it again


def _digest(raw: bytes | None) -> str:
    return hashlib.sha256(raw).hexdigest() if raw is not None else "absent"


def _pair_hash(digests: dict[str, str]) -> str:
    """The post's content hash: both files' digests, Welsh first."""
    return hashlib.sha256(f"cy:{digests.get('cy', 'absent')}\0en:{digests.get('en', 'absent')}".encode()).hexdigest()


def _read(item: FoundFile) -> bytes | None:
    """The post file's bytes (bounded, regular files only); None when it cannot be read (its finding says why)."""
    try:
        return read_bounded(item.path, MAX_FILE_BYTES) if item.inside_root else None
    except (UnreadableFile, OSError):
        return None


class StatCache:
    """File digests keyed by (mtime, size): a daemon re-reads only files that changed.

    Lives as long as the daemon process; ``run --once`` starts empty and reads everything.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, int, str]] = {}
        self._media: dict[str, tuple[tuple[int, int, int], str | None]] = {}

    def media_digest(self, path: Path, root: Path) -> str | None:
        """An image's digest now (read again only when its inode, mtime or size changed)."""
        try:
            stat = os.lstat(path)
            signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            return None
        cached = self._media.get(str(path))
        if cached is not None and cached[0] == signature:
            return cached[1]
        digest = source_digest(path, root)
        self._media[str(path)] = (signature, digest)
        return digest

    def digest(self, item: FoundFile) -> tuple[str, bytes | None]:
        """The file's digest, and its bytes when they had to be read."""
        try:
            stat = os.stat(item.location)
            signature = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            signature = (-1, -1)
        cached = self._entries.get(item.location)
        if cached is not None and cached[:2] == signature:
            return cached[2], None
        raw = _read(item)
        digest = _digest(raw)
        self._entries[item.location] = (*signature, digest)
        return digest, raw


# -- reading ------------------------------------------------------------------


def _known(session: Session) -> Known:
    """slug -> (post id, content hash, state) of every post that came from the content folder."""
    query = select(m.StoredPost.slug, m.StoredPost.id, m.StoredPost.content_hash, m.StoredPost.state).where(
        m.StoredPost.source == PostSource.CONTENT
    )
    return {slug: (post_id, content_hash, state) for slug, post_id, content_hash, state in session.execute(query)}


def _stale_media(session: Session, config: Config, stats: StatCache) -> set[str]:
    """Slugs of queued posts whose images changed since they were queued (so they are checked and queued again).

    Each delivery records its images' digests (publisher/queue/deliveries.py);
    an image edited in place changes no post file, so it is looked for here.
    """
    rows = session.execute(
        select(m.StoredPost.slug, m.Delivery.media)
        .join(m.Delivery, m.Delivery.post_id == m.StoredPost.id)
        .where(
            m.StoredPost.source == PostSource.CONTENT,
            m.StoredPost.state == PostState.ACTIVE,
            m.Delivery.revision == m.StoredPost.revision,
            m.Delivery.state.in_(WAITING_STATES),
            m.Delivery.attempts == 0,
            func.length(cast(m.Delivery.media, String)) > 2,
        )
    )
    stale: set[str] = set()
    for slug, media in rows:
        for item in media:
            recorded = item.get("sha256")
            path = config.content_dir / item["file"]
            if slug not in stale and recorded and stats.media_digest(path, config.content_dir) != recorded:
                stale.add(slug)
    return stale


def _read_changed(
    by_slug: dict[str, dict[str, FoundFile]],
    known: Known,
    stats: StatCache,
    stale: set[str],
    schedules: dict[str, Schedule],
) -> list[tuple[Post, str, bool]]:
    """The posts whose files (or images) differ from what the database holds, with their new content hash."""
    changed: list[tuple[Post, str, bool]] = []
    for slug, items in sorted(by_slug.items()):
        digests: dict[str, str] = {}
        raws: dict[str, bytes | None] = {}
        for lang, item in items.items():
            digests[lang], raws[lang] = stats.digest(item)
        content_hash = _pair_hash(digests)
        unchanged = slug in known and known[slug][1] == content_hash
        if unchanged and slug not in stale:
            continue
        raw = {lang: raws[lang] if raws[lang] is not None else _read(item) for lang, item in items.items()}
        files = [read_file(item, raw=raw[lang]) for lang, item in items.items()]
        post = pair(files, {i.path: slug for i in items.values()})[0]
        inherit_accounts(post, schedules)
        changed.append((post, content_hash, unchanged))
    # Slots go to posts in queue_order, then (first seen together) by name.
    changed.sort(
        key=lambda item: (item[0].shared("queue_order") is None, item[0].shared("queue_order") or 0, item[0].slug)
    )
    return changed


def _validate_changed(
    config: Config,
    sessions: sessionmaker[Session],
    now: datetime,
    changed: list[tuple[Post, str, bool]],
    known: Known,
    by_slug: dict[str, dict[str, FoundFile]],
) -> list[Judged]:
    """Every rule on each changed post: its error codes (a post with any is held, not queued)."""
    if not changed:
        return []
    with sessions() as session:
        published = published_post_ids(session)
    # Lateness is not a validation error here: a post due too long ago is expired (or, in a pause, waits).
    ctx = rules.build_context(config, now, published=published, fresh=frozenset())
    changed_slugs = {p.slug for p, _, _ in changed}
    others = [
        PostRef(slug=slug, id=post_id, file=slug, line=1)
        for slug, (post_id, _, _) in known.items()
        if slug in by_slug and slug not in changed_slugs
    ]
    duplicates = {f.post for f in duplicate_ids([ref(p) for p, _, _ in changed] + others)}
    commits = last_commits([f.path for post, _, _ in changed for f in post.files()])
    judged = []
    for post, content_hash, media_only in changed:
        errors = {f.code for f in rules.run(post, ctx) if f.severity == "error"}
        if post.id in duplicates:
            errors.add("front-matter-invalid")
        newest = min((commits[f.path] for f in post.files() if f.path in commits), key=lambda c: c.age, default=None)
        judged.append(Judged(post, content_hash, sorted(errors), newest, media_changed=media_only))
    return judged


# -- writing ------------------------------------------------------------------


def _lock_deliveries(session: Session, row: m.StoredPost) -> None:
    """On PostgreSQL, lock the post's deliveries before deciding whether publishing has started.

    A daemon claiming one right now would otherwise publish the old text
    while this sync queues the new one.
    """
    if session.get_bind().dialect.name == "postgresql":
        query = select(m.Delivery).where(m.Delivery.post_id == row.id).with_for_update()
        session.scalars(query.execution_options(populate_existing=True)).all()


def _note_late_change(session: Session, row: m.StoredPost, item: Judged, now: datetime, report: SyncReport) -> None:
    if row.content_hash == item.content_hash:
        return
    row.content_hash = item.content_hash
    row.note = f"changed after publishing started ({now:%Y-%m-%d %H:%M} UTC); not republished"
    row.updated_at = now
    record(session, "daemon", "changed_after_publishing", post_id=row.id, detail={"slug": item.post.slug})
    report.changed_after_publishing.append(row.id)


def _scheduled_at(post: Post, config: Config) -> datetime | None:
    publish_at = post.shared("publish_at")
    if not publish_at:
        return None
    try:
        return parse_publish_at(publish_at, config.timezone).utc
    except PublishTimeError:
        return None


def _refresh(row: m.StoredPost, item: Judged, config: Config, now: datetime) -> None:
    """Copy what the content says into the stored post."""
    post = item.post
    row.slug = post.slug
    row.content_hash = item.content_hash
    row.scheduled_at = _scheduled_at(post, config)
    row.local_time = post.shared("publish_at")
    row.timezone = config.timezone.key
    row.schedule = post.shared("schedule")
    row.accounts = post.accounts
    row.text_cy = post.text("cy")
    row.text_en = post.text("en")
    row.updated_at = now
    row.note = None
    row.commit_id = item.commit.id if item.commit else None
    row.commit_author = item.commit.author if item.commit else None
    translation = post.cy.meta.translation if post.cy is not None else None
    row.reviewer = translation.reviewer if translation is not None and translation.reviewed else None


def _take_slot(
    session: Session, config: Config, row: m.StoredPost, schedules: dict[str, Schedule], now: datetime
) -> bool:
    """Give a post that names a schedule (and no time) its slot; False when there is none to give."""
    if not row.schedule or row.scheduled_at is not None:
        if not row.schedule:
            release_slot(session, row.id, now)
        return True
    schedule = schedules.get(row.schedule)
    slot = assign_slot(session, config, schedule, row, now) if schedule is not None and schedule.slots else None
    if slot is None or schedule is None:
        row.state = PostState.UNSCHEDULED
        return False
    row.scheduled_at = slot
    row.local_time = f"{slot.astimezone(schedule.timezone):%Y-%m-%dT%H:%M} ({schedule.name} slot)"
    return True


def _queue(session: Session, config: Config, row: m.StoredPost, post: Post, now: datetime, report: SyncReport) -> None:
    first = row.revision == 0
    row.revision += 1
    row.state = PostState.ACTIVE
    session.flush()
    create_deliveries(session, config, row, post, now)
    (report.queued if first else report.requeued).append(row.id)
    scheduled = row.scheduled_at.isoformat() if row.scheduled_at else None
    action = "queued" if first else "requeued"
    record(session, "daemon", action, post_id=row.id, detail={"revision": row.revision, "scheduled_at": scheduled})


def _apply(
    session: Session, config: Config, item: Judged, now: datetime, report: SyncReport, schedules: dict[str, Schedule]
) -> None:
    """Store one new or changed post: held with its codes, or queued (re-queued) as new deliveries."""
    row = session.get(m.StoredPost, item.post.id)
    if row is not None:
        _lock_deliveries(session, row)
        if started(row):
            _note_late_change(session, row, item, now, report)
            return
        if row.content_hash == item.content_hash and row.state != PostState.CANCELLED and not item.media_changed:
            return
    else:
        row = m.StoredPost(id=item.post.id, first_seen=now, revision=0, content_hash="")
        session.add(row)
    _refresh(row, item, config, now)
    cancel_waiting(session, row, DeliveryState.CANCELLED, "superseded by a newer version of the post", now)
    if item.errors:
        row.state = PostState.HELD
        row.held_codes = item.errors
        report.held[row.id] = item.errors
        record(session, "daemon", "held", post_id=row.id, detail={"codes": item.errors})
        return
    row.held_codes = []
    row.queue_order = item.post.shared("queue_order")
    if _take_slot(session, config, row, schedules, now):
        _queue(session, config, row, item.post, now, report)


def _cancel_deleted(session: Session, known: Known, present: set[str], now: datetime, report: SyncReport) -> None:
    """Posts whose files are gone: cancelled before publishing; noted (never retracted) after."""
    for post_id, state in ((pid, st) for slug, (pid, _, st) in known.items() if slug not in present):
        if state in (PostState.CANCELLED, PostState.EXPIRED):
            continue
        row = session.get(m.StoredPost, post_id)
        if row is None:
            continue
        if started(row):
            if row.note is None or "deleted" not in row.note:
                row.note = "file deleted after publishing started; nothing was retracted"
            continue
        row.state = PostState.CANCELLED
        row.updated_at = now
        cancel_waiting(session, row, DeliveryState.CANCELLED, "post file deleted before publishing", now)
        release_slot(session, row.id, now)
        record(session, "daemon", "cancelled", post_id=row.id, detail={"reason": "file deleted"})
        report.cancelled.append(row.id)


def _awaits_a_person(row: m.StoredPost) -> bool:
    """A failed delivery waits for a person to fix the cause and retry: the post is not expired under them."""
    return any(
        d.revision == row.revision and (d.state == DeliveryState.FAILED or d.needs_attention) for d in row.deliveries
    )


def _expire(
    session: Session, config: Config, now: datetime, report: SyncReport, schedules: dict[str, Schedule]
) -> None:
    """Posts due longer ago than max_lateness and not started are expired, not published.

    Except: a post with a failed delivery waits for a person (``publisher
    retry``); a post waiting on a pause (with ``after_pause = "publish"``)
    waits on, its lateness counted from the pause's end; and a post whose
    schedule slot was missed (the daemon was down) moves to the next free
    slot (docs/schedules.md).
    """
    cutoff = now - config.max_lateness
    spans = all_spans(session, config) if config.after_pause == "publish" else []
    waiting = (
        select(m.Delivery.id)
        .where(m.Delivery.post_id == m.StoredPost.id, m.Delivery.state.in_(WAITING_STATES))
        .exists()
    )
    rows = session.scalars(
        select(m.StoredPost)
        .where(
            m.StoredPost.state == PostState.ACTIVE,
            m.StoredPost.scheduled_at.is_not(None),
            m.StoredPost.scheduled_at < cutoff,
            waiting,
        )
        .order_by(m.StoredPost.scheduled_at, m.StoredPost.id)  # missed slots move in the order they were due
    ).all()
    for row in rows:
        if started(row) or _awaits_a_person(row):
            continue
        accounts = set(row.accounts or []) | {d.account for d in row.deliveries}
        if row.scheduled_at is not None and holds(spans, accounts, row.scheduled_at, now, config.max_lateness):
            continue
        slot = move_to_next_slot(session, config, schedules.get(row.schedule or ""), row, now)
        if slot is not None:
            report.moved[row.id] = slot
            continue
        row.state = PostState.EXPIRED
        row.updated_at = now
        reason = f"due {row.scheduled_at:%Y-%m-%d %H:%M} UTC, more than max_lateness ago; not published"
        cancel_waiting(session, row, DeliveryState.EXPIRED, reason, now)
        record(session, "daemon", "expired", post_id=row.id)
        report.expired.append(row.id)


def _write(
    session: Session,
    config: Config,
    judged: list[Judged],
    by_slug: dict[str, dict[str, FoundFile]],
    now: datetime,
    report: SyncReport,
    schedules: dict[str, Schedule],
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Several daemons may share the database: one writes a sync at a time.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK_KEY})
    known = _known(session)  # another daemon may have synced since the read
    # Deletions first, so a slot they free can go to a post added in the same sync.
    present_ids = {item.post.id for item in judged}
    _cancel_deleted(session, {s: v for s, v in known.items() if v[0] not in present_ids}, set(by_slug), now, report)
    sync_quiet_periods(session, config, now)
    for item in judged:
        owner = session.get(m.StoredPost, item.post.id)
        if owner is not None and owner.slug != item.post.slug and owner.slug in by_slug:
            log.warning("post %s: id %r is already used by %s; not queued", item.post.slug, item.post.id, owner.slug)
            report.held[item.post.slug] = ["front-matter-invalid"]
            continue
        _apply(session, config, item, now, report, schedules)
    queued, held = create_occurrences(session, config, schedules, now)
    report.queued.extend(queued)
    report.held.update(held)
    _expire(session, config, now, report, schedules)


def sync_content(
    config: Config, sessions: sessionmaker[Session], now: datetime, stats: StatCache | None = None
) -> SyncReport:
    """Read the content folder and update posts and deliveries; returns what changed.

    Reading and validating run with no transaction open: validating a large
    import takes seconds, and the workers must go on publishing meanwhile.
    Only the resulting changes are written, in one short transaction that
    re-reads what it depends on.
    """
    report = SyncReport()
    by_slug: dict[str, dict[str, FoundFile]] = {}
    for item in find_files(config.content_dir):
        by_slug.setdefault(item.slug, {})[item.language] = item
    stats = stats or StatCache()
    with sessions() as session:
        known = _known(session)
        stale = _stale_media(session, config, stats)
    schedules = load_schedules(config.schedules_dir, config)
    changed = _read_changed(by_slug, known, stats, stale, schedules)
    judged = _validate_changed(config, sessions, now, changed, known, by_slug)
    with sessions.begin() as session:
        _write(session, config, judged, by_slug, now, report, schedules)
    return report
