"""``alt-missing``: every image needs real alt text in both languages (Standard 58)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("alt-missing", "error", "describe the image in 'alt' in each file's own language")
_NAMES = {"cy": "Welsh", "en": "English"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for index, (cy_item, en_item) in enumerate(post.media_pairs()):
        file_name, _, _ = post.media_shared(index, "file")
        alts: dict[str, str] = {}
        for lang, item in (("cy", cy_item), ("en", en_item)):
            post_file = post.file(lang)  # type: ignore[arg-type]
            if item is None or post_file is None:
                continue
            alt = (item.alt or "").strip()
            label = f"media item {index + 1}" + (f" ({file_name})" if file_name else "")
            if not alt:
                yield RULE.at(
                    post,
                    post_file,
                    item.line,
                    f"{label} has no {_NAMES[lang]} alt text: add 'alt: ...' describing the image in {_NAMES[lang]}",
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
                    f"{label}: the alt text is just the file name; describe what the image shows",
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
                f"media item {index + 1}: the Welsh alt text is the same as the English; write it in Welsh",
            )
