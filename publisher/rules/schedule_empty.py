"""``schedule-empty`` (warning): a schedule has no post for its next two slots (schedules.md).

A gap in the rhythm (policy 7.2.11: post bilingually twice a week) shows
before it happens. Also checks the schedule files themselves, reporting
their problems with the codes that fit: ``schedule-invalid`` (keys, days,
times), ``account-unknown``, and for recurring texts ``language-mismatch``
and ``translation-unreviewed``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from publisher.config import Config
from publisher.content.discovery import display_path
from publisher.content.schedules import Schedule, slot_times
from publisher.findings import Finding
from publisher.rules.base import Rule

RULE = Rule("schedule-empty", "warning", "add posts with 'schedule: NAME' so the next two slots are filled")
SLOTS_AHEAD = 2


def _finding(code: str, schedule: Schedule, line: int, message: str) -> Finding:
    from publisher.rules import BY_CODE

    rule = BY_CODE[code]
    return Finding(file=display_path(schedule.path), line=line, code=code, severity=rule.severity, post=f"schedule:{schedule.name}", message=message)


def check_schedules(config: Config, schedules: Iterable[Schedule], waiting: dict[str, int], now) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Findings for every schedule file; ``waiting`` counts unpublished posts per schedule name."""
    from publisher.emergency.templates import environment
    from publisher.text.language import detect

    findings = []
    for schedule in schedules:
        for line, message in schedule.problems:
            findings.append(_finding("schedule-invalid", schedule, line, message))
        for name in schedule.accounts:
            if name not in config.accounts:
                match = difflib.get_close_matches(name, sorted(config.accounts), n=1)
                findings.append(_finding("account-unknown", schedule, schedule.line("accounts"), f"account '{name}' is not in the config" + (f"; did you mean '{match[0]}'?" if match else "")))
        if schedule.problems or not schedule.slots:
            continue
        if schedule.recurring is not None:
            if not schedule.reviewed:
                findings.append(_finding("translation-unreviewed", schedule, schedule.line("recurring"), "the recurring Welsh text is not marked reviewed: add 'translation: {reviewed: true, reviewer: NAME}'"))
            sample = next(slot_times(schedule, now, config)).astimezone(schedule.timezone).date()
            # Dates are not evidence of a language: they render neutrally for this check.
            values = {"date": sample.isoformat(), "date_cy": sample.isoformat(), "date_en": sample.isoformat()}
            for language in ("cy", "en"):
                try:
                    text = environment().from_string(schedule.recurring[language]).render(**values)
                except Exception as exc:  # noqa: BLE001 - any template error is reported, not raised
                    findings.append(_finding("schedule-invalid", schedule, schedule.line("recurring"), f"the recurring {language} text is not a valid template: {exc}"))
                    continue
                found = detect(text)
                if found.language is not None and found.language != language:
                    findings.append(_finding("language-mismatch", schedule, schedule.line("recurring"), f"the recurring {'Welsh' if language == 'cy' else 'English'} text does not read as {'Welsh' if language == 'cy' else 'English'}"))
            continue
        if waiting.get(schedule.name, 0) < SLOTS_AHEAD:
            upcoming = [t.astimezone(schedule.timezone) for _, t in zip(range(SLOTS_AHEAD), slot_times(schedule, now, config))]
            findings.append(_finding(RULE.code, schedule, schedule.line("slots"),
                f"schedule '{schedule.name}' has {waiting.get(schedule.name, 0)} post(s) waiting for its next {SLOTS_AHEAD} slots "
                f"({', '.join(f'{t:%a %d %b %H:%M}' for t in upcoming)}): add posts with 'schedule: {schedule.name}'"))
    return findings
