"""Bilingual templates: rendering with Welsh dates, the sandbox, and the word bank template checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.rules.wordbank_templates import check_templates
from publisher.text.templates import TemplateError, render

from conftest import Project


def test_templates_render_both_languages_with_welsh_dates() -> None:
    bank = load_config(Path(__file__).resolve().parent.parent / "config" / "publisher.toml")
    from publisher.content.wordbank import load_wordbank

    templates = load_wordbank(bank.wordbank).templates
    assert {
        "road-closure",
        "school-closure-weather",
        "water-supply-interruption",
        "flood-warning",
        "service-disruption",
        "event-cancelled",
    } <= set(templates)
    rendered = render(templates["school-closure-weather"], {"school": "Ysgol Gynradd Llanidloes", "date": "2026-12-28"})
    assert rendered.cy.startswith("Dydd Llun 28 Rhagfyr 2026:") and rendered.en.startswith("Monday 28 December 2026:")
    with pytest.raises(TemplateError, match="needs --var for: date"):
        render(templates["school-closure-weather"], {"school": "X"})
    with pytest.raises(TemplateError, match="has no variable"):
        render(templates["flood-warning"], {"area": "Afon Gwy", "colour": "red"})


def test_templates_are_sandboxed() -> None:
    from publisher.content.wordbank import Template

    evil = Template(
        name="evil", description="", variables=(), en="{{ ''.__class__.__mro__[1].__subclasses__() }}", cy="x"
    )
    with pytest.raises(TemplateError):
        render(evil, {})


def test_check_reports_bad_templates(project: Project) -> None:
    from publisher.content.wordbank import Template

    text = "templates:\n  - name: swapped\n  - name: vars\n"
    templates = {
        "swapped": Template(
            name="swapped",
            description="",
            variables=("area",),
            cy="Flood warning for {{ area }}. Do not drive through flood water.",
            en="Flood warning for {{ area }}. Do not walk through flood water.",
        ),
        "vars": Template(
            name="vars",
            description="",
            variables=("area",),
            cy="Rhybudd llifogydd ar gyfer {{ place }}.",
            en="Flood warning for {{ area }}.",
        ),
    }
    findings = check_templates(templates, text, "config/wordbank.yaml")
    by_template = {(f.post, f.code, f.line) for f in findings}
    assert ("template:swapped", "language-mismatch", 2) in by_template
    assert ("template:vars", "pair-mismatch", 3) in by_template
