"""``pair-mismatch``: shared keys and media must agree between the two files."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post, PostFile
from publisher.content.schema import SHARED_KEYS
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.images import carries_own_language, language_images

RULE = Rule("pair-mismatch", "error", N_("make the shared key equal in both files, or keep it in one file only"))


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
            _(
                "thread: %(welsh)d Welsh part(s) here but %(english)d English part(s) in %(file)s; "
                "split both texts at the same '---' lines, so each Welsh part has its English"
            )
            % {"welsh": welsh, "english": english, "file": en.display},
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
                _("'%(key)s' is %(here)s here but %(there)s in %(file)s:%(line)d; make them equal")
                % {
                    "key": key,
                    "here": repr(cy.meta.values[key]),
                    "there": repr(en.meta.values[key]),
                    "file": en.display,
                    "line": en.key_line(key),
                },
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
            _(
                "'media' is listed here but not in %(file)s; list the same "
                "images in both files, each with alt text in that file's language"
            )
            % {"file": lacks.display},
        )
        return
    if cy_media is None or en_media is None:
        return
    if len(cy_media) != len(en_media):
        yield RULE.at(
            post,
            cy,
            cy.key_line("media"),
            _("%(here)d media item(s) here but %(there)d in %(file)s; list the same images in the same order")
            % {"here": len(cy_media), "there": len(en_media), "file": en.display},
        )
        return
    for index, (cy_item, en_item) in enumerate(zip(cy_media, en_media, strict=True)):
        for key in ("file", "consent", "rights"):
            a, b = getattr(cy_item, key), getattr(en_item, key)
            if a is None or b is None or a == b or (key == "file" and _own_versions(post, ctx, index)):
                continue
            values = {
                "number": index + 1,
                "key": key,
                "here": repr(a),
                "there": repr(b),
                "file": en.display,
                "line": en_item.line_of(key),
            }
            message = _MEDIA_DIFFERS[key == "file"]
            yield RULE.at(post, cy, cy_item.line_of(key), _(message) % values)


_MEDIA_DIFFERS = {
    False: N_(
        "media item %(number)d: '%(key)s' is %(here)s here but %(there)s in %(file)s:%(line)d; "
        "images must match in the same order"
    ),
    True: N_(
        "media item %(number)d: '%(key)s' is %(here)s here but %(there)s in %(file)s:%(line)d; "
        "images must match in the same order (a different file per language is allowed only where each carries "
        "text in its own language, as image-text-language checks)"
    ),
}


def _own_versions(post: Post, ctx: Context, index: int) -> bool:
    """Each language sends its own version of an image carrying text in its own language (policy 8.2).

    Without Tesseract this cannot be known; image-text-language then stops
    the post with its own error, so it is not reported twice here.
    """
    if not ctx.image_text.available:
        return True
    images = [image for image in language_images(post, ctx) if image.index == index]
    return len(images) == 2 and all(carries_own_language(ctx, image) for image in images)
