"""``media-missing``: a media file must exist inside the content root and be an image the platforms take.

The path is resolved with symlinks followed, so neither ``../../etc/passwd``,
an absolute path nor a symlink can make the publisher upload a file from
outside the content folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Context, Rule

RULE = Rule("media-missing", "error", "put the image (JPEG, PNG, GIF or WebP) inside the content folder and give its path relative to the post")

# Largest image each platform accepts, in bytes.
MAX_BYTES = {
    "x": 5 * 1024 * 1024,
    "bluesky": 1_000_000,
    "mastodon": 16 * 1024 * 1024,
    "instagram": 8 * 1024 * 1024,
    "facebook": 10 * 1024 * 1024,
}


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


def resolve_media(post_dir: Path, content_root: Path, name: str) -> Path | None:
    """The real path of media ``name`` if it stays inside ``content_root``, else None."""
    if Path(name).is_absolute() or name.startswith("~"):
        return None
    try:
        real = (post_dir / name).resolve()
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(content_root.resolve()) else None


def _platforms(post: Post, ctx: Context) -> set[str]:
    platforms = set()
    for name in post.accounts:
        if name in ctx.config.accounts:
            platforms.update(a.platform or "" for _, a in ctx.config.platform_accounts(name))
    return platforms


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for index, _ in enumerate(post.media_pairs()):
        name, post_file, line = post.media_shared(index, "file")
        if post_file is None:
            continue
        label = f"media item {index + 1}"
        if name is None:
            yield RULE.at(post, post_file, line, f"{label} has no 'file': give the image's path relative to the post")
            continue
        real = resolve_media(post_file.path.parent, ctx.config.content_dir, name)
        if real is None:
            yield RULE.at(post, post_file, line, f"{label}: '{name}' lies outside the content folder; copy the image into the content folder and give a relative path")
            continue
        if not real.is_file():
            yield RULE.at(post, post_file, line, f"{label}: '{name}' does not exist; check the file name (relative to {post_file.display})")
            continue
        try:
            with real.open("rb") as handle:
                head = handle.read(16)
            size = real.stat().st_size
        except OSError as exc:
            yield RULE.at(post, post_file, line, f"{label}: '{name}' cannot be read ({exc.strerror})")
            continue
        kind = image_kind(head)
        if kind is None:
            yield RULE.at(post, post_file, line, f"{label}: '{name}' is not a JPEG, PNG, GIF or WebP image; export it in one of those formats")
            continue
        platforms = _platforms(post, ctx)
        if "instagram" in platforms and kind != "jpeg":
            yield RULE.at(post, post_file, line, f"{label}: '{name}' is {kind.upper()}, but Instagram accepts only JPEG; export it as JPEG")
        for platform in sorted(platforms & MAX_BYTES.keys()):
            if size > MAX_BYTES[platform]:
                yield RULE.at(post, post_file, line, f"{label}: '{name}' is {size / 1_000_000:.1f} MB, over {platform}'s limit of {MAX_BYTES[platform] / 1_000_000:.1f} MB; make it smaller")
