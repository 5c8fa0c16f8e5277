"""Thousands of generated, mostly hostile front matters, schedules, word banks and consent registers at
``check`` and at the daemon's sync: only coded findings or a configuration error, never a traceback,
never a hang, memory bounded.
"""

from __future__ import annotations

import json
import resource
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.config import load_config
from publisher.errors import ConfigError
from publisher.queue.db import open_database
from publisher.queue.sync import sync_content
from publisher.services.validation import check_content

from conftest import BASE_CONFIG

EXAMPLES = 400
POSTS_PER_EXAMPLE = 20
SCHEDULES_PER_EXAMPLE = 4
# Each example is 20 front matters, 4 schedules, a word bank and a consent register: 26 inputs.
assert EXAMPLES * (POSTS_PER_EXAMPLE + SCHEDULES_PER_EXAMPLE + 2) >= 10_000

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TOKENS = [
    "publish_at: ", "accounts: ", "media:\n  - ", "file: ", "alt: ", "consent: ", "rights: ", "translation: ",
    "{reviewed: true, reviewer: X}", "schedule: ", "id: ", "thread: true", "queue_order: ", "slots:\n  - ",
    "{days: [mon], at: \"10:00\"}", "recurring: {cy: \"{{ date_cy }}\", en: \"x\"}", "name: ", "templates:\n  - ",
    "names: [", "phrases: [", "&a ", "*a", "[", "]", "{", "}", ": ", "- ", "\n", "\t", "  ", "'", "\"", "#", "|",
    ">", "!!python/object:os.system", "!!binary", "2027-01-12T10:00", "2027-03-28T01:30", "local", "powys-x",
    "nope", "../../../etc/passwd", "\u202e", "\u200d", "ŵ", "\x00", "\ufeff", "{{ range(10**9) }}", "'x' * 10**9",
    "reference,subject,expires_on,withdrawn_on\n", "F-1,x,2027-13-45,\n", "999999999999999999999",
]  # fmt: skip

KEYS = [
    "publish_at", "accounts", "media", "file", "alt", "consent", "rights", "translation", "reviewed", "reviewer",
    "schedule", "id", "thread", "queue_order", "slots", "days", "at", "recurring", "cy", "en", "name", "timezone",
    "templates", "variables", "per_language", "names", "phrases", "skip_bank_holidays", "nope",
]  # fmt: skip
SCALARS = [
    "2027-01-12T10:00", "2027-03-28T01:30", "2026-10-25T01:30", "true", "false", "null", "~", "12", "-1", "1e999",
    "local", "powys-x", "[local, powys-x]", "not-required", "own", "mon", "'10:00'", "'25:99'", "Europe/London",
    "Mars/Olympus", "'{{ date_cy }}'", "'{{ range(10**9) }}'", "'{% for i in range(9) %}x{% endfor %}'", "'\u202e'",
    "../../../etc/passwd", "/etc/passwd", "!!binary aGVsbG8=", "!!python/object:os.system ls", "'x' ",
]  # fmt: skip

scalar = st.one_of(
    st.sampled_from(SCALARS),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8).map(lambda t: json.dumps(t, ensure_ascii=False)),
)
value = st.recursive(
    scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=4).map(
            lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
        ),
    ),
    max_leaves=12,
)


@st.composite
def structured(draw: Any) -> str:
    """A YAML mapping of the keys the publisher knows (and some it does not), sometimes with an alias."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(KEYS), value), max_size=8, unique_by=lambda pair: pair[0]))
    if len(pairs) >= 2 and draw(st.booleans()):
        later = draw(st.integers(1, len(pairs) - 1))
        pairs[0] = (pairs[0][0], "&a " + pairs[0][1])
        pairs[later] = (pairs[later][0], "*a")
    return "\n".join(f"{key}: {item}" for key, item in pairs)


raw = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)), max_size=40).map("".join)
hostile = st.one_of(structured(), structured(), raw)


def _project(root: Path) -> None:
    for folder in ("config", "content", "schedules"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir(parents=True)
    (root / "config" / "publisher.toml").write_text(BASE_CONFIG, "utf-8")


def _write(root: Path, posts: list[tuple[str, str]], schedules: list[str], wordbank: str, register: str) -> None:
    _project(root)
    for index, (front, body) in enumerate(posts):
        (root / "content" / f"p{index}.cy.md").write_text(f"---\n{front}\n---\n{body}\n", "utf-8", errors="replace")
        (root / "content" / f"p{index}.en.md").write_text(f"---\n---\n{body}\n", "utf-8", errors="replace")
    for index, text in enumerate(schedules):
        (root / "schedules" / f"s{index}.yaml").write_text(text, "utf-8", errors="replace")
    (root / "config" / "wordbank.yaml").write_text(wordbank, "utf-8", errors="replace")
    (root / "config" / "consent.csv").write_text(register, "utf-8", errors="replace")


def _check_and_sync(root: Path, database: Any) -> None:
    try:
        config = load_config(root / "config" / "publisher.toml")
        result = check_content(config, now=NOW, use_cache=False)
        assert all(f.code and f.file and f.line >= 1 for f in result.findings)
        sync_content(config, database.sessions, NOW)
    except ConfigError as exc:  # a broken word bank or register: one clear line, exit 2
        assert str(exc) and "Traceback" not in str(exc)


def test_generated_hostile_inputs_give_only_coded_findings(tmp_path: Path) -> None:
    root = tmp_path / "project"
    _project(root)
    with open_database(load_config(root / "config" / "publisher.toml")) as database:
        # Warm up (lingua's models, twitter-text), so what is measured is what the inputs cost.
        body = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. The library is closed on Monday."
        _write(root, [("accounts: [powys-x]\npublish_at: 2027-01-12T10:00", body)], [], "", "")
        _check_and_sync(root, database)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        @settings(
            max_examples=EXAMPLES,
            deadline=10_000,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            posts=st.lists(st.tuples(hostile, hostile), min_size=POSTS_PER_EXAMPLE, max_size=POSTS_PER_EXAMPLE),
            schedules=st.lists(hostile, min_size=SCHEDULES_PER_EXAMPLE, max_size=SCHEDULES_PER_EXAMPLE),
            wordbank=hostile,
            register=hostile,
        )
        def run(posts: list[tuple[str, str]], schedules: list[str], wordbank: str, register: str) -> None:
            _write(root, posts, schedules, wordbank, register)
            _check_and_sync(root, database)

        run()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # Hypothesis keeps every generated example while it runs; a YAML bomb would add gigabytes.
    assert grown_mb < 1024, f"memory grew by {grown_mb:.0f} MB"
