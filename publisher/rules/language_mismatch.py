"""``language-mismatch``: the Welsh file must be Welsh and the English file English.

A file is in the language most of its words are in, judged sentence by
sentence (:func:`publisher.text.language.judge`): an English post with one
Welsh sentence is English with a Welsh run (``language-mixed``), not swapped.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.language import Judgement, judge

RULE = Rule("language-mismatch", "error", "put Welsh text in the .cy.md file and English text in the .en.md file")
_NAMES = {"cy": "Welsh", "en": "English"}


def _evidence(verdict: Judgement) -> str:
    assert verdict.mismatch is not None
    if verdict.share is not None:
        return f"{verdict.share:.0%} of its words are {_NAMES[verdict.mismatch]}"
    return f"{verdict.confidence:.0%} confident"


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
    names = ctx.wordbank.names if ctx.wordbank else ()
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable or not texts[lang].strip():
            continue
        verdict = judge(texts[lang], lang, names)
        if verdict.mismatch is not None:
            other = _NAMES[verdict.mismatch]
            yield RULE.at(
                post,
                post_file,
                post_file.body_line,
                f"the body of this {_NAMES[lang]} file reads as {other} ({_evidence(verdict)}); "
                f"are the files swapped, or is the {_NAMES[lang]} version missing?",
            )
