"""The profile audit: does an account's bio do what the Standards and the policy ask (docs/platforms.md)?

Policy 9.6: an account's description says it is a council service. Standard
58: a bilingual account's bio is in Welsh and English; for a language pair,
each account's bio is in its own language and names the other account, so a
reader can find the other language. Bios are short and full of names, so
the word bank's proper names (and the words the Welsh and English service
phrases share, such as "Powys") are set aside and each line or sentence is
identified on its own (lingua, Welsh and English only). A Welsh service
phrase is found whatever mutation its first word takes ("gan Gyngor Sir
Powys").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.i18n import N_, _
from publisher.text.language import WORD, Lang, detector, strip_non_language

_SEGMENTS = re.compile(r"\n+|\s[|/•·\u2014\u2013-]\s|(?<=[.!?:;])\s+|,\s+")  # lines, separators, sentences
_NO_LANGUAGE = {
    "cy": N_("the bio has no Welsh: write it in Welsh and English (Welsh Language Standard 58)"),
    "en": N_("the bio has no English: write it in Welsh and English (Welsh Language Standard 58)"),
}
_NOT_ITS_LANGUAGE = {
    "cy": N_("the Welsh account's bio is not in Welsh: write it in Welsh"),
    "en": N_("the English account's bio is not in English: write it in English"),
}
_OTHER_ACCOUNT = {  # keyed by the language of the account the bio should name
    "cy": N_("the bio does not name the Welsh account %(account)s: add it, so readers find the other language"),
    "en": N_("the bio does not name the English account %(account)s: add it, so readers find the other language"),
}
MIN_WORDS = 2  # a bio line such as "County Council" is evidence; a single word is not
MIN_CONFIDENCE = 0.6  # between two languages; a bio line is short, and a wrong verdict only asks a person to look
# Initial consonant mutations (soft, nasal, aspirate): the radical's first letters -> the mutated ones.
_MUTATIONS = {
    "c": ("g", "ngh", "ch"),
    "p": ("b", "mh", "ph"),
    "t": ("d", "nh", "th"),
    "g": ("", "ng"),
    "b": ("f", "m"),
    "d": ("dd", "n"),
    "ll": ("l",),
    "m": ("f",),
    "rh": ("r",),
}


@dataclass(frozen=True)
class BioRules:
    """What one account's bio must hold."""

    languages: str  # "cy+en" (one account for both), or "cy"/"en" (one half of a language pair)
    phrase_cy: str = ""  # how the bio names the council service in Welsh (policy 9.6)
    phrase_en: str = ""
    other_account: str | None = None  # the pair's other account, as its handle (None: not a pair, or unknown)
    names: tuple[str, ...] = ()  # proper names (the word bank's), which are no language


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def _without_names(text: str, names: tuple[str, ...]) -> str:
    cleaned = strip_non_language(text)
    for name in sorted(names, key=len, reverse=True):
        cleaned = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", cleaned, flags=re.I)
    return cleaned


def _language(text: str) -> Lang | None:
    if len(WORD.findall(text)) < MIN_WORDS:
        return None
    values = detector().compute_language_confidence_values(text)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return "cy" if values[0].language.name == "WELSH" else "en"


def bio_languages(bio: str, names: tuple[str, ...] = ()) -> set[Lang]:
    """The languages the bio is written in: each line or sentence on its own, then any mixed runs."""
    found: set[Lang] = set()
    for segment in _SEGMENTS.split(bio):
        language = _language(_without_names(segment, names))
        if language is not None:
            found.add(language)
    if len(found) < 2:
        cleaned = _without_names(bio, names)
        for result in detector().detect_multiple_languages_of(cleaned):
            language = _language(cleaned[result.start_index : result.end_index])
            if language is not None:
                found.add(language)
    return found


def mutated(phrase: str) -> set[str]:
    """``phrase`` with every initial mutation Welsh grammar may give its first word."""
    forms = {phrase}
    lower = phrase.casefold()
    for radical, results in _MUTATIONS.items():
        if lower.startswith(radical) and not (radical in ("c", "p", "t") and lower.startswith(radical + "h")):
            forms.update(result + phrase[len(radical) :] for result in results)
    return forms


def names_service(bio: str, phrase: str, welsh: bool) -> bool:
    """Whether the bio holds the service phrase (in any mutation, for a Welsh one)."""
    text = _normal(bio)
    return any(_normal(form) in text for form in (mutated(phrase) if welsh else {phrase}))


def _handle_named(bio: str, handle: str) -> bool:
    bare = handle.lstrip("@").casefold()
    return bool(bare) and bare in bio.casefold()


def _names(rules: BioRules) -> tuple[str, ...]:
    """What is no evidence of a language: proper names, the words both service phrases share, and (for a
    one-language account, whose bio may name the council in the other language too) the phrases themselves."""
    shared = set(rules.phrase_cy.split()) & set(rules.phrase_en.split())
    names = (*rules.names, *sorted(shared))
    if "+" in rules.languages:
        return names
    return (*names, *sorted(mutated(rules.phrase_cy) if rules.phrase_cy else ()), *filter(None, [rules.phrase_en]))


def audit_bio(bio: str, rules: BioRules) -> list[str]:
    """What is wrong with ``bio`` under ``rules``, each with how to put it right; [] when it is fine."""
    if not bio.strip():
        return [_("the bio is empty: say, in the account's languages, that it is a council service (policy 9.6)")]
    problems = []
    languages = rules.languages.split("+")
    found = bio_languages(bio, _names(rules))
    for lang in languages:
        if lang in found:
            continue
        if len(languages) == 2:
            problems.append(_(_NO_LANGUAGE[lang]))
        else:
            problems.append(_(_NOT_ITS_LANGUAGE[lang]))
    phrases = {"cy": rules.phrase_cy, "en": rules.phrase_en}
    for lang in languages:
        if phrases[lang] and not names_service(bio, phrases[lang], welsh=lang == "cy"):
            message = _("the bio does not name the council service: add “%(phrase)s” (policy 9.6)")
            problems.append(message % {"phrase": phrases[lang]})
    if rules.other_account and not _handle_named(bio, rules.other_account):
        other = "en" if rules.languages == "cy" else "cy"
        problems.append(_(_OTHER_ACCOUNT[other]) % {"account": rules.other_account})
    return problems
