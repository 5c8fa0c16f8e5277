"""The word bank's emergency templates, checked once per word bank (docs/content.md "Word bank").

A cross-post check with the codes that fit each problem: ``front-matter-invalid``
(a template that cannot be parsed or rendered), ``pair-mismatch`` (the two
languages do not use exactly the declared variables) and ``language-mismatch``
(a rendering that does not read as its language), each at the template's line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from publisher.content.wordbank import Template
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules import front_matter_invalid, language_mismatch, pair_mismatch
from publisher.rules.base import Rule

SAMPLE_DATE = "2027-01-11"
SAMPLE_CY = "gwaith trwsio ar y ffordd"
SAMPLE_EN = "repair work on the road"
_READS_AS = {
    "cy": N_("template '%(name)s': the Welsh text reads as English"),
    "en": N_("template '%(name)s': the English text reads as Welsh"),
}


def _line(wordbank_text: str, name: str) -> int:
    match = re.search(rf"^\s*-?\s*name:\s*['\"]?{re.escape(name)}['\"]?\s*$", wordbank_text, re.M)
    return wordbank_text.count("\n", 0, match.start()) + 1 if match else 1


def _variable_problems(template: Template, used: dict[str, set[str]]) -> Iterator[str]:
    declared = set(template.variables)
    for language, names in used.items():
        if names == declared:
            continue
        extra, missing = names - declared, declared - names
        values = {"name": template.name, "language": language, "extra": ", ".join(sorted(extra))}
        values["missing"] = ", ".join(sorted(missing))
        if extra and missing:
            message = _(
                "template '%(name)s' (%(language)s) uses undeclared %(extra)s; does not use %(missing)s: "
                "both languages must use exactly the declared variables"
            )
        elif extra:
            message = _(
                "template '%(name)s' (%(language)s) uses undeclared %(extra)s: "
                "both languages must use exactly the declared variables"
            )
        else:
            message = _(
                "template '%(name)s' (%(language)s) does not use %(missing)s: "
                "both languages must use exactly the declared variables"
            )
        yield message % values


def _language_problems(template: Template) -> Iterator[tuple[Rule, str]]:
    """Render with sample values and check each language reads as itself."""
    from publisher.text.language import detect
    from publisher.text.templates import TemplateError, render

    sample = {
        v: SAMPLE_DATE if "date" in v else "Llanidloes" for v in template.variables if v not in template.per_language
    }
    for name in template.per_language:  # free text, in each language
        sample[f"{name}.cy"], sample[f"{name}.en"] = SAMPLE_CY, SAMPLE_EN
    try:
        rendered = render(template, sample)
    except TemplateError as exc:
        yield front_matter_invalid.RULE, str(exc)
        return
    for language, text in (("cy", rendered.cy), ("en", rendered.en)):
        found = detect(text)
        if found.language is not None and found.language != language:
            yield language_mismatch.RULE, _(_READS_AS[language]) % {"name": template.name}


def _problems(template: Template) -> Iterator[tuple[Rule, str]]:
    from jinja2 import TemplateSyntaxError

    from publisher.text.templates import variables_used

    try:
        used = {"cy": variables_used(template.cy), "en": variables_used(template.en)}
    except TemplateSyntaxError as exc:
        message = _("template '%(name)s' is not a valid template: %(error)s")
        yield front_matter_invalid.RULE, message % {"name": template.name, "error": exc.message}
        return
    mismatches = list(_variable_problems(template, used))
    yield from ((pair_mismatch.RULE, message) for message in mismatches)
    if not mismatches:
        yield from _language_problems(template)


def check_templates(templates: dict[str, Template], wordbank_text: str, display: str) -> list[Finding]:
    """Findings for the word bank's templates: variables, syntax, and the language of each rendering."""
    findings = []
    for name, template in templates.items():
        for rule, message in _problems(template):
            findings.append(
                Finding(
                    file=display,
                    line=_line(wordbank_text, name),
                    code=rule.code,
                    severity=rule.severity,
                    post=f"template:{name}",
                    message=message,
                )
            )
    return findings
