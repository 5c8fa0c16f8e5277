"""Cache of check results keyed by the content hash of each post pair.

An unchanged content tree re-checks in a fraction of a second. Each entry
records what could invalidate it without the post files changing: the stat
of each media file it used, and the moment a time-dependent verdict
(lateness, consent expiry) may flip. Each post file's digest is remembered
with its stamp (size, modification and change times, inode), the way git's
index does, so an unchanged file is not even read again; a stamp is only
trusted once the file has been left alone for :data:`SETTLED_NS` before it
was read (a write within the same clock tick would leave the stamp as it
was, and the kernel stamps change time itself, so it cannot be set back).
The cache lives in ``.publisher-cache/`` under the project root and is safe
to delete at any time.

A check of the whole content also keeps its findings in a memo keyed by the
environment and every post file's location and stamp, valid as long as the
verdicts it was made of (their media files and times), so an unchanged tree
is answered without looking up any post (docs/commands.md "check"); it is
only kept when every file had settled before the walk.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from publisher.files import UnreadableFile, read_bounded
from publisher.findings import Finding

CACHE_DIR = ".publisher-cache"
CACHE_FILE = "check-v2.json"
MAX_CACHE_BYTES = 512 * 1024 * 1024  # a larger cache file is not read: the check starts afresh
SETTLED_NS = 2_000_000_000  # a file changed this recently before it was read is read again next time
WRITE_BATCH = 500  # cache items per json.dumps call when it is written (see _write_sections)

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


@dataclass(slots=True)
class Entry:
    """A post's cached verdict and what it depends on besides its two files."""

    findings: list[dict[str, Any]]
    ref: dict[str, Any]
    media: list[tuple[str, int, int]] = field(default_factory=list)  # path, size, mtime_ns
    valid_until: float = 0.0  # POSIX time after which the verdict must be recomputed

    def as_json(self) -> dict[str, Any]:
        return {"findings": self.findings, "ref": self.ref, "media": self.media, "valid_until": self.valid_until}

    def still_valid(self, now: float) -> bool:
        if now >= self.valid_until:
            return False
        for path, size, mtime in self.media:
            try:
                stat = os.stat(path)
            except OSError:
                if size >= 0:
                    return False
                continue
            if size < 0 or stat.st_size != size or stat.st_mtime_ns != mtime:
                return False
        return True


def media_stat(path: Path) -> tuple[str, int, int]:
    """The stat record of a media file; a missing file is recorded as size -1."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, 0)
    return (str(path), stat.st_size, stat.st_mtime_ns)


def file_digest(raw: bytes | None) -> str:
    """What a post file holds, for the cache key (None: it could not, or must not, be read)."""
    return hashlib.sha256(raw).hexdigest() if raw is not None else "unread"


def post_key(environment: str, slug: str, cy: str | None, en: str | None) -> str:
    """The cache key: the environment fingerprint, the slug and both files' digests (None: no such file)."""
    return hashlib.sha256(f"{environment}\0{slug}\0cy\0{cy or '-'}\0en\0{en or '-'}".encode()).hexdigest()


class CheckCache:
    """A JSON file of entries and file digests, loaded whole and written atomically."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CACHE_FILE
        self.entries: dict[str, Entry] = {}
        self.files: dict[str, list[Any]] = {}  # location -> [size, mtime_ns, ctime_ns, inode, digest]
        self._dirty = False
        try:
            raw = json.loads(read_bounded(self.path, MAX_CACHE_BYTES))
            self.entries = {key: Entry(**value) for key, value in raw["entries"].items()}
            self.files = dict(raw["files"])
        except (OSError, UnreadableFile, ValueError, TypeError, KeyError, AttributeError):
            self.entries, self.files = {}, {}

    def get(self, key: str, now: float) -> Entry | None:
        entry = self.entries.get(key)
        return entry if entry is not None and entry.still_valid(now) else None

    def put(self, key: str, entry: Entry) -> None:
        self.entries[key] = entry
        self._dirty = True

    def digest(self, location: str, stamp: Stamp | None) -> str | None:
        """The remembered digest of the file at ``location`` if its stamp is the one recorded with it."""
        record = self.files.get(location)
        if record is None or stamp is None or tuple(record[:4]) != stamp:
            return None
        return str(record[4])

    def remember(self, location: str, stamp: Stamp, digest: str, read_at_ns: int) -> None:
        """Remember a file's digest with the stamp it had when read, if it had settled by then."""
        if stamp[2] < read_at_ns - SETTLED_NS and stamp[1] < read_at_ns - SETTLED_NS:
            record = [*stamp, digest]
            if self.files.get(location) != record:
                self.files[location] = record
                self._dirty = True

    def save(self, keep: set[str], locations: set[str]) -> None:
        """Write the entries and file digests still in use; a failure to write only costs speed."""
        if not self._dirty and keep == set(self.entries) and locations == set(self.files):
            return
        sections = {
            "entries": ((k, v.as_json()) for k, v in self.entries.items() if k in keep),
            "files": ((k, v) for k, v in self.files.items() if k in locations),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".check-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                _write_sections(handle, sections)
            os.replace(tmp, self.path)
        except OSError:
            pass


def _write_sections(handle: IO[str], sections: Mapping[str, Iterator[tuple[str, Any]]]) -> None:
    """Write ``{"name": {key: value, ...}, ...}`` as JSON, a few hundred items at a time.

    ``json.dumps`` of the whole cache at once holds every piece of the text in memory before joining
    them, about three times the file (some 20 MB for 10,000 posts) at the moment a cold check peaks;
    ``json.dump`` streams but uses the pure-Python encoder. Batches of ``dumps`` keep the C encoder's
    speed in a few hundred kilobytes (docs/commands.md "check").
    """
    handle.write("{")
    for number, (name, items) in enumerate(sections.items()):
        handle.write(f"{',' if number else ''}{json.dumps(name)}:{{")
        first = True
        while batch := dict(itertools.islice(items, WRITE_BATCH)):
            handle.write(("" if first else ",") + json.dumps(batch, separators=(",", ":"))[1:-1])
            first = False
        handle.write("}")
    handle.write("}")


TREE_FILE = "check-tree-v1.json"
MAX_TREE_BYTES = 64 * 1024 * 1024  # a memo larger than this is not read (it is only ever a shortcut)


@dataclass
class TreeResult:
    """A whole check's findings, kept for the unchanged tree, and what may change them without the tree changing."""

    key: str
    findings: list[dict[str, Any]]
    posts: int
    media: list[tuple[str, int, int]] = field(default_factory=list)
    valid_until: float = 0.0


Listing = tuple[tuple[str, ...], tuple[Stamp | None, ...], bytes]  # locations, their stamps, whether each is read


def tree_key(environment: str, listing: Listing) -> str:
    """The memo's key: the environment and every post file's location, stamp and whether it may be read."""
    locations, stamps, flags = listing
    digest = hashlib.sha256(f"{environment}\0{len(locations)}\0".encode())
    digest.update("\0".join(locations).encode("utf-8", "surrogateescape"))
    digest.update(array("q", itertools.chain.from_iterable(s or _NO_STAMP for s in stamps)).tobytes())
    digest.update(flags)
    return digest.hexdigest()


_NO_STAMP = (-1, -1, -1, -1)


def settled(listing: Listing, walked_at_ns: int) -> bool:
    """Whether every file had been left alone for :data:`SETTLED_NS` when the tree was walked (see above)."""
    limit = walked_at_ns - SETTLED_NS
    return all(stamp is not None and stamp[1] < limit and stamp[2] < limit for stamp in listing[1])


def load_tree(directory: Path, key: str, now: float) -> tuple[list[Finding], int] | None:
    """The findings and post count of the last whole check, if it was of this very tree and nothing they
    depend on has changed since; None too for a memo that cannot be read or is damaged."""
    try:
        raw = json.loads(read_bounded(directory / TREE_FILE, MAX_TREE_BYTES))
        if not isinstance(raw, dict) or raw.get("key") != key:
            return None
        memo = TreeResult(**raw)
        media = [(str(p), int(s), int(m)) for p, s, m in memo.media]
        entry = Entry(findings=memo.findings, ref={}, media=media, valid_until=float(memo.valid_until))
        findings = [Finding(**f) for f in memo.findings]
        posts = int(memo.posts)
    except (OSError, UnreadableFile, ValueError, TypeError, KeyError):
        return None
    return (findings, posts) if entry.still_valid(now) else None


def save_tree(directory: Path, memo: TreeResult) -> None:
    """Write the memo atomically; a failure to write only costs speed."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tree-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(memo.__dict__, separators=(",", ":")))
        os.replace(tmp, directory / TREE_FILE)
    except OSError:
        pass
