"""The s42 decision timescale is the council's, held as data: pathways.md §1 says "No national
timescale; local procedures set them [unconfirmed]". Worked cases for both ways of counting,
with calendar dates in Europe/London (caretrust.clock)."""

from __future__ import annotations

from datetime import date

import pytest

from caretrust.safeguarding.models import DecisionTimescale
from caretrust.safeguarding.timescale import due_date


def test_two_working_days_from_a_friday_is_the_tuesday() -> None:
    # Received Friday 7 March 2025: Monday is day 1, Tuesday 11 March day 2.
    assert due_date(date(2025, 3, 7), 2, "working") == date(2025, 3, 11)


def test_working_days_skip_the_councils_non_working_days() -> None:
    # Easter 2025: Good Friday 18 April and Easter Monday 21 April are bank holidays in England.
    # Received Thursday 17 April: Tuesday 22 is day 1, Wednesday 23 day 2.
    easter = [date(2025, 4, 18), date(2025, 4, 21)]
    assert due_date(date(2025, 4, 17), 2, "working", easter) == date(2025, 4, 23)


def test_calendar_days_count_weekends_and_a_change_of_clock() -> None:
    # Clocks went forward on Sunday 30 March 2025: still two calendar days.
    assert due_date(date(2025, 3, 29), 2, "calendar") == date(2025, 3, 31)


def test_a_negative_or_unknown_timescale_is_refused() -> None:
    with pytest.raises(ValueError):
        due_date(date(2025, 3, 7), -1, "working")
    with pytest.raises(ValueError):
        due_date(date(2025, 3, 7), 2, "fortnights")


@pytest.mark.django_db
def test_the_shipped_row_is_two_working_days_and_a_newer_row_takes_over() -> None:
    rule = DecisionTimescale.current(date(2025, 3, 7))
    assert (rule.days, rule.counting, rule.text) == (2, "working", "2 working days")
    assert rule.due(date(2025, 3, 7)) == date(2025, 3, 11)
    DecisionTimescale.objects.create(
        days=5,
        counting="calendar",
        effective_from=date(2025, 4, 1),
        non_working_days=[],
        note="Local procedure from April 2025",
    )
    assert DecisionTimescale.current(date(2025, 3, 31)).days == 2
    changed = DecisionTimescale.current(date(2025, 4, 1))
    assert changed.text == "5 calendar days"
    assert changed.due(date(2025, 4, 1)) == date(2025, 4, 6)
