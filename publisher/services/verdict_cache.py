"""Cache of check results keyed by the content hash of each post pair.

An unchanged content tree re-checks in a fraction of a second: only files
are read and hashed. Each entry also records what could invalidate it
without the post files changing: the stat of each media file it used, and
the moment a time-dependent verdict (lateness, consent expiry) may flip.
The cache lives in ``.publisher-cache/`` under the project root and is safe
to delete at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_DIR = ".publisher-cache"
CACHE_FILE = "check-v1.json"


@dataclass
class Entry:
    """A post's cached verdict and what it depends on besides its two files."""

    findings: list[dict[str, Any]]
    ref: dict[str, Any]
    media: list[tuple[str, int, int]] = field(default_factory=list)  # path, size, mtime_ns
    valid_until: float = 0.0  # POSIX time after which the verdict must be recomputed

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


def post_key(environment: str, slug: str, cy: bytes | None, en: bytes | None) -> str:
    """The cache key: the environment fingerprint plus both files' bytes."""
    digest = hashlib.sha256(environment.encode())
    for part in (
        slug.encode(),
        b"\0cy\0",
        cy if cy is not None else b"\0none",
        b"\0en\0",
        en if en is not None else b"\0none",
    ):
        digest.update(part)
    return digest.hexdigest()


class CheckCache:
    """A JSON file of entries, loaded whole and written atomically."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CACHE_FILE
        self.entries: dict[str, Entry] = {}
        self._dirty = False
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            self.entries = {key: Entry(**value) for key, value in raw.items()}
        except (OSError, ValueError, TypeError):
            self.entries = {}

    def get(self, key: str, now: float) -> Entry | None:
        entry = self.entries.get(key)
        return entry if entry is not None and entry.still_valid(now) else None

    def put(self, key: str, entry: Entry) -> None:
        self.entries[key] = entry
        self._dirty = True

    def save(self, keep: set[str]) -> None:
        """Write the entries still in use; a failure to write only costs speed."""
        if not self._dirty and keep == set(self.entries):
            return
        data = {k: v.__dict__ for k, v in self.entries.items() if k in keep}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".check-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            pass
