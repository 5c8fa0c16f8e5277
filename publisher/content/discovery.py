"""Find post files under the content root and pair them into posts.

Like Pelican's readers, discovery only finds and reads: it never judges. A
file that cannot be read safely (a symlink pointing out of the content root,
say) is still returned, carrying a problem, so the check can report it by
name and go on with every other post.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from publisher.content.post import LANGUAGES, Language, Post, PostFile
from publisher.content.schema import Problem

SUFFIXES: dict[str, Language] = {".cy.md": "cy", ".en.md": "en"}


@dataclass(frozen=True)
class FoundFile:
    """A post file on disk: where it is, its slug and its language."""

    path: Path
    slug: str
    language: Language
    inside_root: bool


def display_path(path: Path) -> str:
    """The path as people and CI annotations want it: relative to the current folder."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _classify(path: Path, root: Path, real_root: Path) -> FoundFile | None:
    name = path.name
    for suffix, language in SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            relative = path.relative_to(root).as_posix()
            slug = relative[: -len(suffix)]
            try:
                inside = path.resolve().is_relative_to(real_root)
            except (OSError, RuntimeError):  # symlink loop
                inside = False
            return FoundFile(path=path, slug=slug, language=language, inside_root=inside)
    return None


def find_files(root: Path, targets: Iterable[Path] = ()) -> list[FoundFile]:
    """Post files under ``root``, or only those under/at ``targets`` (plus partners).

    Symlinked folders are not followed; a symlinked file is reported as
    outside the root when it resolves there.
    """
    root = root.absolute()
    real_root = root.resolve()
    found: dict[Path, FoundFile] = {}
    wanted = [t.absolute() for t in targets] or [root]
    for target in wanted:
        if target.is_file() or target.is_symlink() and not target.is_dir():
            candidates: Iterable[Path] = [target]
        else:
            candidates = (
                Path(folder) / name
                for folder, dirs, names in os.walk(target, followlinks=False)
                for name in sorted(names)
                if not dirs.sort()  # walk folders in a stable order
            )
        for path in candidates:
            if not path.is_relative_to(root):
                continue
            item = _classify(path, root, real_root)
            if item is not None:
                found[path] = item
    if targets:
        # A check of one file still needs its partner to judge the pair.
        for item in list(found.values()):
            for suffix, language in SUFFIXES.items():
                partner = root / f"{item.slug}{suffix}"
                if language != item.language and partner.exists() and partner not in found:
                    partner_item = _classify(partner, root, real_root)
                    if partner_item is not None:
                        found[partner] = partner_item
    return sorted(found.values(), key=lambda f: (f.slug, f.language != "cy"))


def read_file(item: FoundFile, raw: bytes | None = None) -> PostFile:
    """Read one found file, refusing to follow a symlink out of the content root."""
    display = display_path(item.path)
    if not item.inside_root:
        post_file = PostFile(path=item.path, display=display, language=item.language)
        post_file.meta.problems.append(
            Problem(1, "the file is a symlink to somewhere outside the content root; it was not read. Put the real file in the content folder")
        )
        return post_file
    return PostFile.read(item.path, display, item.language, raw=raw)


def pair(files: Iterable[PostFile], slugs: dict[Path, str]) -> list[Post]:
    """Group read files into posts by slug, in slug order."""
    posts: dict[str, Post] = {}
    for post_file in files:
        slug = slugs[post_file.path]
        post = posts.setdefault(slug, Post(slug=slug))
        setattr(post, post_file.language, post_file)
    return [posts[s] for s in sorted(posts)]


__all__ = ["FoundFile", "LANGUAGES", "display_path", "find_files", "pair", "read_file"]
