"""``publisher check``: read the content, run every rule, collect findings.

Reading is separated from judging (see :mod:`publisher.content.discovery`),
and each post's verdict is cached by content hash (:mod:`publisher.cache`),
so CI and pre-commit runs on an unchanged tree are near-instant.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from publisher.cache import CACHE_DIR, CheckCache, Entry, media_stat, post_key
from publisher.config import Config
from publisher.content.consent import load_register
from publisher.content.discovery import FoundFile, find_files, pair, read_file
from publisher.content.post import Post
from publisher.content.schedules import schedule_names
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.content.wordbank import load_wordbank
from publisher.findings import Finding
from publisher.rules.base import Context
from publisher.rules.front_matter_invalid import PostRef, duplicate_ids, ref


@dataclass
class CheckResult:
    """All findings of one check, and how many posts were checked."""

    findings: list[Finding] = field(default_factory=list)
    posts: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def _code_fingerprint() -> str:
    """Changes whenever the publisher's own code changes, so old verdicts are not reused."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def no_database(config: Config) -> bool:
    """True when the database is a SQLite file that does not exist (checked without importing SQLAlchemy)."""
    if not config.database.startswith("sqlite"):
        return False
    location = Path(config.database.split("///", 1)[-1])
    return not (location if location.is_absolute() else config.root / location).exists()


def published_post_ids(config: Config) -> frozenset[str]:
    """Ids of posts the database records as published, so they are not reported as late.

    ``check`` runs where there may be no database (a content repo's CI): then
    nothing is known to be published. An unreachable database is treated the
    same way rather than failing the check.
    """
    if no_database(config):
        return frozenset()
    from sqlalchemy import create_engine, select

    from publisher.queue.db import resolve_url

    url = resolve_url(config.database, config.root)

    from publisher.queue.models import PUBLISHED, Delivery

    options = {"connect_args": {"connect_timeout": 3}} if url.startswith("postgresql") else {}
    engine = create_engine(url, **options)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Delivery.post_id).where(Delivery.state == PUBLISHED).distinct())
            return frozenset(row[0] for row in rows)
    except Exception:  # noqa: BLE001 - no usable database: nothing is known to be published
        return frozenset()
    finally:
        engine.dispose()


def build_context(config: Config, now: datetime | None = None, published: Iterable[str] = ()) -> Context:
    """The context rules consult: consent register, word bank, schedules, the time."""
    return Context(
        config=config,
        now=now or datetime.now(timezone.utc),
        consent=load_register(config.consent_register),
        wordbank=load_wordbank(config.wordbank),
        schedules=schedule_names(config.schedules_dir),
        published=frozenset(published),
    )


def _environment(config: Config, ctx: Context) -> str:
    parts = [
        config.fingerprint,
        _file_digest(config.consent_register),
        _file_digest(config.wordbank),
        ",".join(sorted(ctx.schedules)),
        ",".join(_file_digest(p) for p in sorted(config.schedules_dir.glob("*.y*ml"))) if config.schedules_dir.is_dir() else "",
        ",".join(sorted(ctx.published)),
        os.getcwd(),
        _code_fingerprint(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _valid_until(post: Post, ctx: Context) -> float:
    """When this post's verdict may change with time alone: next local midnight or its lateness deadline."""
    tz = ctx.config.timezone
    local_now = ctx.now.astimezone(tz)
    midnight = datetime.combine(local_now.date() + timedelta(days=1), time(0), tz)
    until = midnight.timestamp()
    value = post.shared("publish_at")
    if value:
        try:
            deadline = (parse_publish_at(value, tz).utc + ctx.config.max_lateness).timestamp()
        except PublishTimeError:
            return until
        if deadline > ctx.now.timestamp():
            until = min(until, deadline)
    return until


def _media_used(post: Post) -> list[tuple[str, int, int]]:
    used = []
    for index, _ in enumerate(post.media_pairs()):
        name, post_file, _ = post.media_shared(index, "file")
        if name and post_file is not None:
            used.append(media_stat(post_file.path.parent / name))
    return used


def _read_raw(item: FoundFile) -> bytes | None:
    """Raw bytes for hashing; None when the file must not (or cannot) be read."""
    if not item.inside_root:
        return None
    try:
        fd = os.open(item.location, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, 1024 * 1024 + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def run_rules(post: Post, ctx: Context) -> Iterable[Finding]:
    """Every rule on ``post``; imported on first use so a fully cached check never loads them."""
    from publisher import rules

    return rules.run(post, ctx)


Pending = tuple[str, str, dict[str, FoundFile], dict[str, bytes | None]]
ProgressCallback = Callable[[int, int], None]  # (posts judged so far, posts to judge)
PARALLEL_FROM = 400  # below this many unchecked posts, starting workers costs more than it saves
_worker_ctx: Context | None = None


def _judge(pending: Pending, ctx: Context) -> tuple[str, Entry]:
    """Read, pair and run every rule on one post; the result is what the cache stores."""
    key, slug, items, raw = pending
    files = [read_file(item, raw=raw[lang]) for lang, item in items.items()]
    post = pair(files, {item.path: slug for item in items.values()})[0]
    return key, Entry(
        findings=[f.as_json() for f in run_rules(post, ctx)],
        ref=ref(post).__dict__,
        media=_media_used(post),
        valid_until=_valid_until(post, ctx),
    )


def _judge_chunk(chunk: list[Pending]) -> list[tuple[str, Entry]]:
    assert _worker_ctx is not None
    return [_judge(item, _worker_ctx) for item in chunk]


def _preload() -> None:
    """Load lingua's Welsh and English models and twitter-text once, before forking.

    Each forked worker would otherwise spend about half a second loading them itself.
    """
    import twitter_text.extract_urls  # noqa: F401 - imported for its side effect of being loaded

    from publisher import rules  # noqa: F401
    from publisher.text.language import foreign_runs

    foreign_runs("Bydd y llyfrgell ar gau ddydd Llun. The library is closed on Monday.", "cy")


def _judge_all(pending: list[Pending], ctx: Context, progress: ProgressCallback | None = None) -> list[tuple[str, Entry]]:
    """Judge ``pending`` posts, on every core when there are many (a cold cache in CI).

    ``progress`` hears how far judging has gone, so a person at a terminal
    sees a cold check of thousands of posts move instead of a silent wait.
    """
    report = progress or (lambda done, total: None)
    total = len(pending)
    report(0, total)
    results: list[tuple[str, Entry]] = []
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_FROM or workers < 2:
        for item in pending:
            results.append(_judge(item, ctx))
            report(len(results), total)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _preload()
    global _worker_ctx
    _worker_ctx = ctx  # inherited by the forked workers
    # Small enough chunks that progress moves in steps of about 2 %, large enough that pickling stays cheap.
    size = max(50, total // (workers * 25))
    chunks = [pending[i : i + size] for i in range(0, total, size)]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for chunk in pool.map(_judge_chunk, chunks):
                results.extend(chunk)
                report(len(results), total)
        return results
    finally:
        _worker_ctx = None


def _template_findings(config: Config, ctx: Context, environment: str, cache: CheckCache | None, used_keys: set[str], now_ts: float) -> list[Finding]:
    """The word bank's templates, checked once per word bank content (cached like a post)."""
    if ctx.wordbank is None or not ctx.wordbank.templates:
        return []
    key = post_key(environment, "wordbank-templates", None, None)
    used_keys.add(key)
    entry = cache.get(key, now_ts) if cache else None
    if entry is None:
        from publisher.content.discovery import display_path
        from publisher.emergency.templates import check_templates

        text = config.wordbank.read_text("utf-8")
        found = check_templates(ctx.wordbank.templates, text, display_path(config.wordbank))
        entry = Entry(findings=[f.as_json() for f in found], ref={}, valid_until=float("inf"))
        if cache:
            cache.put(key, entry)
    return [Finding(**f) for f in entry.findings]  # type: ignore[arg-type]


def _schedule_findings(config: Config, ctx: Context, refs: list[PostRef], environment: str, cache: CheckCache | None, used_keys: set[str], now_ts: float) -> list[Finding]:
    """Schedule files and gaps in their slots, cached per schedule contents and waiting posts, until midnight."""
    if not ctx.schedules:
        return []
    waiting: dict[str, int] = {}
    for item in refs:
        if item.schedule and item.id not in ctx.published:
            waiting[item.schedule] = waiting.get(item.schedule, 0) + 1
    key = post_key(environment, "schedules:" + json.dumps(waiting, sort_keys=True), None, None)
    used_keys.add(key)
    entry = cache.get(key, now_ts) if cache else None
    if entry is None:
        from publisher.content.schedules import load_schedules
        from publisher.rules.schedule_empty import check_schedules

        found = check_schedules(config, load_schedules(config.schedules_dir, config).values(), waiting, ctx.now)
        tz = config.timezone
        midnight = datetime.combine(ctx.now.astimezone(tz).date() + timedelta(days=1), time(0), tz).timestamp()
        entry = Entry(findings=[f.as_json() for f in found], ref={}, valid_until=midnight)
        if cache:
            cache.put(key, entry)
    return [Finding(**f) for f in entry.findings]  # type: ignore[arg-type]


def check_content(
    config: Config,
    targets: Sequence[Path] = (),
    now: datetime | None = None,
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
) -> CheckResult:
    """Check the content root (or only ``targets``) and return every finding.

    ``progress`` is called with (judged, to judge) as posts the cache could not answer are judged.
    """
    ctx = build_context(config, now, published=published_post_ids(config))
    found = find_files(config.content_dir, targets)
    by_slug: dict[str, dict[str, FoundFile]] = {}
    for item in found:
        by_slug.setdefault(item.slug, {})[item.language] = item

    cache = CheckCache(config.root / CACHE_DIR) if use_cache else None
    environment = _environment(config, ctx)
    now_ts = ctx.now.timestamp()
    findings: list[Finding] = []
    refs: list[PostRef] = []
    used_keys: set[str] = set()

    pending: list[tuple[str, str, dict[str, FoundFile], dict[str, bytes | None]]] = []
    for slug in sorted(by_slug):
        items = by_slug[slug]
        raw = {lang: _read_raw(item) for lang, item in items.items()}
        key = post_key(environment, slug, raw.get("cy"), raw.get("en"))
        used_keys.add(key)
        entry = cache.get(key, now_ts) if cache else None
        if entry is None:
            pending.append((key, slug, items, raw))
        else:
            findings.extend(Finding(**f) for f in entry.findings)  # type: ignore[arg-type]
            refs.append(PostRef(**entry.ref))

    for key, entry in _judge_all(pending, ctx, progress):
        if cache:
            cache.put(key, entry)
        findings.extend(Finding(**f) for f in entry.findings)  # type: ignore[arg-type]
        refs.append(PostRef(**entry.ref))

    findings.extend(duplicate_ids(refs))
    findings.extend(_template_findings(config, ctx, environment, cache, used_keys, now_ts))
    findings.extend(_schedule_findings(config, ctx, refs, environment, cache, used_keys, now_ts))
    if cache:
        cache.save(used_keys)
    findings.sort(key=lambda f: (f.post, f.file, f.line, f.code))
    return CheckResult(findings=findings, posts=len(by_slug))
