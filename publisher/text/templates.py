"""Render bilingual templates: word bank emergency templates (policy 8.4) and recurring schedule texts.

Jinja2's sandboxed environment (templates are data an editor can change, so
they get no access to Python), ``StrictUndefined`` (a missing variable is an
error, not a silent blank in a public-safety message), and Welsh dates from
Babel's ``cy`` locale: ``{{ date | date_cy }}`` → "Dydd Llun 28 Rhagfyr 2026".
Shared by the emergency path, the daemon's recurring posts and ``check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from publisher.content.wordbank import Template


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
        raise TemplateError(
            f"template '{template.name}' has no variable(s) {', '.join(sorted(unknown))}; "
            f"it takes: {', '.join(template.variables) or 'none'}"
        )
    missing = declared - set(values)
    if missing:
        raise TemplateError(f"template '{template.name}' needs --var for: {', '.join(sorted(missing))}")
    try:
        cy = environment().from_string(template.cy).render(**values)
        en = environment().from_string(template.en).render(**values)
    except JinjaError as exc:
        raise TemplateError(f"template '{template.name}' cannot be rendered: {exc}") from None
    return Rendered(cy=cy.strip(), en=en.strip())
