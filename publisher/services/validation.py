"""``publisher check``: read the content, run every rule, collect findings (docs/commands.md "check").

Reading is separated from judging (see :mod:`publisher.content.discovery`),
and each post's verdict is cached by content hash
(:mod:`publisher.services.verdict_cache`), so CI and pre-commit runs on an
unchanged tree are near-instant. A cold check of thousands of posts is
judged on every core.

Only new and changed posts are held to the time rules: those that differ
from ``--changed-since REF`` (or, without it, from the last commit), and
the files named on the command line (what pre-commit passes). The content
repository is also the archive, and a post that went out last week must
not turn its CI red.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from publisher import rules
from publisher.config import Config
from publisher.content.discovery import SUFFIXES, FoundFile, display_path, find_files, find_strays, pair, read_file
from publisher.content.history import changed_since
from publisher.content.post import LANGUAGES, MAX_FILE_BYTES, Post
from publisher.content.schedules import inherit_accounts
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.files import MIB, UnreadableFile, read_bounded
from publisher.findings import Finding
from publisher.rules.context import Context
from publisher.rules.credentials_missing import check_accounts
from publisher.rules.file_misnamed import check_strays
from publisher.rules.front_matter_invalid import PostRef, duplicate_ids, ref
from publisher.rules.image_text_language import UNAVAILABLE
from publisher.services.verdict_cache import CACHE_DIR, CheckCache, Entry, media_stat, post_key
from publisher.text.image_text import engine

PACKAGE = Path(__file__).resolve().parent.parent


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


def _digest_of_file(path: Path) -> str:
    """What a file the verdicts depend on holds (a schedule, the registers), for the cache key."""
    try:
        return hashlib.sha256(read_bounded(path, 16 * MIB)).hexdigest()
    except FileNotFoundError:
        return "absent"
    except (UnreadableFile, OSError):
        return "unreadable"


def _code_fingerprint() -> str:
    """Changes whenever the publisher's own code changes, so old verdicts are not reused."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(PACKAGE)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def published_post_ids(config: Config) -> frozenset[str]:
    """Ids of posts the database records as published, so they are not reported as late.

    ``check`` runs where there may be no database (a content repo's CI): then
    nothing is known to be published, and SQLAlchemy is not even imported. An
    unreachable database is treated the same way rather than failing the check.
    """
    sqlite_file = config.sqlite_file()
    if sqlite_file is not None and not sqlite_file.exists():
        return frozenset()
    from publisher.queue import queries
    from publisher.queue.db import open_existing

    try:
        with open_existing(config) as db:
            if db is None:
                return frozenset()
            with db.sessions() as session:
                return queries.published_post_ids(session)
    except Exception:  # no usable database: nothing is known to be published
        return frozenset()


def _environment(config: Config, ctx: Context) -> str:
    schedule_files = sorted(config.schedules_dir.glob("*.y*ml")) if config.schedules_dir.is_dir() else []
    parts = [
        config.fingerprint,
        _digest_of_file(config.consent_register),
        _digest_of_file(config.wordbank),
        ",".join(sorted(ctx.schedules)),
        ",".join(_digest_of_file(p) for p in schedule_files),
        ",".join(sorted(ctx.published)),
        os.getcwd(),
        _code_fingerprint(),
        engine() or "no OCR",  # verdicts made without Tesseract are not reused once it is installed
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _next_midnight(ctx: Context) -> float:
    tz = ctx.config.timezone
    return datetime.combine(ctx.now.astimezone(tz).date() + timedelta(days=1), time(0), tz).timestamp()


def _valid_until(post: Post, ctx: Context) -> float:
    """When this post's verdict may change with time alone: next local midnight or its lateness deadline."""
    until = _next_midnight(ctx)
    value = post.shared("publish_at")
    if value:
        try:
            deadline = (parse_publish_at(value, ctx.config.timezone).utc + ctx.config.max_lateness).timestamp()
        except PublishTimeError:
            return until
        if deadline > ctx.now.timestamp():
            until = min(until, deadline)
    return until


def _media_used(post: Post) -> list[tuple[str, int, int]]:
    """Every image file either language names (they may differ: each language's own version)."""
    used: dict[str, tuple[str, int, int]] = {}
    for language in LANGUAGES:
        post_file = post.file(language)
        for item in post.media(language) if post_file is not None else []:
            if item.file and post_file is not None:
                record = media_stat(post_file.path.parent / item.file)
                used.setdefault(record[0], record)
    return list(used.values())


def _read_raw(item: FoundFile) -> bytes | None:
    """Raw bytes for hashing; None when the file must not (or cannot) be read (reading it again says why)."""
    if not item.inside_root:
        return None
    try:
        return read_bounded(item.path, MAX_FILE_BYTES)
    except (UnreadableFile, OSError):
        return None


Pending = tuple[str, str, dict[str, FoundFile], dict[str, bytes | None]]
ProgressCallback = Callable[[int, int], None]  # (posts judged so far, posts to judge)
PARALLEL_FROM = 400  # below this many unchecked posts, starting workers costs more than it saves
_worker_ctx: Context | None = None


def _verdict(pending: Pending, ctx: Context) -> tuple[str, Entry]:
    """Read, pair and run every rule on one post; the result is what the cache stores."""
    key, slug, items, raw = pending
    files = [read_file(item, raw=raw[lang]) for lang, item in items.items()]
    post = pair(files, {item.path: slug for item in items.values()})[0]
    inherit_accounts(post, ctx.schedule_accounts)
    return key, Entry(
        findings=[f.as_json() for f in rules.run(post, ctx)],
        ref=ref(post).__dict__,
        media=_media_used(post),
        valid_until=_valid_until(post, ctx),
    )


def _verdict_chunk(chunk: list[Pending]) -> list[tuple[str, Entry]]:
    assert _worker_ctx is not None
    return [_verdict(item, _worker_ctx) for item in chunk]


def _preload() -> None:
    """Load lingua's Welsh and English models and twitter-text once, before forking.

    Each forked worker would otherwise spend about half a second loading them itself.
    """
    import twitter_text.extract_urls  # noqa: F401 - imported for its side effect of being loaded

    from publisher.text.language import foreign_runs

    foreign_runs("Bydd y llyfrgell ar gau ddydd Llun. The library is closed on Monday.", "cy")
    engine()  # asked once here rather than once per worker


def _verdicts_in_parallel(
    pending: list[Pending], ctx: Context, report: ProgressCallback, workers: int
) -> list[tuple[str, Entry]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _preload()
    global _worker_ctx
    _worker_ctx = ctx  # inherited by the forked workers
    total = len(pending)
    # Small enough chunks that progress moves in steps of about 2 %, large enough that pickling stays cheap.
    size = max(50, total // (workers * 25))
    chunks = [pending[i : i + size] for i in range(0, total, size)]
    results: list[tuple[str, Entry]] = []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for chunk in pool.map(_verdict_chunk, chunks):
                results.extend(chunk)
                report(len(results), total)
        return results
    finally:
        _worker_ctx = None


def _verdicts(
    pending: list[Pending], ctx: Context, progress: ProgressCallback | None = None
) -> list[tuple[str, Entry]]:
    """Judge ``pending`` posts, on every core when there are many (a cold cache in CI).

    ``progress`` hears how far judging has gone, so a person at a terminal
    sees a cold check of thousands of posts move instead of a silent wait.
    """
    report = progress or (lambda done, total: None)
    total = len(pending)
    report(0, total)
    workers = min(os.cpu_count() or 1, 8)
    if total >= PARALLEL_FROM and workers >= 2:
        return _verdicts_in_parallel(pending, ctx, report, workers)
    results: list[tuple[str, Entry]] = []
    for item in pending:
        results.append(_verdict(item, ctx))
        report(len(results), total)
    return results


@dataclass
class _Run:
    """One check's shared state: the cache, its environment key, the keys still in use."""

    config: Config
    ctx: Context
    cache: CheckCache | None
    environment: str
    used_keys: set[str] = field(default_factory=set)

    def cached(self, key: str) -> Entry | None:
        self.used_keys.add(key)
        return self.cache.get(key, self.ctx.now.timestamp()) if self.cache else None

    def store(self, key: str, entry: Entry) -> None:
        if self.cache:
            self.cache.put(key, entry)

    def key(self, slug: str, raw: dict[str, bytes | None]) -> str:
        """A post's cache key: its files, and whether it is held to the time rules."""
        name = slug if self.ctx.is_fresh(slug) else f"{slug}\0archived"
        return post_key(self.environment, name, raw.get("cy"), raw.get("en"))


def _template_findings(run: _Run) -> list[Finding]:
    """The word bank's templates, checked once per word bank content (cached like a post)."""
    ctx = run.ctx
    if ctx.wordbank is None or not ctx.wordbank.templates:
        return []
    key = post_key(run.environment, "wordbank-templates", None, None)
    entry = run.cached(key)
    if entry is None:
        from publisher.content.wordbank import read_wordbank_text
        from publisher.rules.wordbank_templates import check_templates

        text = read_wordbank_text(run.config.wordbank, run.config.root) or ""
        found = check_templates(ctx.wordbank.templates, text, display_path(run.config.wordbank))
        entry = Entry(findings=[f.as_json() for f in found], ref={}, valid_until=float("inf"))
        run.store(key, entry)
    return [Finding(**f) for f in entry.findings]


def _schedule_findings(run: _Run, refs: list[PostRef]) -> list[Finding]:
    """Schedule files and gaps in their slots, cached per schedule contents and waiting posts, until midnight."""
    ctx = run.ctx
    if not ctx.schedules:
        return []
    waiting: dict[str, int] = {}
    for item in refs:
        if item.schedule and item.id not in ctx.published:
            waiting[item.schedule] = waiting.get(item.schedule, 0) + 1
    key = post_key(run.environment, "schedules:" + json.dumps(waiting, sort_keys=True), None, None)
    entry = run.cached(key)
    if entry is None:
        from publisher.content.schedules import load_schedules
        from publisher.rules.schedule_empty import check_schedules

        schedules = load_schedules(run.config.schedules_dir, run.config).values()
        found = check_schedules(run.config, schedules, waiting, ctx.now)
        entry = Entry(findings=[f.as_json() for f in found], ref={}, valid_until=_next_midnight(ctx))
        run.store(key, entry)
    return [Finding(**f) for f in entry.findings]


def _post_findings(
    run: _Run, by_slug: dict[str, dict[str, FoundFile]], progress: ProgressCallback | None
) -> tuple[list[Finding], list[PostRef]]:
    """Every post's findings, from the cache where its files are unchanged, judged otherwise."""
    findings: list[Finding] = []
    refs: list[PostRef] = []
    pending: list[Pending] = []
    for slug in sorted(by_slug):
        items = by_slug[slug]
        raw = {lang: _read_raw(item) for lang, item in items.items()}
        key = run.key(slug, raw)
        entry = run.cached(key)
        if entry is None:
            pending.append((key, slug, items, raw))
        else:
            findings.extend(Finding(**f) for f in entry.findings)
            refs.append(PostRef(**entry.ref))
    for key, entry in _verdicts(pending, run.ctx, progress):
        run.store(key, entry)
        findings.extend(Finding(**f) for f in entry.findings)
        refs.append(PostRef(**entry.ref))
    return findings, refs


def _slug_of(path: Path, content_dir: Path) -> str | None:
    """The slug a post file names (``2027/01/gritting`` for ``.../2027/01/gritting.cy.md``), if it is one."""
    try:
        relative = path.absolute().relative_to(content_dir.absolute()).as_posix()
    except ValueError:
        return None
    for suffix in SUFFIXES:
        if relative.endswith(suffix):
            return relative[: -len(suffix)]
    return None


def fresh_slugs(config: Config, targets: Sequence[Path], since: str | None) -> frozenset[str] | None:
    """Slugs of the posts held to the time rules: changed since ``since`` (else since the last commit), or named.

    None when nothing can tell new from old (the content is in no git
    repository, or one without a commit): then every post is held to them.
    Raises GitError for a ``since`` git does not know.
    """
    changed = changed_since(config.content_dir, since)
    if changed is None:
        return None
    slugs = {_slug_of(path, config.content_dir) for path in changed}
    slugs |= {_slug_of(path, config.content_dir) for path in targets if path.is_file()}
    return frozenset(slug for slug in slugs if slug is not None)


def _split_targets(config: Config, targets: Sequence[Path]) -> tuple[Path, ...]:
    """The post files and folders to check; () for the whole content.

    Any other file (the configuration, a schedule, a register, an image:
    what pre-commit passes when one of them changes) may affect every post,
    so it means the whole content.
    """
    content = config.content_dir.absolute()
    for target in targets:
        inside = target.absolute().is_relative_to(content)
        if not inside or not (target.is_dir() or _slug_of(target, config.content_dir) is not None):
            return ()
    return tuple(targets)


def _light_ref(slug: str, items: dict[str, FoundFile], raw: dict[str, bytes | None]) -> PostRef:
    files = [read_file(item, raw=raw[lang]) for lang, item in items.items()]
    return ref(pair(files, {item.path: slug for item in items.values()})[0])


def _all_refs(run: _Run, checked: set[str]) -> list[PostRef]:
    """Where every post not checked this time waits (for the schedule gaps): from the cache, else its front matter.

    So ``check PATH`` on one file counts a schedule's posts as a full check does.
    """
    refs = []
    by_slug: dict[str, dict[str, FoundFile]] = {}
    for item in find_files(run.config.content_dir):
        if item.slug not in checked:
            by_slug.setdefault(item.slug, {})[item.language] = item
    for slug, items in sorted(by_slug.items()):
        raw = {lang: _read_raw(item) for lang, item in items.items()}
        entry = run.cached(run.key(slug, raw))
        refs.append(PostRef(**entry.ref) if entry is not None else _light_ref(slug, items, raw))
    return refs


def check_content(
    config: Config,
    targets: Sequence[Path] = (),
    now: datetime | None = None,
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
    *,
    since: str | None = None,
    env: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check the content root (or only ``targets``) and return every finding.

    ``progress`` is called with (judged, to judge) as posts the cache could
    not answer are judged. ``since``: hold the posts changed since this git
    reference to the time rules (GitError if git does not know it). ``env``:
    also report accounts whose credentials it lacks.
    """
    fresh = fresh_slugs(config, targets, since)
    ctx = rules.build_context(config, now, published=published_post_ids(config), fresh=fresh)
    posts_to_check = _split_targets(config, targets)
    by_slug: dict[str, dict[str, FoundFile]] = {}
    for item in find_files(config.content_dir, posts_to_check):
        by_slug.setdefault(item.slug, {})[item.language] = item
    cache = CheckCache(config.root / CACHE_DIR) if use_cache else None
    run = _Run(config=config, ctx=ctx, cache=cache, environment=_environment(config, ctx))
    findings, refs = _post_findings(run, by_slug, progress)
    findings.extend(duplicate_ids(refs))
    findings.extend(_template_findings(run))
    if posts_to_check and ctx.schedules:
        refs = refs + _all_refs(run, set(by_slug))
    findings.extend(_schedule_findings(run, refs))
    findings.extend(check_strays(find_strays(config.content_dir, posts_to_check)))
    if env is not None:
        findings.extend(check_accounts(config, env))
    if cache:
        cache.save(run.used_keys)
    findings = _once(findings, UNAVAILABLE)
    findings.sort(key=lambda f: (f.post, f.file, f.line, f.code))
    return CheckResult(findings=findings, posts=len(by_slug))


def _once(findings: list[Finding], message: str) -> list[Finding]:
    """One finding for a problem of the machine, not of each post (Tesseract missing), counting the posts."""
    same = [f for f in findings if f.message.startswith(message)]
    if len(same) <= 1:
        return findings
    first = min(same)
    rest = [f for f in findings if not f.message.startswith(message)]
    return [*rest, replace(first, message=first.message.replace(message, f"{message} ({len(same)} posts have images)"))]
