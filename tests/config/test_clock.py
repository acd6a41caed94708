"""The settable clock: calendar days in Europe/London, one setting fixes today."""

from datetime import UTC, date, datetime

from caretrust import clock


def test_the_setting_fixes_today(settings):
    settings.CARETRUST_TODAY = "2026-03-20"
    assert clock.today() == date(2026, 3, 20)
    assert clock.now().date() == date(2026, 3, 20)
    assert clock.now().tzinfo is not None


def test_unset_means_the_real_london_date(settings):
    settings.CARETRUST_TODAY = None
    assert clock.today() == datetime.now(UTC).astimezone(clock.LONDON).date()


def test_a_late_evening_in_summer_is_the_next_day_in_london():
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    assert clock.local_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)


def test_calendar_days_across_the_clocks_going_forward():
    # The clocks go forward at 01:00 UTC on 29 March 2026: 28 March 12:00 GMT to
    # 29 March 12:00 BST is 23 hours but one calendar day.
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    end = datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 23 * 3600
    assert clock.calendar_days_between(start, end) == 1
