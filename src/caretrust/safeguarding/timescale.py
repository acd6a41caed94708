"""When an s42 decision is due: the council's own timescale, held as data (`DecisionTimescale`).

There is no national timescale for deciding whether a concern meets s42(1); local multi-agency
procedures set one (pathways.md §1: "No national timescale; local procedures set them
[unconfirmed]"). So the number of days and whether they are working or calendar days are a row
the council keeps, never code. Dates are calendar dates in Europe/London (`caretrust.clock`).
Plain Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

CALENDAR = "calendar"
WORKING = "working"


def due_date(received: date, days: int, counting: str, non_working: Iterable[date] = ()) -> date:
    """The last day on which the decision is in time: `days` calendar days after `received`, or
    `days` working days after it (Monday to Friday, skipping the council's non-working days,
    such as bank holidays, listed in the data). The day received is day 0."""
    if days < 0:
        raise ValueError("a timescale cannot be negative")
    if counting == CALENDAR:
        return received + timedelta(days=days)
    if counting != WORKING:
        raise ValueError(f"unknown counting {counting!r}: {CALENDAR!r} or {WORKING!r}")
    closed = set(non_working)
    day, left = received, days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            left -= 1
    return day
