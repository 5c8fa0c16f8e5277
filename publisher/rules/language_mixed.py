"""``language-mixed``: a run of 4+ English words inside Welsh text, or Welsh inside English.

The runs are the other-language sentences of a file and what lingua's
multi-language scan finds inside the rest (:func:`publisher.text.language.judge`).
A file mostly in the other language is ``language-mismatch`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import LANGUAGES, Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.language import judge

RULE = Rule("language-mixed", "warning", N_("translate the run, or add a proper name to the word bank's 'names'"))
_RUN = {
    "cy": N_(
        'English words inside the Welsh text: "%(run)s"; translate them '
        "(or add a proper name to the word bank's 'names')"
    ),
    "en": N_(
        'Welsh words inside the English text: "%(run)s"; translate them '
        "(or add a proper name to the word bank's 'names')"
    ),
}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    names = ctx.wordbank.names if ctx.wordbank else ()
    for lang in LANGUAGES:
        post_file = post.file(lang)
        if post_file is None or not post_file.readable:
            continue
        for run in judge(post.text(lang), lang, names).runs:
            first_word = run.split()[0]
            yield RULE.at(
                post,
                post_file,
                post_file.body_line_of(first_word),
                _(_RUN[lang]) % {"run": run},
            )
