"""What the image rules share: each language's image of each media item, and the text in it.

A media item's ``file`` may differ between the two files where each language
has its own version of an image that carries text (docs/content.md
"Images"); so the image rules look at the image each language sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from publisher.content.post import Language, Post, PostFile
from publisher.content.schema import MediaItem
from publisher.i18n import _
from publisher.platforms.media import ImageFacts, ImageUnfit, inspect
from publisher.rules.context import Context
from publisher.text.image_text import ImageText


@dataclass(frozen=True)
class LanguageImage:
    """The image one language sends for media item ``index``."""

    index: int
    language: Language
    name: str
    path: Path | None  # None: outside the content folder (media-missing reports it)
    post_file: PostFile
    item: MediaItem

    @property
    def line(self) -> int:
        return self.item.line_of("file")

    @property
    def label(self) -> str:
        """The item's name at the start of a message (a noun phrase in either language)."""
        return _("media item %(number)d ('%(file)s')") % {"number": self.index + 1, "file": self.name}


def resolve_media(post_dir: Path, content_root: Path, name: str) -> Path | None:
    """The real path of media ``name`` if it stays inside ``content_root``, else None."""
    if Path(name).is_absolute() or name.startswith("~"):
        return None
    try:
        real = (post_dir / name).resolve()
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(content_root.resolve()) else None


def media_path(ctx: Context, post_file: PostFile, name: str) -> Path | None:
    """:func:`resolve_media` of ``name`` as ``post_file`` names it, remembered for the rest of the check."""
    post_dir = post_file.path.parent
    key = (str(post_dir), name)
    if key not in ctx.media_paths:
        ctx.media_paths[key] = resolve_media(post_dir, ctx.config.content_dir, name)
    return ctx.media_paths[key]


def language_images(post: Post, ctx: Context) -> list[LanguageImage]:
    """Every (media item, language) with an image file that exists inside the content folder."""
    found = []
    for index, (cy_item, en_item) in enumerate(post.media_pairs()):
        for language, item, other in (("cy", cy_item, en_item), ("en", en_item, cy_item)):
            post_file = post.file(language)  # type: ignore[arg-type]
            name = (item.file if item else None) or (other.file if other else None)
            if item is None or post_file is None or not name:
                continue
            path = media_path(ctx, post_file, name)
            if path is not None and path.is_file():
                found.append(LanguageImage(index, language, name, path, post_file, item))  # type: ignore[arg-type]
    return found


def target_platforms(post: Post, ctx: Context) -> set[str]:
    """The platforms the post goes to (through pairs too); unknown accounts are account-unknown's business."""
    platforms: set[str] = set()
    for name in post.accounts:
        if name in ctx.config.accounts:
            platforms.update(a.platform or "" for _, a in ctx.config.platform_accounts(name))
    return platforms


def files_differ(post: Post, index: int) -> bool:
    """True when the two languages name different files for media item ``index``."""
    cy, en = post.media("cy"), post.media("en")
    if index >= len(cy) or index >= len(en):
        return False
    return bool(cy[index].file and en[index].file and cy[index].file != en[index].file)


def image_facts(ctx: Context, path: Path) -> ImageFacts | str:
    """The facts of the image at ``path``, or why it cannot be read; remembered for the rest of the check."""
    key = str(path)
    if key not in ctx.image_facts:
        try:
            ctx.image_facts[key] = inspect(path)
        except ImageUnfit as exc:
            ctx.image_facts[key] = str(exc)
    return ctx.image_facts[key]


def image_text(ctx: Context, image: LanguageImage) -> ImageText | None:
    """The text in ``image`` (None: Tesseract is not installed); remembered for the rest of the check."""
    if image.path is None:
        return ImageText()
    key = str(image.path)
    if key not in ctx.image_texts:
        ctx.image_texts[key] = ctx.image_text.read(image.path)
    return ctx.image_texts[key]


def carries_own_language(ctx: Context, image: LanguageImage) -> bool:
    """The image carries text, and some of it is in the language of the file that sends it."""
    found = image_text(ctx, image)
    return found is not None and found.has_text and image.language in found.languages
