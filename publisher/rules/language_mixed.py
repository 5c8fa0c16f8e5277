"""``language-mixed``: a run of 4+ English words inside Welsh text, or Welsh inside English."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.language import detect, foreign_runs

RULE = Rule("language-mixed", "warning", "translate the run, or add a proper name to the word bank's 'names'")
_NAMES = {"cy": "Welsh", "en": "English"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    names = ctx.wordbank.names if ctx.wordbank else ()
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable:
            continue
        other = "en" if lang == "cy" else "cy"
        text = post.text(lang)
        if detect(text).language == other:
            continue  # the whole text is in the other language: that is language-mismatch
        for run in foreign_runs(text, lang, names):
            first_word = run.split()[0]
            yield RULE.at(
                post,
                post_file,
                post_file.body_line_of(first_word),
                f'{_NAMES[other]} words inside the {_NAMES[lang]} text: "{run}"; translate them '
                "(or add a proper name to the word bank's 'names')",
            )
