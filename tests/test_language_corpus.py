"""The language rules held to a labelled corpus of council posts (tests/corpus/language.yaml).

Every post is checked as a real pair by ``publisher check``: Welsh and mostly-Welsh posts as the
``.cy.md`` body, English and mostly-English ones as the ``.en.md`` body, each with a plain partner.
No post, in one language or mixed, may get ``language-mismatch``; every mixed post gets
``language-mixed`` and no single-language post does. The counts are printed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import CY_BODY, EN_BODY, Project

CORPUS = Path(__file__).parent / "corpus" / "language.yaml"
LABELS = ("cy", "en", "mixed-cy-major", "mixed-en-major")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def corpus() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(CORPUS.read_text("utf-8"))
    return data


def language_of(label: str) -> str:
    return "cy" if label in ("cy", "mixed-cy-major") else "en"


def test_the_corpus_is_what_the_rules_are_held_to() -> None:
    posts = corpus()["posts"]
    assert isinstance(posts, list) and len(posts) >= 400
    labels = Counter(label for label, _ in posts)
    assert set(labels) == set(LABELS) and min(labels.values()) >= 60, labels
    texts = [text for _, text in posts]
    assert len(set(texts)) == len(texts), "every post is different"
    short = [t for t in texts if 5 <= len(WORD.findall(re.sub(r"#\w+", "", t))) <= 15]
    assert len(short) >= 60, "short posts of 5-15 words"
    assert sum("#" in t for t in texts) >= 30, "posts with hashtags"


def test_language_rules_on_the_labelled_corpus(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    data = corpus()
    posts: list[list[str]] = data["posts"]  # type: ignore[assignment]
    project.write("config/wordbank.yaml", yaml.safe_dump({"names": data["names"]}, allow_unicode=True))
    files = {}
    for index, (label, text) in enumerate(posts):
        bodies = {"cy": CY_BODY, "en": EN_BODY, language_of(label): text}
        project.post(f"c{index:03d}", cy_body=bodies["cy"], en_body=bodies["en"])
        files[f"content/c{index:03d}.{language_of(label)}.md"] = index
    found: dict[int, set[str]] = {index: set() for index in range(len(posts))}
    partners = []
    for finding in project.check().findings:
        if finding.code in ("language-mismatch", "language-mixed"):
            if finding.file in files:
                found[files[finding.file]].add(finding.code)
            else:
                partners.append(finding)

    table: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    wrong = []
    for index, (label, text) in enumerate(posts):
        codes = found[index]
        table[label].update({"posts": 1, **{code: 1 for code in codes}})
        mixed = label.startswith("mixed")
        if "language-mismatch" in codes or ("language-mixed" in codes) != mixed:
            wrong.append(f"{label}: {sorted(codes)}: {text}")
    with capsys.disabled():
        print(f"\nlanguage corpus ({len(posts)} posts): findings on each post's own file")
        print(f"{'label':<16} {'posts':>5} {'language-mismatch':>18} {'language-mixed':>15}")
        for label in LABELS:
            row = table[label]
            print(f"{label:<16} {row['posts']:>5} {row['language-mismatch']:>18} {row['language-mixed']:>15}")
    assert not partners, partners
    assert not wrong, "\n".join(wrong)
