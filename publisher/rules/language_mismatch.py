"""``language-mismatch``: the Welsh file must be Welsh and the English file English."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.language import detect

RULE = Rule("language-mismatch", "error", "put Welsh text in the .cy.md file and English text in the .en.md file")
_NAMES = {"cy": "Welsh", "en": "English"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    texts = {lang: post.text(lang) for lang in LANGUAGES}
    if post.complete and texts["cy"].strip() and texts["cy"].strip() == texts["en"].strip():
        assert post.cy is not None
        yield RULE.at(
            post,
            post.cy,
            post.cy.body_line,
            "the Welsh and English bodies are identical: write the Welsh version in this file",
        )
        return
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable or not texts[lang].strip():
            continue
        found = detect(texts[lang])
        if found.language is not None and found.language != lang:
            other = _NAMES[found.language]
            yield RULE.at(
                post,
                post_file,
                post_file.body_line,
                f"the body of this {_NAMES[lang]} file reads as {other} ({found.confidence:.0%} confident); "
                f"are the files swapped, or is the {_NAMES[lang]} version missing?",
            )
