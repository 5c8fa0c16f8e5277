"""``schedule-empty`` (warning): a schedule has no post for its next two slots (docs/schedules.md).

A gap in the rhythm (policy 7.2.11: post bilingually twice a week) shows
before it happens. Also checks the schedule files themselves, reporting
their problems with the codes that fit: ``schedule-invalid`` (keys, days,
times), ``account-unknown``, and for recurring texts ``language-mismatch``
and ``translation-unreviewed``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from datetime import datetime

from publisher.config import Config
from publisher.content.discovery import display_path
from publisher.content.schedules import Schedule, slot_times
from publisher.findings import Finding
from publisher.rules import account_unknown, language_mismatch, schedule_invalid, translation_unreviewed
from publisher.rules.base import Rule
from publisher.text.templates import TemplateError

RULE = Rule("schedule-empty", "warning", "add posts with 'schedule: NAME' so the next two slots are filled")
SLOTS_AHEAD = 2
_NAMES = {"cy": "Welsh", "en": "English"}


def _finding(rule: Rule, schedule: Schedule, line: int, message: str) -> Finding:
    return Finding(
        file=display_path(schedule.path),
        line=line,
        code=rule.code,
        severity=rule.severity,
        post=f"schedule:{schedule.name}",
        message=message,
    )


def _unknown_accounts(config: Config, schedule: Schedule) -> Iterator[Finding]:
    for name in schedule.accounts:
        if name not in config.accounts:
            match = difflib.get_close_matches(name, sorted(config.accounts), n=1)
            hint = f"; did you mean '{match[0]}'?" if match else ""
            message = f"account '{name}' is not in the config{hint}"
            yield _finding(account_unknown.RULE, schedule, schedule.line("accounts"), message)


def _recurring(config: Config, schedule: Schedule, now: datetime) -> Iterator[Finding]:
    """Recurring texts: reviewed, valid templates, each in its own language."""
    from publisher.text.language import detect
    from publisher.text.templates import date_cy, date_en, render_text

    assert schedule.recurring is not None
    line = schedule.line("recurring")
    if not schedule.reviewed:
        message = "the recurring Welsh text is not marked reviewed: add 'translation: {reviewed: true, reviewer: NAME}'"
        yield _finding(translation_unreviewed.RULE, schedule, line, message)
    sample = next(slot_times(schedule, now, config)).astimezone(schedule.timezone).date()
    # Rendered as the daemon will render it, so what passes here renders there; then with neutral
    # dates for the language check, since dates are not evidence of a language.
    values = {"date": sample.isoformat(), "date_cy": date_cy(sample), "date_en": date_en(sample)}
    neutral = {"date": sample.isoformat(), "date_cy": sample.isoformat(), "date_en": sample.isoformat()}
    for language in ("cy", "en"):
        try:
            render_text(schedule.recurring[language], values)
            text = render_text(schedule.recurring[language], neutral)
        except TemplateError as exc:
            message = f"the recurring {language} text is not a valid template: {exc}"
            yield _finding(schedule_invalid.RULE, schedule, line, message)
            continue
        found = detect(text)
        if found.language is not None and found.language != language:
            name = _NAMES[language]
            yield _finding(language_mismatch.RULE, schedule, line, f"the recurring {name} text does not read as {name}")


def _gap(config: Config, schedule: Schedule, waiting: int, now: datetime) -> Finding:
    upcoming = [
        t.astimezone(schedule.timezone)
        for _, t in zip(range(SLOTS_AHEAD), slot_times(schedule, now, config), strict=False)
    ]
    when = ", ".join(f"{t:%a %d %b %H:%M}" for t in upcoming)
    return _finding(
        RULE,
        schedule,
        schedule.line("slots"),
        f"schedule '{schedule.name}' has {waiting} post(s) waiting for its next {SLOTS_AHEAD} slots "
        f"({when}): add posts with 'schedule: {schedule.name}'",
    )


def check_schedules(
    config: Config, schedules: Iterable[Schedule], waiting: dict[str, int], now: datetime
) -> list[Finding]:
    """Findings for every schedule file; ``waiting`` counts unpublished posts per schedule name."""
    findings: list[Finding] = []
    for schedule in schedules:
        findings.extend(_finding(schedule_invalid.RULE, schedule, line, msg) for line, msg in schedule.problems)
        findings.extend(_unknown_accounts(config, schedule))
        if schedule.problems or not schedule.slots:
            continue
        if schedule.recurring is not None:
            findings.extend(_recurring(config, schedule, now))
        elif waiting.get(schedule.name, 0) < SLOTS_AHEAD:
            findings.append(_gap(config, schedule, waiting.get(schedule.name, 0), now))
    return findings
