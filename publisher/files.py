"""Reading a file the way every file the publisher reads must be read: regular, bounded, and where it belongs.

A FIFO named ``x.cy.md`` would hang ``check`` and the daemon; a 1 GB post
file would be read whole; a symlink could lead out of the project. So every
read opens the file without blocking, refuses anything but a regular file,
refuses a file over its size limit before reading it, and, given a root,
refuses a path that resolves outside it (docs/content.md).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from publisher.i18n import _

KIB = 1024
MIB = 1024 * KIB


class UnreadableFile(Exception):
    """The file cannot be used; the message says why, in words for the person who wrote it.

    The message is a predicate ("is larger than 1 MiB; ..."), put after the file's name by whoever reports it.
    """


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // KIB} KiB"


def _too_large(limit: int) -> str:
    return _("is larger than %(size)s; split it or remove what does not belong") % {"size": _size(limit)}


@contextmanager
def _opened(location: str | Path, text_file: bool = False) -> Iterator[tuple[int, os.stat_result]]:
    """The file opened without blocking (a FIFO cannot hang the reader) and known to be regular; closed after."""
    try:
        fd = os.open(location, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnreadableFile(_("cannot be opened: %(error)s") % {"error": exc.strerror or exc}) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if text_file:
                raise UnreadableFile(
                    _("is not a regular file (a FIFO, a device or a folder); replace it with a text file")
                )
            raise UnreadableFile(_("is not a regular file (a FIFO, a device or a folder)"))
        yield fd, info
    except OSError as exc:
        raise UnreadableFile(_("cannot be read: %(error)s") % {"error": exc.strerror or exc}) from None
    finally:
        os.close(fd)


def read_head(path: Path, count: int) -> tuple[bytes, int]:
    """The first ``count`` bytes of the regular file ``path``, and its size (for a media file's type and limits)."""
    with _opened(path) as (fd, info):
        return os.read(fd, count), info.st_size


def read_bounded(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``), inside ``root`` if given."""
    if root is not None:
        try:
            inside = path.resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError):  # a symlink loop
            inside = False
        if not inside:
            raise UnreadableFile(_("it leads outside the project (a symlink?); put the real file in its folder"))
    return read_regular(path, limit)[0]


def read_regular(location: str | Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file at ``location`` (at most ``limit``), and its stat as it was read."""
    with _opened(location, text_file=True) as (fd, info):
        if info.st_size > limit:
            raise UnreadableFile(_too_large(limit))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, limit + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    if total > limit:
        raise UnreadableFile(_too_large(limit))
    return b"".join(chunks), info
