"""Files the file-writing platforms (the outbox, the feed) write: atomically, one writer at a time.

A reader (the council's website picking up a feed, a person opening the
outbox) must never see half a file: each file is written beside its final
name, flushed to disk and renamed over it. Several worker threads, or daemons
sharing a folder, take turns through a lock file (docs/platforms.md).
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from publisher.i18n import _
from publisher.platforms.base import AccountIdentity, PermanentError, TransientError


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: readers see the old file or the new one, never a mix.

    A file that cannot be written is an ordinary platform error naming the
    path: a full disk may free up (retried); a permission or a read-only file
    system needs a person (failed, with the path to fix).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        message = _("cannot write the file %(file)s: %(problem)s") % {"file": path, "problem": exc.strerror or exc}
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            raise TransientError(message) from None
        raise PermanentError(message) from None


def make_folder(folder: Path, what: str) -> None:
    """Create ``folder`` (and its parents), or say in a PermanentError why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermanentError(
            _("cannot create the %(what)s folder %(folder)s: %(problem)s")
            % {"what": what, "folder": folder, "problem": exc.strerror or exc}
        ) from None


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's lock file while reading and rewriting what is in it."""
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def writable_folder(folder: Path, what: str) -> AccountIdentity:
    """The check that stands in for credentials: the folder exists (or can be made) and can be written."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise PermanentError(
            _("the %(what)s folder %(folder)s cannot be written (check it exists and its permissions)")
            % {"what": what, "folder": folder}
        )
    return AccountIdentity(name=str(folder), url=folder.resolve().as_uri(), token_note=_("no credentials to expire"))
