"""``pair-mismatch``: shared keys and media must agree between the two files."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post, PostFile
from publisher.content.schema import SHARED_KEYS
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.images import carries_own_language, language_images

RULE = Rule("pair-mismatch", "error", "make the shared key equal in both files, or keep it in one file only")


def _thread_parts(post: Post, cy: PostFile, en: PostFile) -> Iterator[Finding]:
    """A thread goes out part by part, each Welsh part with its English one: the counts must match."""
    if not post.thread:
        return
    welsh, english = len(cy.body_parts_markdown(True)), len(en.body_parts_markdown(True))
    if welsh != english:
        yield RULE.at(
            post,
            cy,
            cy.body_line,
            f"thread: {welsh} Welsh part(s) here but {english} English part(s) in {en.display}; "
            "split both texts at the same '---' lines, so each Welsh part has its English",
        )


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    cy, en = post.cy, post.en
    if cy is None or en is None or not (cy.readable and en.readable):
        return
    for key in SHARED_KEYS:
        if key in cy.meta.values and key in en.meta.values and cy.meta.values[key] != en.meta.values[key]:
            yield RULE.at(
                post,
                cy,
                cy.key_line(key),
                f"'{key}' is {cy.meta.values[key]!r} here but {en.meta.values[key]!r} "
                f"in {en.display}:{en.key_line(key)}; make them equal",
            )
    yield from _thread_parts(post, cy, en)
    yield from _media(post, ctx, cy, en)


def _media(post: Post, ctx: Context, cy: PostFile, en: PostFile) -> Iterator[Finding]:
    cy_media, en_media = cy.meta.media, en.meta.media
    if (cy_media is None) != (en_media is None):
        has, lacks = (cy, en) if cy_media is not None else (en, cy)
        yield RULE.at(
            post,
            has,
            has.key_line("media"),
            f"'media' is listed here but not in {lacks.display}; list the same "
            "images in both files, each with alt text in that file's language",
        )
        return
    if cy_media is None or en_media is None:
        return
    if len(cy_media) != len(en_media):
        yield RULE.at(
            post,
            cy,
            cy.key_line("media"),
            f"{len(cy_media)} media item(s) here but {len(en_media)} "
            f"in {en.display}; list the same images in the same order",
        )
        return
    for index, (cy_item, en_item) in enumerate(zip(cy_media, en_media, strict=True)):
        for key in ("file", "consent", "rights"):
            a, b = getattr(cy_item, key), getattr(en_item, key)
            if a is None or b is None or a == b or (key == "file" and _own_versions(post, ctx, index)):
                continue
            extra = (
                " (a different file per language is allowed only where each carries text in its own "
                "language, as image-text-language checks)"
                if key == "file"
                else ""
            )
            yield RULE.at(
                post,
                cy,
                cy_item.line_of(key),
                f"media item {index + 1}: '{key}' is {a!r} here but {b!r} in "
                f"{en.display}:{en_item.line_of(key)}; images must match in the same order{extra}",
            )


def _own_versions(post: Post, ctx: Context, index: int) -> bool:
    """Each language sends its own version of an image carrying text in its own language (policy 8.2).

    Without Tesseract this cannot be known; image-text-language then stops
    the post with its own error, so it is not reported twice here.
    """
    if not ctx.image_text.available:
        return True
    images = [image for image in language_images(post, ctx) if image.index == index]
    return len(images) == 2 and all(carries_own_language(ctx, image) for image in images)
