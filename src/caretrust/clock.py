"""caretrust's one clock.

Time standards (review dates, response times, the CHC 28-day clock, discharge delays) count
calendar days in Europe/London, whatever the server's zone and across a change of clock.
Tests and demos set "today" through one setting, ``CARETRUST_TODAY`` (an ISO date, read from the
environment by the settings), so a review six weeks on or an overdue date can be shown without
waiting. Production leaves it unset and the real date is used.

Code that decides a date or a deadline calls ``clock.today()`` / ``clock.now()``, never
``date.today()`` or ``timezone.localdate()`` directly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def _fixed_today() -> date | None:
    raw = getattr(settings, "CARETRUST_TODAY", None)
    if not raw:
        return None
    if isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw))


def today() -> date:
    """Today's date in Europe/London (or the date the setting fixes)."""
    return _fixed_today() or timezone.now().astimezone(LONDON).date()


def now() -> datetime:
    """An aware datetime: the real time, moved onto the fixed date when one is set.

    Moving by whole days keeps the wall-clock time of day, so ordering within a day still works.
    """
    real = timezone.now().astimezone(LONDON)
    fixed = _fixed_today()
    if fixed is None or fixed == real.date():
        return real
    moved = datetime.combine(fixed, real.timetz().replace(tzinfo=None))
    return moved.replace(tzinfo=LONDON)


def local_date(moment: datetime) -> date:
    """The calendar date in Europe/London of an aware moment (a 23:30 UTC event in June is the
    next day in London)."""
    return moment.astimezone(LONDON).date()


def calendar_days_between(start: date | datetime, end: date | datetime) -> int:
    """Whole calendar days from start to end in Europe/London; datetimes are first taken to their
    London date, so an interval across a change of clock counts days, not 24-hour periods."""
    start_day = local_date(start) if isinstance(start, datetime) else start
    end_day = local_date(end) if isinstance(end, datetime) else end
    return (end_day - start_day).days


def add_calendar_days(start: date, days: int) -> date:
    return start + timedelta(days=days)
