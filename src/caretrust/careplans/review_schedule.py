"""When reviews fall due (Care Act s27; statutory guidance ch 13, pathways.md §6): a light-touch
review 6 to 8 weeks after a plan is agreed or revised, then at least every 12 months. Calendar
dates in Europe/London (the caller passes the London date, `clock.local_date`), so a plan agreed
just after midnight in summer time counts from that London day. Plain Python, no Django."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

FIRST_REVIEW_FROM_WEEKS = 6
FIRST_REVIEW_BY_WEEKS = 8
MOST_MONTHS_BETWEEN_REVIEWS = 12
# A yearly review shows on the team's "due" list this long before the date it is due by.
DUE_NOTICE_DAYS = 28


@dataclass(frozen=True)
class Window:
    """A review is due from `earliest` and should be done by `latest`."""

    earliest: date
    latest: date

    def state_on(self, today: date) -> str:
        if today > self.latest:
            return "overdue"
        return "due" if today >= self.earliest else "not yet due"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def first_review_window(agreed_on: date) -> Window:
    """Plan agreed 10 Jan 2025 → review between 21 Feb and 7 Mar 2025 (pathways.md worked case)."""
    return Window(
        agreed_on + timedelta(weeks=FIRST_REVIEW_FROM_WEEKS),
        agreed_on + timedelta(weeks=FIRST_REVIEW_BY_WEEKS),
    )


def latest_allowed(last_review_on: date) -> date:
    return add_months(last_review_on, MOST_MONTHS_BETWEEN_REVIEWS)


def next_review_window(reviewed_on: date, by: date | None = None) -> Window:
    """After a review: the next is due by `by` (default and at most 12 months on)."""
    limit = latest_allowed(reviewed_on)
    latest = by or limit
    if latest > limit:
        raise ValueError(
            f"The next review must be by {limit:%d %B %Y}, at most "
            f"{MOST_MONTHS_BETWEEN_REVIEWS} months after this one."
        )
    if latest <= reviewed_on:
        raise ValueError("The next review must be after this one.")
    earliest = max(reviewed_on + timedelta(days=1), latest - timedelta(days=DUE_NOTICE_DAYS))
    return Window(earliest, latest)
