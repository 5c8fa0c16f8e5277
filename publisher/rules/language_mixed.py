"""``language-mixed``: a run of 4+ English words inside Welsh text, or Welsh inside English.

The runs are the other-language sentences of a file and what lingua's
multi-language scan finds inside the rest (:func:`publisher.text.language.judge`).
A file mostly in the other language is ``language-mismatch`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.language import judge

RULE = Rule("language-mixed", "warning", "translate the run, or add a proper name to the word bank's 'names'")
_NAMES = {"cy": "Welsh", "en": "English"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    names = ctx.wordbank.names if ctx.wordbank else ()
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable:
            continue
        other = "en" if lang == "cy" else "cy"
        for run in judge(post.text(lang), lang, names).runs:
            first_word = run.split()[0]
            yield RULE.at(
                post,
                post_file,
                post_file.body_line_of(first_word),
                f'{_NAMES[other]} words inside the {_NAMES[lang]} text: "{run}"; translate them '
                "(or add a proper name to the word bank's 'names')",
            )
