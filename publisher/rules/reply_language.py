"""``reply-language``: a Welsh message gets a Welsh answer; a mixed or unclear one a bilingual answer, Welsh first.

Standard 59 (policy 8.1). Not a rule of the content: the inbox runs it on
every answer before it is queued, knowing the message's language
(docs/inbox.md). There is no override, as the Standard has none. A Welsh
answer too short for the detector to be sure of is judged by the language
it leans to, so "Thanks!" to a Welsh message is refused too.
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.text.language import detector, strip_non_language

RULE = Rule(
    "reply-language",
    "error",
    N_("answer a Welsh message in Welsh only, and a mixed or unclear one in Welsh and English, Welsh first"),
)
LEAN = 0.75  # how sure the detector must be that a short Welsh answer is English before refusing it
_BILINGUAL = {
    "mixed": N_("this message is in Welsh and English: answer in Welsh and English, Welsh first (give both texts)"),
    "unknown": N_(
        "this message is of a language that cannot be told: answer in Welsh and English, Welsh first (give both texts)"
    ),
}


def leans_english(text: str) -> bool:
    """Whether ``text``, however short, reads as English rather than Welsh."""
    cleaned = strip_non_language(text).strip()
    if not cleaned:
        return False
    values = detector().compute_language_confidence_values(cleaned)
    return bool(values) and values[0].language.name == "ENGLISH" and values[0].value >= LEAN


def _problems(message_language: str, cy: str, en: str) -> Iterator[str]:
    if message_language == "cy":
        if en:
            yield _(
                "this message is in Welsh: Standard 59 requires a Welsh answer, so an English one is refused "
                "(there is no override); remove the English"
            )
        if not cy:
            yield _("this message is in Welsh: write the answer in Welsh")
    elif message_language in _BILINGUAL and not (cy and en):
        yield _(_BILINGUAL[message_language])
    elif not (cy or en):
        yield _("the answer is empty")
    if cy and leans_english(cy):
        yield _("the Welsh answer reads as English: write it in Welsh")


def check_reply(message_language: str, cy: str, en: str, where: str, post: str) -> Iterator[Finding]:
    """Findings for an answer with Welsh ``cy`` and English ``en`` (either may be empty) to a message."""
    for problem in _problems(message_language, cy.strip(), en.strip()):
        yield Finding(file=where, line=1, code=RULE.code, severity=RULE.severity, post=post, message=problem)
