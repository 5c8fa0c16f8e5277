"""Render a word bank template in both languages from the same variables (policy 8.4).

Jinja2's sandboxed environment (templates are data an editor can change, so
they get no access to Python), ``StrictUndefined`` (a missing variable is an
error, not a silent blank in a public-safety message), and Welsh dates from
Babel's ``cy`` locale: ``{{ date | date_cy }}`` → "Dydd Llun 28 Rhagfyr 2026".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from publisher.content.wordbank import Template
from publisher.findings import Finding


class TemplateError(ValueError):
    """The template or its variables are wrong; the message says which."""


@dataclass(frozen=True)
class Rendered:
    cy: str
    en: str


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise TemplateError(f"'{value}' is not a date like 2026-12-28") from None


def date_cy(value: object) -> str:
    from babel.dates import format_date

    return format_date(_as_date(value), format="EEEE d MMMM y", locale="cy")


def date_en(value: object) -> str:
    from babel.dates import format_date

    return format_date(_as_date(value), format="EEEE d MMMM y", locale="en_GB")


@lru_cache(maxsize=1)
def environment():  # type: ignore[no-untyped-def]
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["date_cy"] = date_cy
    env.filters["date_en"] = date_en
    return env


def variables_used(source: str) -> set[str]:
    """The variables a template text refers to."""
    from jinja2 import meta

    return set(meta.find_undeclared_variables(environment().parse(source)))


def render(template: Template, values: dict[str, str]) -> Rendered:
    """Both languages of ``template`` with ``values``; TemplateError on any mismatch."""
    from jinja2 import TemplateError as JinjaError

    declared = set(template.variables)
    unknown = set(values) - declared
    if unknown:
        raise TemplateError(f"template '{template.name}' has no variable(s) {', '.join(sorted(unknown))}; it takes: {', '.join(template.variables) or 'none'}")
    missing = declared - set(values)
    if missing:
        raise TemplateError(f"template '{template.name}' needs --var for: {', '.join(sorted(missing))}")
    try:
        cy = environment().from_string(template.cy).render(**values)
        en = environment().from_string(template.en).render(**values)
    except JinjaError as exc:
        raise TemplateError(f"template '{template.name}' cannot be rendered: {exc}") from None
    return Rendered(cy=cy.strip(), en=en.strip())


SAMPLE_DATE = "2027-01-11"


def check_templates(templates: dict[str, Template], wordbank_text: str, display: str) -> list[Finding]:
    """Findings for the word bank's templates: variables, syntax, and the language of each rendering."""
    from jinja2 import TemplateSyntaxError

    from publisher.rules import BY_CODE
    from publisher.text.language import detect

    findings: list[Finding] = []

    def add(code: str, name: str, message: str) -> None:
        rule = BY_CODE[code]
        match = re.search(rf"^\s*-?\s*name:\s*['\"]?{re.escape(name)}['\"]?\s*$", wordbank_text, re.M)
        line = wordbank_text.count("\n", 0, match.start()) + 1 if match else 1
        findings.append(Finding(file=display, line=line, code=rule.code, severity=rule.severity, post=f"template:{name}", message=message))

    for name, template in templates.items():
        try:
            used = {"cy": variables_used(template.cy), "en": variables_used(template.en)}
        except TemplateSyntaxError as exc:
            add("front-matter-invalid", name, f"template '{name}' is not a valid template: {exc.message}")
            continue
        declared = set(template.variables)
        for language, names in used.items():
            if names != declared:
                extra, missing = names - declared, declared - names
                detail = "; ".join(part for part in (
                    f"uses undeclared {', '.join(sorted(extra))}" if extra else "",
                    f"does not use {', '.join(sorted(missing))}" if missing else "",
                ) if part)
                add("pair-mismatch", name, f"template '{name}' ({language}) {detail}: both languages must use exactly the declared variables")
        if used["cy"] != declared or used["en"] != declared:
            continue
        sample = {v: SAMPLE_DATE if "date" in v else "Llanidloes" for v in declared}
        try:
            rendered = render(template, sample)
        except TemplateError as exc:
            add("front-matter-invalid", name, str(exc))
            continue
        for language, text in (("cy", rendered.cy), ("en", rendered.en)):
            found = detect(text)
            if found.language is not None and found.language != language:
                add("language-mismatch", name, f"template '{name}': the {'Welsh' if language == 'cy' else 'English'} text reads as {'Welsh' if found.language == 'cy' else 'English'}")
    return findings
