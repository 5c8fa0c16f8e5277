"""``language-mismatch``: the Welsh file must be Welsh and the English file English.

A file is in the language most of its words are in, judged sentence by
sentence (:func:`publisher.text.language.judge`): an English post with one
Welsh sentence is English with a Welsh run (``language-mixed``), not swapped.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.language import Judgement, judge

RULE = Rule("language-mismatch", "error", N_("put Welsh text in the .cy.md file and English text in the .en.md file"))
# Whole sentences per case: which file, and the evidence (the share of words, or the detector's confidence).
_BY_SHARE = {
    "cy": N_(
        "the body of this Welsh file reads as English (%(share)s of its words are English); "
        "are the files swapped, or is the Welsh version missing?"
    ),
    "en": N_(
        "the body of this English file reads as Welsh (%(share)s of its words are Welsh); "
        "are the files swapped, or is the English version missing?"
    ),
}
_BY_CONFIDENCE = {
    "cy": N_(
        "the body of this Welsh file reads as English (%(share)s confident); "
        "are the files swapped, or is the Welsh version missing?"
    ),
    "en": N_(
        "the body of this English file reads as Welsh (%(share)s confident); "
        "are the files swapped, or is the English version missing?"
    ),
}


def _message(lang: str, verdict: Judgement) -> str:
    assert verdict.mismatch is not None
    if verdict.share is not None:
        return _(_BY_SHARE[lang]) % {"share": f"{verdict.share:.0%}"}
    return _(_BY_CONFIDENCE[lang]) % {"share": f"{verdict.confidence:.0%}"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    texts = {lang: post.text(lang) for lang in LANGUAGES}
    if post.complete and texts["cy"].strip() and texts["cy"].strip() == texts["en"].strip():
        assert post.cy is not None
        yield RULE.at(
            post,
            post.cy,
            post.cy.body_line,
            _("the Welsh and English bodies are identical: write the Welsh version in this file"),
        )
        return
    names = ctx.wordbank.names if ctx.wordbank else ()
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable or not texts[lang].strip():
            continue
        verdict = judge(texts[lang], lang, names)
        if verdict.mismatch is not None:
            yield RULE.at(post, post_file, post_file.body_line, _message(lang, verdict))
