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
from publisher.i18n import N_, _, ngettext
from publisher.rules import account_unknown, language_mismatch, schedule_invalid, translation_unreviewed
from publisher.rules.base import Rule
from publisher.text.templates import TemplateError

RULE = Rule("schedule-empty", "warning", N_("add posts with 'schedule: NAME' so the next two slots are filled"))
SLOTS_AHEAD = 2
_NOT_TEMPLATE = {
    "cy": N_("the recurring Welsh text is not a valid template: %(error)s"),
    "en": N_("the recurring English text is not a valid template: %(error)s"),
}
_NOT_ITS_LANGUAGE = {
    "cy": N_("the recurring Welsh text does not read as Welsh"),
    "en": N_("the recurring English text does not read as English"),
}


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
            if match:
                message = _("account '%(name)s' is not in the config; did you mean '%(match)s'?")
            else:
                message = _("account '%(name)s' is not in the config")
            message %= {"name": name, "match": match[0] if match else ""}
            yield _finding(account_unknown.RULE, schedule, schedule.line("accounts"), message)


def _recurring(config: Config, schedule: Schedule, now: datetime) -> Iterator[Finding]:
    """Recurring texts: reviewed, valid templates, each in its own language."""
    from publisher.text.language import detect
    from publisher.text.templates import date_cy, date_en, render_text

    assert schedule.recurring is not None
    line = schedule.line("recurring")
    if not schedule.reviewed:
        message = _(
            "the recurring Welsh text is not marked reviewed: add 'translation: {reviewed: true, reviewer: NAME}'"
        )
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
            message = _(_NOT_TEMPLATE[language]) % {"error": exc}
            yield _finding(schedule_invalid.RULE, schedule, line, message)
            continue
        found = detect(text)
        if found.language is not None and found.language != language:
            yield _finding(language_mismatch.RULE, schedule, line, _(_NOT_ITS_LANGUAGE[language]))


# Day and month names as the strftime "%a %d %b" of an English locale gives them, translated when shown
# (no Babel at run time: the check is benchmarked).
_DAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def _slot_time(when: datetime) -> str:
    day, month = _(_DAYS[when.weekday()]), _(_MONTHS[when.month - 1])
    return f"{day} {when:%d} {month} {when:%H:%M}"


def _gap(config: Config, schedule: Schedule, waiting: int, now: datetime) -> Finding:
    upcoming = [
        t.astimezone(schedule.timezone)
        for _, t in zip(range(SLOTS_AHEAD), slot_times(schedule, now, config), strict=False)
    ]
    when = ", ".join(_slot_time(t) for t in upcoming)
    return _finding(
        RULE,
        schedule,
        schedule.line("slots"),
        ngettext(
            "schedule '%(name)s' has %(waiting)d post(s) waiting for its next %(slots)d slot (%(when)s): "
            "add posts with 'schedule: %(name)s'",
            "schedule '%(name)s' has %(waiting)d post(s) waiting for its next %(slots)d slots (%(when)s): "
            "add posts with 'schedule: %(name)s'",
            SLOTS_AHEAD,
        )
        % {"name": schedule.name, "waiting": waiting, "slots": SLOTS_AHEAD, "when": when},
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
