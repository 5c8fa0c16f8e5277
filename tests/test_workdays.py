"""Working days, Welsh bank holidays and the Translation Team's hours (publisher.workdays)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from emergency_support import local

from publisher.workdays import add_working_days, team_at_work

from conftest import Project


@pytest.mark.parametrize(
    ("when", "at_work"),
    [
        (local(2026, 11, 25, 11, 0), True),  # a Wednesday morning
        (local(2026, 11, 25, 19, 30), False),  # a Wednesday evening
        (local(2026, 11, 27, 16, 45), False),  # Friday after 16:30
        (local(2026, 11, 28, 11, 0), False),  # a Saturday
        (local(2026, 12, 28, 11, 0), False),  # Boxing Day observed on Monday
        (local(2026, 12, 29, 11, 0), True),  # the Tuesday after
        (local(2026, 10, 26, 9, 30), True),  # the Monday after the clocks went back
    ],
)
def test_translation_team_hours_and_welsh_bank_holidays(project: Project, when: datetime, at_work: bool) -> None:
    assert team_at_work(project.config(), when) is at_work


def test_clock_change_night_is_out_of_hours_and_local(project: Project) -> None:
    config = project.config()
    # 2026-10-25 is a Sunday, and 01:30 happens twice; neither is working time.
    assert not team_at_work(config, datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")))
    # 08:30 UTC on Monday 26th is 08:30 GMT (before 09:00); 09:00 UTC is 09:00 GMT.
    assert not team_at_work(config, datetime(2026, 10, 26, 8, 30, tzinfo=ZoneInfo("UTC")))
    assert team_at_work(config, datetime(2026, 10, 26, 9, 0, tzinfo=ZoneInfo("UTC")))


def test_review_is_due_after_working_days_skipping_holidays(project: Project) -> None:
    config = project.config()
    due = add_working_days(config, local(2026, 12, 24, 20, 0), 1)  # Thursday evening before Christmas
    assert due == local(2026, 12, 29, 17, 0), "Friday 25, Sat, Sun and Monday 28 (observed) are not working days"
