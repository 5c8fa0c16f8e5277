"""``alt-missing``: every image needs real alt text in both languages (Standard 58)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("alt-missing", "error", N_("describe the image in 'alt' in each file's own language"))
_NO_ALT = {
    "cy": N_("%(label)s has no Welsh alt text: add 'alt: ...' describing the image in Welsh"),
    "en": N_("%(label)s has no English alt text: add 'alt: ...' describing the image in English"),
}


def _label(index: int, file_name: str | None) -> str:
    """The media item's name at the start of a message (a noun phrase in either language)."""
    if file_name:
        return _("media item %(number)d (%(file)s)") % {"number": index + 1, "file": file_name}
    return _("media item %(number)d") % {"number": index + 1}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for index, (cy_item, en_item) in enumerate(post.media_pairs()):
        file_name, _file, _line = post.media_shared(index, "file")
        alts: dict[str, str] = {}
        for lang, item in (("cy", cy_item), ("en", en_item)):
            post_file = post.file(lang)  # type: ignore[arg-type]
            if item is None or post_file is None:
                continue
            alt = (item.alt or "").strip()
            if not alt:
                yield RULE.at(
                    post,
                    post_file,
                    item.line,
                    _(_NO_ALT[lang]) % {"label": _label(index, file_name)},
                )
                continue
            if file_name and alt.casefold() in {
                file_name.casefold(),
                PurePosixPath(file_name).name.casefold(),
                PurePosixPath(file_name).stem.casefold(),
            }:
                yield RULE.at(
                    post,
                    post_file,
                    item.line_of("alt"),
                    _("%(label)s: the alt text is just the file name; describe what the image shows")
                    % {"label": _label(index, file_name)},
                )
                continue
            alts[lang] = alt
        if (
            len(alts) == 2
            and alts["cy"].casefold() == alts["en"].casefold()
            and cy_item is not None
            and post.cy is not None
        ):
            yield RULE.at(
                post,
                post.cy,
                cy_item.line_of("alt"),
                _("media item %(number)d: the Welsh alt text is the same as the English; write it in Welsh")
                % {"number": index + 1},
            )
