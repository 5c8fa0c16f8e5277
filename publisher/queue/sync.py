"""Bring the database in line with the content folder (each daemon cycle and on SIGHUP).

Unchanged files cost one read and a hash. A new or changed post is validated
with every rule: with errors it is *held* (reported with its codes, not
queued); without, its deliveries are (re)created from
:func:`publisher.text.compose.compose`. Once anything of a post has gone out
(or may have), later edits are reported, never republished, and the rest of
the post goes out as first queued so the two languages still match.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from publisher import rules
from publisher.check import build_context
from publisher.config import Config
from publisher.content.discovery import FoundFile, find_files, pair, read_file
from publisher.content.post import Post as ContentPost
from publisher.content.schedules import Schedule, load_schedules, slot_times
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.rules.front_matter_invalid import PostRef, duplicate_ids, ref
from publisher.text.compose import compose

log = logging.getLogger("publisher.sync")

SYNC_LOCK_KEY = 0x70756273  # "pubs": the advisory lock serialising content sync on PostgreSQL


@dataclass
class SyncReport:
    """What one sync changed, for the log and ``run --once``'s exit code."""

    queued: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    held: dict[str, list[str]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    changed_after_publishing: list[str] = field(default_factory=list)


def _file_digest(raw: bytes | None) -> str:
    return hashlib.sha256(raw).hexdigest() if raw is not None else "absent"


def _pair_hash(digests: dict[str, str]) -> str:
    """The post's content hash: both files' digests, Welsh first."""
    return hashlib.sha256(f"cy:{digests.get('cy', 'absent')}\0en:{digests.get('en', 'absent')}".encode()).hexdigest()


def _read(item: FoundFile) -> bytes | None:
    try:
        return item.path.read_bytes() if item.inside_root else None
    except OSError:
        return None


class StatCache:
    """File digests keyed by (mtime, size): a daemon re-reads only files that changed.

    Lives as long as the daemon process; ``run --once`` starts empty and reads everything.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, int, str]] = {}

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
        digest = _file_digest(raw)
        self._entries[item.location] = (*signature, digest)
        return digest, raw


def _started(post: m.Post) -> bool:
    """True once any delivery of the post's current revision may have reached a platform."""
    return any(
        d.state in (m.PUBLISHING, m.UNKNOWN, m.PUBLISHED) or d.attempts > 0
        for d in post.deliveries
        if d.revision == post.revision
    )


def _cancel_open(session: Session, post: m.Post, state: str, reason: str, now: datetime) -> None:
    session.execute(
        update(m.Delivery)
        .where(m.Delivery.post_id == post.id, m.Delivery.state.in_((m.QUEUED, m.RETRY_WAIT)))
        .values(state=state, last_error=reason, updated_at=now, lease_owner=None, lease_until=None)
    )


def idempotency_key(post_id: str, revision: int, seq: int, content_hash: str) -> str:
    """Fixed when the delivery is created; platforms with native idempotency dedupe on it."""
    return hashlib.sha256(f"{post_id}\0{revision}\0{seq}\0{content_hash}".encode()).hexdigest()[:32]


def create_deliveries(session: Session, config: Config, row: m.Post, post: ContentPost, now: datetime) -> None:
    """One delivery per composed message; each depends on the previous one of its account.

    That chain is what makes Welsh go first (and thread parts go in order):
    a delivery is claimable only once the one before it is published.
    """
    seq = 0
    due = row.scheduled_at or now
    content_root = config.content_dir
    for target in post.accounts:
        previous: m.Delivery | None = None
        created: list[m.Delivery] = []
        for message in compose(post, config, target):
            media = []
            for attachment in message.media:
                source = post.file("cy").path.parent if post.file("cy") else content_root  # type: ignore[union-attr]
                real = (source / attachment.file).resolve()
                media.append({"file": str(real.relative_to(content_root.resolve())), "alt": attachment.alt})
            delivery = m.Delivery(
                post_id=row.id,
                revision=row.revision,
                seq=seq,
                account=message.account,
                target=target,
                platform=message.platform,
                language=message.language,
                part=message.part,
                text=message.text,
                media=media,
                depends_on_id=previous.id if previous else None,
                reply_to_id=created[message.reply_to].id if message.reply_to is not None else None,
                idempotency_key=idempotency_key(row.id, row.revision, seq, row.content_hash),
                state=m.QUEUED,
                next_attempt_at=due,
                created_at=now,
                updated_at=now,
            )
            session.add(delivery)
            session.flush()  # ids for the next delivery's dependency
            created.append(delivery)
            previous = delivery
            seq += 1


def assign_slot(session: Session, config: Config, schedule: Schedule, row: m.Post, now: datetime) -> datetime | None:
    """The post's slot: the one stored (stable across restarts and edits), else the earliest free future slot."""
    existing = session.scalar(select(m.SlotAssignment).where(m.SlotAssignment.post_id == row.id))
    if existing is not None:
        if existing.schedule == schedule.name:
            return existing.slot_at
        session.delete(existing)
        session.flush()
    taken = set(session.scalars(select(m.SlotAssignment.slot_at).where(m.SlotAssignment.schedule == schedule.name, m.SlotAssignment.slot_at >= now)))
    for slot in slot_times(schedule, now, config):
        if slot not in taken:
            session.add(m.SlotAssignment(schedule=schedule.name, slot_at=slot, post_id=row.id, assigned_at=now))
            session.flush()
            return slot
    return None


def release_slot(session: Session, post_id: str, now: datetime) -> None:
    """Free the post's slot for the next post, if the slot is still in the future."""
    session.execute(delete(m.SlotAssignment).where(m.SlotAssignment.post_id == post_id, m.SlotAssignment.slot_at > now))


def _apply(session: Session, config: Config, post: ContentPost, content_hash: str, errors: list[str], now: datetime, report: SyncReport, schedules: dict[str, Schedule]) -> None:
    row = session.get(m.Post, post.id)
    publish_at = post.shared("publish_at")
    scheduled: datetime | None = None
    if publish_at:
        try:
            scheduled = parse_publish_at(publish_at, config.timezone).utc
        except PublishTimeError:
            scheduled = None
    if row is not None and session.get_bind().dialect.name == "postgresql":
        # Lock the post's deliveries before deciding whether publishing has started: a
        # daemon claiming one right now would otherwise publish the old text while
        # this sync queues the new one.
        session.scalars(
            select(m.Delivery).where(m.Delivery.post_id == row.id).with_for_update().execution_options(populate_existing=True)
        ).all()
    if row is not None and _started(row):
        if row.content_hash != content_hash:
            row.content_hash = content_hash
            row.note = f"changed after publishing started ({now:%Y-%m-%d %H:%M} UTC); not republished"
            row.updated_at = now
            record(session, "daemon", "changed_after_publishing", post_id=row.id, detail={"slug": post.slug})
            report.changed_after_publishing.append(row.id)
        return
    if row is None:
        row = m.Post(id=post.id, first_seen=now, revision=0, content_hash="")
        session.add(row)
    elif row.content_hash == content_hash and row.state != m.POST_CANCELLED:
        return
    row.slug = post.slug
    row.content_hash = content_hash
    row.scheduled_at = scheduled
    row.local_time = publish_at
    row.timezone = config.timezone.key
    row.schedule = post.shared("schedule")
    row.accounts = post.accounts
    row.text_cy = post.text("cy")
    row.text_en = post.text("en")
    row.updated_at = now
    row.note = None
    _cancel_open(session, row, m.CANCELLED, "superseded by a newer version of the post", now)
    if errors:
        row.state = m.POST_HELD
        row.held_codes = errors
        report.held[row.id] = errors
        record(session, "daemon", "held", post_id=row.id, detail={"codes": errors})
        return
    row.held_codes = []
    row.queue_order = post.shared("queue_order")
    if row.schedule and scheduled is None:
        schedule = schedules.get(row.schedule)
        slot = assign_slot(session, config, schedule, row, now) if schedule is not None and schedule.slots else None
        if slot is None:
            row.state = m.POST_UNSCHEDULED
            return
        scheduled = row.scheduled_at = slot
        row.local_time = f"{slot.astimezone(schedule.timezone):%Y-%m-%dT%H:%M} ({schedule.name} slot)"  # type: ignore[union-attr]
    elif not row.schedule:
        release_slot(session, row.id, now)
    first = row.revision == 0
    row.revision += 1
    row.state = m.POST_ACTIVE
    session.flush()
    create_deliveries(session, config, row, post, now)
    (report.queued if first else report.requeued).append(row.id)
    record(session, "daemon", "queued" if first else "requeued", post_id=row.id, detail={"revision": row.revision, "scheduled_at": scheduled.isoformat() if scheduled else None})


def _expire(session: Session, config: Config, now: datetime, report: SyncReport) -> None:
    """Posts due longer ago than max_lateness and not started are expired, not published."""
    cutoff = now - config.max_lateness
    waiting = select(m.Delivery.id).where(m.Delivery.post_id == m.Post.id, m.Delivery.state.in_((m.QUEUED, m.RETRY_WAIT))).exists()
    rows = session.scalars(
        select(m.Post).where(m.Post.state == m.POST_ACTIVE, m.Post.scheduled_at.is_not(None), m.Post.scheduled_at < cutoff, waiting)
    ).all()
    for row in rows:
        if _started(row):
            continue
        row.state = m.POST_EXPIRED
        row.updated_at = now
        _cancel_open(session, row, m.EXPIRED, f"due {row.scheduled_at:%Y-%m-%d %H:%M} UTC, more than max_lateness ago; not published", now)
        record(session, "daemon", "expired", post_id=row.id)
        report.expired.append(row.id)


RECURRING_HORIZON = timedelta(days=7)  # occurrences are created this far ahead, so status shows them


def create_occurrences(session: Session, config: Config, schedules: dict[str, Schedule], now: datetime, report: SyncReport) -> None:
    """One post per slot of each recurring schedule; the id is the occurrence key (schedule + local slot time)."""
    from publisher.content.memory import in_memory_post
    from publisher.emergency.templates import date_cy, date_en, environment

    for schedule in schedules.values():
        if not schedule.recurring or not schedule.reviewed or schedule.problems or not schedule.slots:
            continue
        for slot in slot_times(schedule, now - config.max_lateness, config):
            if slot > now + RECURRING_HORIZON:
                break
            local = slot.astimezone(schedule.timezone)
            post_id = f"recurring/{schedule.name}/{local:%Y-%m-%dT%H:%M}"
            if session.get(m.Post, post_id) is not None:
                continue
            values = {"date": local.date().isoformat(), "date_cy": date_cy(local.date()), "date_en": date_en(local.date())}
            cy = environment().from_string(schedule.recurring["cy"]).render(**values).strip()
            en = environment().from_string(schedule.recurring["en"]).render(**values).strip()
            post = in_memory_post(post_id, cy, en, schedule.accounts, config.content_dir, slot.isoformat())
            row = m.Post(
                id=post_id, slug=post_id, source="recurring", content_hash=hashlib.sha256(f"{cy}\0{en}".encode()).hexdigest(),
                revision=1, state=m.POST_ACTIVE, scheduled_at=slot, local_time=f"{local:%Y-%m-%dT%H:%M}", timezone=schedule.timezone.key,
                schedule=schedule.name, accounts=list(schedule.accounts), text_cy=post.text("cy"), text_en=post.text("en"),
                first_seen=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            create_deliveries(session, config, row, post, now)
            record(session, "daemon", "queued", post_id=post_id, detail={"recurring": schedule.name, "scheduled_at": slot.isoformat()})
            report.queued.append(post_id)


def _known(session: Session) -> dict[str, tuple[str, str, str]]:
    """slug -> (post id, content hash, state) of every post that came from the content folder."""
    return {
        slug: (post_id, content_hash, state)
        for slug, post_id, content_hash, state in session.execute(
            select(m.Post.slug, m.Post.id, m.Post.content_hash, m.Post.state).where(m.Post.source == "content")
        )
    }


def _read_changed(by_slug: dict[str, dict[str, FoundFile]], known: dict[str, tuple[str, str, str]], stats: StatCache) -> list[tuple[ContentPost, str]]:
    """The posts whose files differ from what the database holds, with their new content hash."""
    changed: list[tuple[ContentPost, str]] = []
    for slug, items in sorted(by_slug.items()):
        digests: dict[str, str] = {}
        raws: dict[str, bytes | None] = {}
        for lang, item in items.items():
            digests[lang], raws[lang] = stats.digest(item)
        content_hash = _pair_hash(digests)
        if slug in known and known[slug][1] == content_hash:
            continue
        raw = {lang: raws[lang] if raws[lang] is not None else _read(item) for lang, item in items.items()}
        files = [read_file(item, raw=raw[lang]) for lang, item in items.items()]
        changed.append((pair(files, {i.path: slug for i in items.values()})[0], content_hash))
    # Slots go to posts in queue_order, then (first seen together) by name.
    changed.sort(key=lambda item: (item[0].shared("queue_order") is None, item[0].shared("queue_order") or 0, item[0].slug))
    return changed


def _judge(
    config: Config, sessions: sessionmaker[Session], now: datetime, changed: list[tuple[ContentPost, str]],
    known: dict[str, tuple[str, str, str]], by_slug: dict[str, dict[str, FoundFile]],
) -> list[tuple[ContentPost, str, list[str]]]:
    """Every rule on each changed post: its error codes (a post with any is held, not queued)."""
    if not changed:
        return []
    with sessions() as session:
        published_ids = set(session.scalars(select(m.Delivery.post_id).where(m.Delivery.state == m.PUBLISHED).distinct()).all())
    ctx = build_context(config, now, published=published_ids)
    changed_slugs = {p.slug for p, _ in changed}
    others = [
        PostRef(slug=slug, id=post_id, file=slug, line=1)
        for slug, (post_id, _, _) in known.items()
        if slug in by_slug and slug not in changed_slugs
    ]
    duplicates = {f.post for f in duplicate_ids([ref(p) for p, _ in changed] + others)}
    judged = []
    for post, content_hash in changed:
        errors = sorted({f.code for f in rules.run(post, ctx) if f.severity == "error"})
        if post.id in duplicates:
            errors = sorted(set(errors) | {"front-matter-invalid"})
        judged.append((post, content_hash, errors))
    return judged


def sync_content(config: Config, sessions: sessionmaker[Session], now: datetime, stats: StatCache | None = None) -> SyncReport:
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
    with sessions() as session:
        known = _known(session)
    judged = _judge(config, sessions, now, _read_changed(by_slug, known, stats or StatCache()), known, by_slug)
    schedules = load_schedules(config.schedules_dir, config)
    with sessions.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Several daemons may share the database: one writes a sync at a time.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK_KEY})
        known = _known(session)  # another daemon may have synced since the read above
        # Deletions first, so a slot they free can go to a post added in the same sync.
        present_ids = {p.id for p, _, _ in judged}
        for slug, (post_id, _, state) in known.items():
            if slug in by_slug or post_id in present_ids or state in (m.POST_CANCELLED, m.POST_EXPIRED):
                continue
            row = session.get(m.Post, post_id)
            if row is None:
                continue
            if _started(row):
                if row.note is None or "deleted" not in row.note:
                    row.note = "file deleted after publishing started; nothing was retracted"
                continue
            row.state = m.POST_CANCELLED
            row.updated_at = now
            _cancel_open(session, row, m.CANCELLED, "post file deleted before publishing", now)
            release_slot(session, row.id, now)
            record(session, "daemon", "cancelled", post_id=row.id, detail={"reason": "file deleted"})
            report.cancelled.append(row.id)
        for post, content_hash, errors in judged:
            owner = session.get(m.Post, post.id)
            if owner is not None and owner.slug != post.slug and owner.slug in by_slug:
                log.warning("post %s: id %r is already used by %s; not queued", post.slug, post.id, owner.slug)
                report.held[post.slug] = ["front-matter-invalid"]
                continue
            _apply(session, config, post, content_hash, errors, now, report, schedules)
        create_occurrences(session, config, schedules, now, report)
        _expire(session, config, now, report)
    return report
