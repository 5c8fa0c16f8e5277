"""``media-missing``: a media file must exist inside the content root and be an image (JPEG, PNG, GIF, WebP).

The path is resolved with symlinks followed, so neither ``../../etc/passwd``,
an absolute path nor a symlink can make the publisher upload a file from
outside the content folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from publisher.content.post import LANGUAGES, Post, PostFile
from publisher.files import UnreadableFile, read_head
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.platforms.specs import SPECS
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.images import media_path, target_platforms

RULE = Rule(
    "media-missing",
    "error",
    N_("put the image (JPEG, PNG, GIF or WebP) inside the content folder and give its path relative to the post"),
)


def image_kind(head: bytes) -> str | None:
    """The image format from the file's first bytes (never trust the extension)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _file_problem(
    number: int, name: str, real: Path | None, post_file_display: str
) -> tuple[str | None, str | None, int]:
    """(problem, image kind, size) of the media file at ``real``, for media item ``number``."""
    values: dict[str, object] = {"number": number, "name": name, "post_file": post_file_display}
    if real is None:
        message = _(
            "media item %(number)d: '%(name)s' lies outside the content folder; copy "
            "the image into the content folder and give a relative path"
        )
        return message % values, None, 0
    if not real.exists():
        message = _("media item %(number)d: '%(name)s' does not exist; check the file name (relative to %(post_file)s)")
        return message % values, None, 0
    try:
        head, size = read_head(real, 16)
    except UnreadableFile as exc:
        return _("media item %(number)d: '%(name)s' %(problem)s") % {**values, "problem": exc}, None, 0
    except OSError as exc:
        message = _("media item %(number)d: '%(name)s' cannot be read (%(problem)s)")
        return message % {**values, "problem": exc.strerror}, None, 0
    kind = image_kind(head)
    if kind is None:
        message = _(
            "media item %(number)d: '%(name)s' is not a JPEG, PNG, GIF or WebP image; export it in one of those formats"
        )
        return message % values, None, 0
    return None, kind, size


def _text_only(post: Post, ctx: Context) -> Iterator[Finding]:
    """A post with no image, to a platform that has no text-only posts."""
    first = post.cy or post.en
    if post.media_pairs() or first is None:
        return
    for platform in sorted(target_platforms(post, ctx)):
        if SPECS[platform].needs_media:
            where = post.where("accounts")
            line = where[1] if where else 1
            message = _("%(platform)s has no text-only posts: add an image (media), or leave out its account") % {
                "platform": SPECS[platform].title
            }
            yield RULE.at(post, where[0] if where else first, line, message)


def _names(post: Post, index: int) -> list[tuple[str | None, PostFile | None, int]]:
    """The file each language names for item ``index`` (one entry when they agree)."""
    name, post_file, line = post.media_shared(index, "file")
    found = [(name, post_file, line)]
    for language in LANGUAGES:
        items = post.media(language)
        if index < len(items) and items[index].file and items[index].file != name:
            found.append((items[index].file, post.file(language), items[index].line_of("file")))
    return found


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    yield from _text_only(post, ctx)
    for index in range(len(post.media_pairs())):
        for name, post_file, line in _names(post, index):
            if post_file is None:
                continue
            if name is None:
                message = _("media item %(number)d has no 'file': give the image's path relative to the post")
                yield RULE.at(post, post_file, line, message % {"number": index + 1})
                continue
            real = media_path(ctx, post_file, name)
            problem, _kind, _size = _file_problem(index + 1, name, real, post_file.display)
            if problem is not None:
                yield RULE.at(post, post_file, line, problem)
