"""``image-text-language``: the text in an image follows the bilingual principle too (policy 8.2).

Each image each language sends is read with Tesseract OCR
(:mod:`publisher.text.image_text`) and its text's language told by the same
detector as the posts. English-only text in an image the Welsh post sends
treats Welsh less favourably (Standard 58): an error. A bilingual image, or
each language's own version of the image, is fine. Text found in the image
must also be in that language's alt text, or screen-reader users miss it (a
warning). Without Tesseract the rule cannot read images, and says so rather
than pass them.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.images import LanguageImage, files_differ, image_text, language_images
from publisher.text.image_text import INSTALL_HINT, ImageText
from publisher.text.language import WORD, Lang

RULE = Rule(
    "image-text-language",
    "error",
    N_("use an image whose text is in both languages, or give each language file its own version of the image"),
)
UNAVAILABLE = N_("the text in images cannot be checked: Tesseract OCR is not installed here")
ALT_COVERAGE = 0.6  # share of the image's words that must appear in the alt text
QUOTE_CHARS = 120


def _quote(lines: list[str]) -> str:
    text = " / ".join(lines)
    return "“" + (text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…") + "”"


def _wrong_language(post: Post, image: LanguageImage, found: ImageText) -> Finding:
    """The image carries text, none of it in the language of the file that sends it."""
    other: Lang = "en" if image.language == "cy" else "cy"
    values = {"label": image.label, "quote": _quote(found.by_language.get(other, list(found.lines)))}
    if image.language == "cy":
        message = _(
            "%(label)s: the text in the image is English only (%(quote)s), so the Welsh post would show English "
            "only (Standard 58); use a bilingual image, or give this file its own Welsh version of the image in 'file'"
        )
        return RULE.at(post, image.post_file, image.line, message % values)
    if files_differ(post, image.index):
        message = _(
            "%(label)s: the text in the image is Welsh only (%(quote)s), but it is the English post's own version; "
            "are the Welsh and English images swapped?"
        )
        return RULE.at(post, image.post_file, image.line, message % values)
    message = _(
        "%(label)s: the text in the image is Welsh only (%(quote)s), so English readers cannot read it; use a "
        "bilingual image, or give this file its own English version of the image in 'file'"
    )
    return RULE.at(post, image.post_file, image.line, message % values, severity="warning")


def _missing_from_alt(lines: list[str], alt: str) -> bool:
    """Less than :data:`ALT_COVERAGE` of the image's words are in the alt text."""
    words = [w.casefold() for w in WORD.findall(" ".join(lines)) if len(w) > 1]
    if len(words) < 2:
        return False
    in_alt = {w.casefold() for w in WORD.findall(alt)}
    return sum(1 for w in words if w in in_alt) / len(words) < ALT_COVERAGE


def _judge(post: Post, image: LanguageImage, found: ImageText) -> Iterator[Finding]:
    if found.error is not None:
        message = _("%(label)s: %(error)s; export the image again") % {"label": image.label, "error": found.error}
        yield RULE.at(post, image.post_file, image.line, message)
        return
    if not found.has_text or not found.languages:
        return
    if image.language not in found.languages:
        yield _wrong_language(post, image, found)
        return
    own = found.by_language.get(image.language, [])
    if _missing_from_alt(own, image.item.alt or ""):
        yield RULE.at(
            post,
            image.post_file,
            image.item.line_of("alt"),
            _(
                "%(label)s: the image says %(quote)s, which the alt text does not; add the text to 'alt' "
                "so screen-reader users get it too"
            )
            % {"label": image.label, "quote": _quote(own)},
            severity="warning",
        )


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    images = language_images(post, ctx)
    if not images:
        return
    if not ctx.image_text.available:
        first = images[0]
        message = _("%(unavailable)s; %(install)s") % {"unavailable": _(UNAVAILABLE), "install": _(INSTALL_HINT)}
        yield RULE.at(post, first.post_file, first.line, message)
        return
    for image in images:
        found = image_text(ctx, image)
        if found is not None:
            yield from _judge(post, image, found)
