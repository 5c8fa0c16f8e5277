"""``pair-mismatch``: shared keys and media must agree between the two files."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post, PostFile
from publisher.content.schema import SHARED_KEYS
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context

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
            if a is not None and b is not None and a != b:
                yield RULE.at(
                    post,
                    cy,
                    cy_item.line_of(key),
                    f"media item {index + 1}: '{key}' is {a!r} here but {b!r} in "
                    f"{en.display}:{en_item.line_of(key)}; images must match in the same order",
                )
