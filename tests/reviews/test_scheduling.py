"""Review dates: worked cases from pathways.md §6 and its source (statutory guidance ch 13 via
council pages: a light-touch review 6 to 8 weeks after a plan is agreed, then at most 12 months)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from caretrust import clock
from caretrust.careplans.review_schedule import (
    Window,
    add_months,
    first_review_window,
    next_review_window,
)


def test_plan_agreed_10_january_2025_is_reviewed_21_february_to_7_march() -> None:
    """pathways.md, worked cases: "plan agreed 10 Jan 2025 → review 21 Feb–7 Mar, then ≤12 months"."""
    assert first_review_window(date(2025, 1, 10)) == Window(date(2025, 2, 21), date(2025, 3, 7))


def test_plan_agreed_10_february_2026_across_the_change_to_summer_time() -> None:
    """pathways.md §6 (6–8 weeks); clocks go forward on 29 March 2026: the window counts calendar
    days in Europe/London, so it is 24 March to 7 April, not an hour short of either."""
    window = first_review_window(date(2026, 2, 10))
    assert window == Window(date(2026, 3, 24), date(2026, 4, 7))
    assert clock.calendar_days_between(date(2026, 2, 10), window.latest) == 56


def test_a_plan_agreed_just_after_midnight_in_summer_time_counts_from_the_london_day() -> None:
    """pathways.md checklist: "calendar days, Europe/London". 23:30 UTC on 9 June is 00:30 BST on
    10 June: the window counts from 10 June."""
    agreed_at = datetime(2026, 6, 9, 23, 30, tzinfo=UTC)
    agreed_on = clock.local_date(agreed_at)
    assert agreed_on == date(2026, 6, 10)
    assert first_review_window(agreed_on) == Window(date(2026, 7, 22), date(2026, 8, 5))


def test_a_window_crossing_the_autumn_change_of_clock() -> None:
    """Clocks go back on 25 October 2026; a plan agreed 15 September is due 27 Oct to 10 Nov."""
    assert first_review_window(date(2026, 9, 15)) == Window(date(2026, 10, 27), date(2026, 11, 10))


def test_then_at_least_every_twelve_months() -> None:
    """pathways.md §6: "then ≤12 months" after each review."""
    window = next_review_window(date(2026, 3, 31))
    assert window.latest == date(2027, 3, 31)
    assert window.earliest == date(2027, 3, 3)  # on the team's list four weeks before
    assert next_review_window(date(2026, 3, 31), date(2026, 9, 30)).latest == date(2026, 9, 30)
    with pytest.raises(ValueError, match="at most 12 months"):
        next_review_window(date(2026, 3, 31), date(2027, 4, 1))
    with pytest.raises(ValueError, match="after this one"):
        next_review_window(date(2026, 3, 31), date(2026, 3, 31))


def test_months_are_calendar_months() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_due_and_overdue() -> None:
    window = Window(date(2026, 3, 24), date(2026, 4, 7))
    assert window.state_on(date(2026, 3, 23)) == "not yet due"
    assert window.state_on(date(2026, 3, 24)) == "due"
    assert window.state_on(date(2026, 4, 7)) == "due"
    assert window.state_on(date(2026, 4, 8)) == "overdue"
