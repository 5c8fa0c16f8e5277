"""Find post files under the content root and pair them into posts.

Like Pelican's readers, discovery only finds and reads: it never judges. A
file that cannot be read safely (a symlink pointing out of the content root,
say) is still returned, carrying a problem, so the check can report it by
name and go on with every other post.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from publisher.content.post import LANGUAGES, Language, Post, PostFile
from publisher.content.schema import Problem
from publisher.i18n import _

SUFFIXES: dict[str, Language] = {".cy.md": "cy", ".en.md": "en"}
_POST_SUFFIXES = tuple(SUFFIXES)


Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode: what changes when a file does


class FoundFile(NamedTuple):
    """A post file on disk: where it is, its slug and its language, and its stamp when found.

    The location is kept as a string, and the record is a named tuple: building
    20,000 Path objects, or frozen dataclasses, is a measurable share of a cached check.
    """

    location: str
    slug: str
    language: Language
    inside_root: bool
    stamp: Stamp | None = None

    @property
    def path(self) -> Path:
        return Path(self.location)


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _stamp(entry: os.DirEntry[str] | str) -> Stamp | None:
    try:
        return stamp_of(entry.stat() if isinstance(entry, os.DirEntry) else os.stat(entry))
    except OSError:
        return None


def display_path(path: Path) -> str:
    """The path as people and CI annotations want it: relative to the current folder."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def display_location(location: str) -> str:
    """:func:`display_path` of a found file's location (absolute and normalised), without building Path objects."""
    cwd = os.getcwd().rstrip("/") + "/"
    return location[len(cwd) :] if location.startswith(cwd) and len(location) > len(cwd) else location


def _classify(location: str, relative: str, real_root: Path, is_link: bool, stamp: Stamp | None) -> FoundFile | None:
    language = SUFFIXES.get(relative[-6:])
    if language is None or len(relative) <= 6 or relative[-7] == "/":
        return None
    inside = True
    if is_link:  # folders are never followed, so only the file itself can lead out
        try:
            inside = Path(location).resolve().is_relative_to(real_root)
        except (OSError, RuntimeError):  # symlink loop
            inside = False
    return FoundFile(location=location, slug=relative[:-6], language=language, inside_root=inside, stamp=stamp)


def _walk(folder: str, prefix: str, strays: list[tuple[str, str]]) -> Iterator[tuple[str, str, bool, Stamp | None]]:
    """(path, path relative to the root, is_symlink, stamp) for every file, without following symlinked folders.

    Files named nearly like post files are added to ``strays`` (path, relative) on the same walk, so the
    content is walked once; as ``os.walk`` would, a symlink to a folder counts as a folder there.
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, f"{prefix}{name}/", strays)
            continue
        if name.endswith(".md"):
            yield entry.path, f"{prefix}{name}", entry.is_symlink(), _stamp(entry)
            if name.endswith(_POST_SUFFIXES) and not name.startswith("."):
                continue  # a post file's name: never a stray
        if _stray_name(name) is not None and not _is_folder(entry):
            strays.append((entry.path, f"{prefix}{name}"))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def find_files(root: Path, targets: Iterable[Path] = ()) -> list[FoundFile]:
    """Post files under ``root``, or only those under/at ``targets`` (plus partners)."""
    return scan(root, targets)[0]


def scan(root: Path, targets: Iterable[Path] = ()) -> tuple[list[FoundFile], list[Stray]]:
    """Post files under ``root``, or only those under/at ``targets`` (plus partners), and the strays among them.

    Symlinked folders are not followed; a symlinked file is reported as
    outside the root when it resolves there.
    """
    root = root.absolute()
    real_root = root.resolve()
    found: dict[str, FoundFile] = {}
    strays: list[tuple[str, str]] = []
    for target in [t.absolute() for t in targets] or [root]:
        if not target.is_relative_to(root):
            continue
        relative = target.relative_to(root).as_posix()
        if target.is_dir() and not target.is_symlink():
            candidates: Iterable[tuple[str, str, bool, Stamp | None]] = _walk(
                str(target), "" if relative == "." else relative + "/", strays
            )
        else:
            candidates = [(str(target), relative, target.is_symlink(), _stamp(str(target)))]
            strays.append((str(target), relative))
        for location, rel, is_link, stamp in candidates:
            item = _classify(location, rel, real_root, is_link, stamp)
            if item is not None:
                found[location] = item
    if targets:
        # A check of one file still needs its partner to judge the pair.
        for item in list(found.values()):
            for suffix, language in SUFFIXES.items():
                partner = root / f"{item.slug}{suffix}"
                if (
                    language != item.language
                    and str(partner) not in found
                    and (partner.exists() or partner.is_symlink())
                ):
                    partner_item = _classify(
                        str(partner), f"{item.slug}{suffix}", real_root, partner.is_symlink(), _stamp(str(partner))
                    )
                    if partner_item is not None:
                        found[str(partner)] = partner_item
    return sorted(found.values(), key=lambda f: (f.slug, f.language != "cy")), _strays(strays)


def read_file(item: FoundFile, raw: bytes | None = None) -> PostFile:
    """Read one found file, refusing to follow a symlink out of the content root."""
    display = display_location(item.location)
    if not item.inside_root:
        post_file = PostFile(path=item.path, display=display, language=item.language)
        post_file.meta.problems.append(
            Problem(
                1,
                _(
                    "the file is a symlink to somewhere outside the content root; "
                    "it was not read. Put the real file in the content folder"
                ),
            )
        )
        return post_file
    return PostFile.read(item.path, display, item.language, raw=raw)


def post_of(slug: str, files: Iterable[PostFile]) -> Post:
    """The post ``slug`` made of ``files`` (one per language)."""
    post = Post(slug=slug)
    for post_file in files:
        setattr(post, post_file.language, post_file)
    return post


def pair(files: Iterable[PostFile], slugs: dict[Path, str]) -> list[Post]:
    """Group read files into posts by slug, in slug order."""
    posts: dict[str, Post] = {}
    for post_file in files:
        slug = slugs[post_file.path]
        post = posts.setdefault(slug, Post(slug=slug))
        setattr(post, post_file.language, post_file)
    return [posts[s] for s in sorted(posts)]


_STRAY = re.compile(
    r"^(?P<stem>.+?)\.(?P<tag>cy|cym|cymraeg|welsh|wel|en|eng|english|saesneg)(?P<ext>(?:\.(?:md|markdown|mdown|txt))+)$",
    re.IGNORECASE,
)
_WELSH_TAGS = {"cy", "cym", "cymraeg", "welsh", "wel"}


@dataclass(frozen=True)
class Stray:
    """A file named almost like a post file (``gritting.eng.md``), which is therefore not read as one."""

    path: Path
    slug: str
    language: Language
    right_name: str  # the name it should have


def _stray_name(name: str) -> re.Match[str] | None:
    """The parts of a file name that is nearly, but not exactly, a post file's; judged on the name alone so that
    a walk over a large tree builds no path for the files that are fine."""
    if any(name.endswith(suffix) for suffix in SUFFIXES) and not name.startswith("."):
        return None
    return _STRAY.match(name)


def _stray(path: Path, relative: str) -> Stray | None:
    match = _stray_name(path.name)
    if match is None:
        return None
    language: Language = "cy" if match.group("tag").lower() in _WELSH_TAGS else "en"
    right_name = f"{match.group('stem')}.{language}.md"
    folder = relative.rpartition("/")[0]
    slug = f"{folder}/{match.group('stem')}" if folder else match.group("stem")
    return Stray(path=path, slug=slug, language=language, right_name=right_name)


def _strays(candidates: list[tuple[str, str]]) -> list[Stray]:
    found: dict[Path, Stray] = {}
    for location, relative in candidates:
        path = Path(location)
        stray = _stray(path, relative)
        if stray is not None:
            found[path] = stray
    return sorted(found.values(), key=lambda s: s.path)


__all__ = [
    "LANGUAGES",
    "FoundFile",
    "Stray",
    "display_location",
    "display_path",
    "find_files",
    "pair",
    "post_of",
    "read_file",
    "scan",
]
