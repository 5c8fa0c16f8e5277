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

import gc
import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from datetime import time as day_time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher import rules
from publisher.config import Config
from publisher.content.discovery import (
    SUFFIXES,
    FoundFile,
    Stamp,
    display_path,
    find_files,
    post_of,
    read_file,
    scan,
    stamp_of,
)
from publisher.content.history import changed_since
from publisher.content.post import LANGUAGES, MAX_FILE_BYTES, Post
from publisher.content.schedules import inherit_accounts
from publisher.content.timing import PublishTimeError, parse_publish_at
from publisher.files import MIB, UnreadableFile, read_bounded, read_regular
from publisher.findings import Finding
from publisher.i18n import _, language, ngettext, set_language
from publisher.rules.context import Context
from publisher.rules.credentials_missing import check_accounts
from publisher.rules.file_misnamed import check_strays
from publisher.rules.front_matter_invalid import PostRef, duplicate_ids, ref
from publisher.rules.image_text_language import UNAVAILABLE
from publisher.services.verdict_cache import (
    CACHE_DIR,
    CheckCache,
    Entry,
    Listing,
    TreeResult,
    file_digest,
    load_tree,
    media_stat,
    post_key,
    save_tree,
    settled,
    tree_key,
)
from publisher.text.image_text import engine
from publisher.text.image_text import release as release_ocr

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
        f"language={language()}",  # findings are stored as words: a Welsh run never answers with English ones
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _next_midnight(ctx: Context) -> float:
    return _midnight_after(ctx.now, ctx.config.timezone)


@lru_cache(maxsize=8)
def _midnight_after(now: datetime, tz: ZoneInfo) -> float:
    return datetime.combine(now.astimezone(tz).date() + timedelta(days=1), day_time(0), tz).timestamp()


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
    for lang in LANGUAGES:
        post_file = post.file(lang)
        for item in post.media(lang) if post_file is not None else []:
            if item.file and post_file is not None:
                record = media_stat(post_file.path.parent / item.file)
                used.setdefault(record[0], record)
    return list(used.values())


def _read_raw(item: FoundFile) -> tuple[bytes | None, Stamp | None]:
    """Raw bytes and the stamp they were read with; None when the file must not (or cannot) be read.

    Reading it again in :func:`read_file` says why.
    """
    if not item.inside_root:
        return None, None
    try:
        raw, info = read_regular(item.location, MAX_FILE_BYTES)
    except (UnreadableFile, OSError):
        return None, None
    return raw, stamp_of(info)


Raw = dict[str, bytes | None]  # language -> bytes of its file
Pending = tuple[str, str, dict[str, FoundFile], Raw]  # cache key, slug, files, their bytes
ProgressCallback = Callable[[int, int], None]  # (posts judged so far, posts to judge)
PARALLEL_FROM = 400  # below this many unchecked posts, starting workers costs more than it saves
READ_IN_WORKERS_FROM = 2000  # from this many posts to read, the workers read and hash them as well as judge
WARM_UP = 10  # posts judged before the workers are forked, so the libraries the rules load are loaded once


def _verdict(slug: str, items: dict[str, FoundFile], raw: Raw, ctx: Context) -> Entry:
    """Read, pair and run every rule on one post; the result is what the cache stores."""
    post = post_of(slug, [read_file(item, raw=raw[lang]) for lang, item in items.items()])
    inherit_accounts(post, ctx.schedule_accounts)
    return Entry(
        findings=[f.as_json() for f in rules.run(post, ctx)],
        ref=ref(post).__dict__,
        media=_media_used(post),
        valid_until=_valid_until(post, ctx),
    )


@dataclass
class _Read:
    """A post read and hashed: its key, each file's location, digest and stamp when read, and the bytes."""

    key: str
    raw: Raw
    files: list[tuple[str, str, Stamp | None]]  # location, digest, stamp
    read_at_ns: int


def _read_post(run: _Run, slug: str, items: dict[str, FoundFile]) -> _Read:
    read_at_ns = time.time_ns()
    raw: Raw = {}
    digests: dict[str, str] = {}
    files = []
    for lang, item in items.items():
        raw[lang], stamp = _read_raw(item)
        digests[lang] = file_digest(raw[lang])
        files.append((item.location, digests[lang], stamp))
    key = post_key(run.environment, run.key_name(slug), digests.get("cy"), digests.get("en"))
    return _Read(key=key, raw=raw, files=files, read_at_ns=read_at_ns)


# What forked workers inherit instead of receiving it pickled (the bytes of thousands of posts).
_worker_run: _Run | None = None
_worker_posts: list[tuple[str, dict[str, FoundFile]]] = []
_worker_pending: list[Pending] = []


Chunk = tuple[int, int]  # a slice of the inherited list, start and stop


def _verdict_chunk(chunk: Chunk) -> list[tuple[str, Entry]]:
    assert _worker_run is not None
    ctx = _worker_run.ctx
    return [(key, _verdict(slug, items, raw, ctx)) for key, slug, items, raw in _worker_pending[chunk[0] : chunk[1]]]


# A post read by a worker: its place in the inherited list, its cache key, each file's digest and stamp
# (in the order of its files), when they were read, and its new verdict (None: the cache had it). The parent
# has the slug and the locations already, so they are not sent back.
Worked = tuple[int, str, list[tuple[str, Stamp | None]], int, Entry | None]


def _read_and_judge_chunk(chunk: Chunk) -> list[Worked]:
    assert _worker_run is not None
    out: list[Worked] = []
    for index in range(chunk[0], chunk[1]):
        slug, items = _worker_posts[index]
        read = _read_post(_worker_run, slug, items)
        entry = None
        if _worker_run.lookup(read.key) is None:
            entry = _verdict(slug, items, read.raw, _worker_run.ctx)
        files = [(digest, stamp) for _location, digest, stamp in read.files]
        out.append((index, read.key, files, read.read_at_ns, entry))
    return out


def _warm_up(task: Callable[[Chunk], list[Any]], total: int, collect: Callable[[list[Any]], None]) -> int:
    """Load here, once, what the workers will share, before they are forked; the number of posts judged.

    That is lingua's Welsh and English models (a third of a second of one core and 60 MB), and the
    libraries the rules load on first use (Markdown, emoji, Pillow...), by judging the first few posts.
    Tesseract, loaded for the first posts' images, is freed before forking: what it read is in the OCR
    cache the workers inherit (docs/commands.md "check"). Asking engine() here also asks it once rather
    than once per worker.
    """
    from publisher.text.language import preload

    preload()
    engine()
    done = min(total, WARM_UP)
    collect(task((0, done)))
    release_ocr()
    return done


def _in_workers(
    task: Callable[[Chunk], list[Any]],
    total: int,
    report: ProgressCallback,
    workers: int,
    collect: Callable[[list[Any]], None],
) -> None:
    """Run ``task`` over ``range(total)`` in chunks, here and on ``workers - 1`` forked workers.

    Each chunk's results are handed to ``collect`` as they come in, rather than piled up until the end,
    so what a worker sent back can be folded into the cache and freed at once.

    This process judges too, rather than waiting on ``workers`` others: one process fewer holds its own
    copy of what judging builds up, which keeps a cold check's memory down (docs/commands.md "check").
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    done = _warm_up(task, total, collect)
    report(done, total)
    # Small chunks keep the processes evenly loaded to the end and progress moving in steps of about 1 %.
    size = max(25, total // (workers * 50))
    chunks = deque((i, min(total, i + size)) for i in range(done, total, size))
    # Frozen objects are left out of garbage collections: the workers' collections then do not write to the
    # pages they share with this process (copying them), and this one's are quicker while results pile up.
    # The command's language is a context variable (docs/translation.md): each worker sets it before judging,
    # rather than relying on what a forked thread happens to inherit.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers - 1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=set_language,
            initargs=(language(),),
        ) as pool:
            queued: list[Future[list[Any]]] = []
            while chunks or queued:
                # Two chunks queued per worker, so none waits while this process judges one of its own.
                while chunks and len(queued) < 2 * (workers - 1):
                    queued.append(pool.submit(task, chunks.popleft()))
                if chunks:
                    start, stop = chunks.popleft()
                    collect(task((start, stop)))
                    done += stop - start
                else:
                    wait(queued, return_when=FIRST_COMPLETED)
                for future in [f for f in queued if f.done()]:
                    queued.remove(future)
                    result = future.result()
                    collect(result)
                    done += len(result)
                report(done, total)
    finally:
        gc.unfreeze()


def _workers() -> int:
    return min(os.cpu_count() or 1, 8)


def _verdicts(pending: list[Pending], run: _Run, progress: ProgressCallback | None = None) -> list[tuple[str, Entry]]:
    """Judge ``pending`` posts, on every core when there are many (a cold cache in CI).

    ``progress`` hears how far judging has gone, so a person at a terminal
    sees a cold check of thousands of posts move instead of a silent wait.
    """
    global _worker_run, _worker_pending
    report = progress or (lambda done, total: None)
    total = len(pending)
    report(0, total)
    if total >= PARALLEL_FROM and _workers() >= 2:
        _worker_run, _worker_pending = run, pending
        judged: list[tuple[str, Entry]] = []
        try:
            _in_workers(_verdict_chunk, total, report, _workers(), judged.extend)
        finally:
            _worker_run, _worker_pending = None, []
        return judged
    results: list[tuple[str, Entry]] = []
    for key, slug, items, raw in pending:
        results.append((key, _verdict(slug, items, raw, run.ctx)))
        report(len(results), total)
    return results


@dataclass
class _Run:
    """One check's shared state: the cache, its environment key, the keys and files still in use."""

    config: Config
    ctx: Context
    cache: CheckCache | None
    environment: str
    used_keys: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)

    def lookup(self, key: str) -> Entry | None:
        return self.cache.get(key, self.ctx.now.timestamp()) if self.cache else None

    def cached(self, key: str) -> Entry | None:
        self.used_keys.add(key)
        return self.lookup(key)

    def store(self, key: str, entry: Entry) -> None:
        self.used_keys.add(key)
        if self.cache:
            self.cache.put(key, entry)

    def key_name(self, slug: str) -> str:
        """A post's name in its cache key: whether it is held to the time rules is part of its verdict."""
        return slug if self.ctx.is_fresh(slug) else f"{slug}\0archived"

    def known_key(self, slug: str, items: dict[str, FoundFile]) -> str | None:
        """The post's key from the digests remembered for its unchanged files; None if any must be read."""
        digests: dict[str, str | None] = {}
        for lang, item in items.items():
            self.locations.add(item.location)
            digests[lang] = self.cache.digest(item.location, item.stamp) if self.cache and item.inside_root else None
        if None in digests.values():
            return None
        return post_key(self.environment, self.key_name(slug), digests.get("cy"), digests.get("en"))

    def remember(self, files: list[tuple[str, str, Stamp | None]], read_at_ns: int) -> None:
        """Keep each file's digest with its stamp (location, digest, stamp), so an unchanged file is not read again."""
        if self.cache:
            for location, digest, stamp in files:
                if stamp is not None:
                    self.cache.remember(location, stamp, digest, read_at_ns)


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


class _Findings:
    """Findings and id references gathered post by post."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.refs: list[PostRef] = []

    def add(self, entry: Entry) -> None:
        self.findings.extend(Finding(**f) for f in entry.findings)
        self.refs.append(PostRef(**entry.ref))


def _read_and_judge(
    run: _Run, unread: list[tuple[str, dict[str, FoundFile]]], report: ProgressCallback
) -> dict[str, Entry]:
    """Many posts to read (a cold cache): the workers read, hash and judge them; progress counts posts read."""
    global _worker_run, _worker_posts
    report(0, len(unread))
    entries: dict[str, Entry] = {}

    def collect(worked: list[Worked]) -> None:
        for index, key, files, read_at_ns, entry in worked:
            slug, items = unread[index]
            located = [
                (item.location, digest, stamp) for item, (digest, stamp) in zip(items.values(), files, strict=True)
            ]
            run.remember(located, read_at_ns)
            if entry is None:
                entry = run.cached(key)
                assert entry is not None, "the worker found it in the same cache"
            else:
                run.store(key, entry)
            entries[slug] = entry

    _worker_run, _worker_posts = run, unread
    try:
        _in_workers(_read_and_judge_chunk, len(unread), report, _workers(), collect)
    finally:
        _worker_run, _worker_posts = None, []
    return entries


def _read_then_judge(
    run: _Run, unread: list[tuple[str, dict[str, FoundFile]]], progress: ProgressCallback | None
) -> dict[str, Entry]:
    """Read and hash the posts here, then judge those the cache cannot answer (on every core if many)."""
    entries: dict[str, Entry] = {}
    pending: list[Pending] = []
    for slug, items in unread:
        read = _read_post(run, slug, items)
        run.remember(read.files, read.read_at_ns)
        entry = run.cached(read.key)
        if entry is None:
            pending.append((read.key, slug, items, read.raw))
        else:
            entries[slug] = entry
    judged = dict(_verdicts(pending, run, progress))
    for key, slug, _items, _raw in pending:
        run.store(key, judged[key])
        entries[slug] = judged[key]
    return entries


def _post_findings(
    run: _Run, by_slug: dict[str, dict[str, FoundFile]], progress: ProgressCallback | None
) -> tuple[list[Finding], list[PostRef]]:
    """Every post's findings, from the cache where its files are unchanged, judged otherwise.

    A file whose stamp is the one remembered with its digest is not read; the others are read and
    hashed, and only posts the cache cannot answer are judged. Progress counts those, except on a
    large cold check, where the workers read as well as judge and progress counts posts read.
    """
    entries: dict[str, Entry] = {}
    unread: list[tuple[str, dict[str, FoundFile]]] = []
    for slug in sorted(by_slug):
        key = run.known_key(slug, by_slug[slug])
        entry = run.cached(key) if key is not None else None
        if entry is not None:
            entries[slug] = entry
        else:
            unread.append((slug, by_slug[slug]))
    if len(unread) >= READ_IN_WORKERS_FROM and _workers() >= 2:
        entries.update(_read_and_judge(run, unread, progress or (lambda done, total: None)))
    else:
        entries.update(_read_then_judge(run, unread, progress))
    gathered = _Findings()
    for slug in sorted(by_slug):
        gathered.add(entries[slug])
    return gathered.findings, gathered.refs


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


def _light_ref(slug: str, items: dict[str, FoundFile], raw: Raw) -> PostRef:
    return ref(post_of(slug, [read_file(item, raw=raw[lang]) for lang, item in items.items()]))


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
        key = run.known_key(slug, items)
        entry = run.cached(key) if key is not None else None
        if entry is None:
            read = _read_post(run, slug, items)
            run.remember(read.files, read.read_at_ns)
            entry = run.cached(read.key)
            if entry is None:
                refs.append(_light_ref(slug, items, read.raw))
                continue
        refs.append(PostRef(**entry.ref))
    return refs


@dataclass
class _Walked:
    """The post files one walk found, when it started, and whether they are the whole content."""

    found: list[FoundFile]
    at_ns: int
    whole: bool

    def listing(self, ctx: Context) -> Listing:
        """What the whole-tree memo is keyed by: each post file's location, stamp, readability and freshness."""
        return (
            tuple(f.location for f in self.found),
            tuple(f.stamp for f in self.found),
            bytes(f.inside_root and ctx.is_fresh(f.slug) for f in self.found),
        )


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
    walked_at_ns = time.time_ns()
    found, strays = scan(config.content_dir, posts_to_check)
    walked = _Walked(found=found, at_ns=walked_at_ns, whole=not posts_to_check)
    environment = _environment(config, ctx)
    result = _remembered(config, ctx, environment, walked) if use_cache and walked.whole else None
    if result is None:
        result = _judged(_run(config, ctx, environment, use_cache), walked, posts_to_check, progress)
    findings = result.findings + check_strays(strays)
    if env is not None:
        findings.extend(check_accounts(config, env))
    findings = _once(findings, _(UNAVAILABLE))
    findings.sort(key=lambda f: (f.post, f.file, f.line, f.code))
    return CheckResult(findings=findings, posts=result.posts)


def _run(config: Config, ctx: Context, environment: str, use_cache: bool) -> _Run:
    cache = CheckCache(config.root / CACHE_DIR) if use_cache else None
    return _Run(config=config, ctx=ctx, cache=cache, environment=environment)


def _remembered(config: Config, ctx: Context, environment: str, walked: _Walked) -> CheckResult | None:
    """The findings of the last whole check when the tree and all they depend on are unchanged: then no
    post is even looked up, and an unchanged tree re-checks in the time it takes to walk it."""
    memo = load_tree(config.root / CACHE_DIR, tree_key(environment, walked.listing(ctx)), ctx.now.timestamp())
    return None if memo is None else CheckResult(findings=memo[0], posts=memo[1])


def _judged(
    run: _Run, walked: _Walked, posts_to_check: tuple[Path, ...], progress: ProgressCallback | None
) -> CheckResult:
    """Every finding of the posts (from the per-post cache where it can answer), their ids and schedules."""
    by_slug: dict[str, dict[str, FoundFile]] = {}
    for item in walked.found:
        by_slug.setdefault(item.slug, {})[item.language] = item
    findings, refs = _post_findings(run, by_slug, progress)
    findings.extend(duplicate_ids(refs))
    findings.extend(_template_findings(run))
    if posts_to_check and run.ctx.schedules:
        refs = refs + _all_refs(run, set(by_slug))
    findings.extend(_schedule_findings(run, refs))
    result = CheckResult(findings=findings, posts=len(by_slug))
    if run.cache:
        run.cache.save(run.used_keys, run.locations)
        if walked.whole:
            _remember_tree(run, walked, result)
    return result


def _remember_tree(run: _Run, walked: _Walked, result: CheckResult) -> None:
    """Keep this whole check's findings for the same tree, valid as long as every verdict they come from."""
    assert run.cache is not None
    listing = walked.listing(run.ctx)
    if not settled(listing, walked.at_ns):
        return  # a file written just before the walk may change again without its stamp changing
    used = [run.cache.entries[key] for key in run.used_keys if key in run.cache.entries]
    media = {record[0]: record for entry in used for record in entry.media}
    memo = TreeResult(
        key=tree_key(run.environment, listing),
        findings=[f.as_json() for f in result.findings],
        posts=result.posts,
        media=list(media.values()),
        valid_until=min((entry.valid_until for entry in used), default=float("inf")),
    )
    save_tree(run.config.root / CACHE_DIR, memo)


def _once(findings: list[Finding], message: str) -> list[Finding]:
    """One finding for a problem of the machine, not of each post (Tesseract missing), counting the posts."""
    same = [f for f in findings if f.message.startswith(message)]
    if len(same) <= 1:
        return findings
    first = min(same)
    rest = [f for f in findings if not f.message.startswith(message)]
    counted = ngettext("%(message)s (%(n)d post has images)", "%(message)s (%(n)d posts have images)", len(same))
    return [
        *rest,
        replace(first, message=first.message.replace(message, counted % {"message": message, "n": len(same)})),
    ]
