"""Discharge and reablement indicators computed from the records (pathways.md §2, §8, §10).

Discharge delay (pathways.md §2 [N], [B]): delay = discharge date − discharge-ready date, in
calendar days (dates, so a change of clock cannot move them). A person discharged on their ready
date (or before it, when the date moved later after they left) has no delay. Per month of
discharge and per pathway:
- share discharged on their ready date (%, higher is better);
- average discharge delay (days, lower is better): BCF 2025-26's "(1 − share discharged on DRD) ×
  mean days DRD→discharge of those delayed" [unconfirmed]; algebraically the mean over all
  discharges of max(0, delay), which is how it is computed (and tested to agree).
Both are charted as XmR charts with the Making Data Count rules (`caretrust.population.spc`).

Reablement (pathways.md §8 [O]), from `ReablementEpisode` records and the discharges they follow:
- ASCOF 2A (old 2D): episodes ending in the year; numerator: ongoing low-level, other short-term,
  no services (universal/signposted, no needs); denominator adds long-term support. [The
  "new clients" restriction is not applied: caretrust does not know a client's history before it.]
- old 2B(1) (STS004): people 65+ discharged 1 Oct–31 Dec into reablement; numerator: at home on
  day 91 (not dead, not waiting in hospital, not moved to a care home by then).
- 2D (from 2024-25): people 65+ discharged into reablement; numerator: no emergency readmission,
  death or long-term residential/nursing start within 84 days. From our records a readmission is
  a later hospital discharge referral and a care-home start a later discharge to a care home
  (SUS is not joined here; ADR 0084 says so).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from caretrust.population.spc import XmrResult, xmr

SAME_DAY, AVERAGE_DELAY = "same_day_share", "average_delay"
TITLES = {
    SAME_DAY: "Share discharged on their discharge ready date",
    AVERAGE_DELAY: "Average discharge delay (days)",
}
IMPROVEMENT = {SAME_DAY: "higher", AVERAGE_DELAY: "lower"}
UNITS = {SAME_DAY: "%", AVERAGE_DELAY: "days"}


@dataclass(frozen=True)
class Discharged:
    """What the delay needs of one discharge."""

    pathway: int
    ready_date: date
    discharged_on: date

    @property
    def delay(self) -> int:
        return (self.discharged_on - self.ready_date).days


@dataclass(frozen=True)
class DelayFigures:
    discharges: int
    on_ready_date: int
    share_on_ready_date: float | None  # %
    mean_delay_of_delayed: float | None  # days, among those discharged after the ready date
    average_delay: float | None  # days: (1 − share) × mean delay of the delayed


def delay_figures(discharges: Iterable[Discharged]) -> DelayFigures:
    rows = list(discharges)
    if not rows:
        return DelayFigures(0, 0, None, None, None)
    delays = [max(0, d.delay) for d in rows]
    delayed = [x for x in delays if x > 0]
    on_day = len(rows) - len(delayed)
    return DelayFigures(
        discharges=len(rows),
        on_ready_date=on_day,
        share_on_ready_date=100.0 * on_day / len(rows),
        mean_delay_of_delayed=statistics.fmean(delayed) if delayed else 0.0,
        average_delay=statistics.fmean(delays),
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class Series:
    indicator: str
    pathway: int | None
    months: list[date]
    values: list[float | None]
    counts: list[int]

    def spc(self) -> XmrResult | None:
        if sum(v is not None for v in self.values) < 2:
            return None
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short series: the result carries the warning
            return xmr(self.values, improvement=IMPROVEMENT[self.indicator])


def monthly_series(
    discharges: Sequence[Discharged], indicator: str, pathway: int | None = None
) -> Series:
    """One value per calendar month of discharge (a month with none is a gap)."""
    rows = [d for d in discharges if pathway is None or d.pathway == pathway]
    if not rows:
        return Series(indicator, pathway, [], [], [])
    months = months_between(min(d.discharged_on for d in rows), max(d.discharged_on for d in rows))
    values: list[float | None] = []
    counts = []
    for month in months:
        figures = delay_figures(d for d in rows if month_start(d.discharged_on) == month)
        counts.append(figures.discharges)
        values.append(
            figures.share_on_ready_date if indicator == SAME_DAY else figures.average_delay
        )
    return Series(indicator, pathway, months, values, counts)


# Reablement -----------------------------------------------------------------------------------

ASCOF_2A_NUMERATOR = frozenset(
    {"ongoing_low_level", "short_term_other", "no_services_universal", "no_services_no_needs"}
)
ASCOF_2A_DENOMINATOR = ASCOF_2A_NUMERATOR | {"long_term"}


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if not self.denominator else 100.0 * self.numerator / self.denominator


def ascof_2a(outcomes: Iterable[str]) -> Ratio:
    """Episode outcomes (one per ST-Max episode that ended in the year)."""
    counted = [o for o in outcomes if o in ASCOF_2A_DENOMINATOR]
    return Ratio(sum(o in ASCOF_2A_NUMERATOR for o in counted), len(counted))


@dataclass(frozen=True)
class ReabledDischarge:
    """A person 65+ discharged into reablement, and what our records say happened next."""

    discharged_on: date
    age: int
    death_date: date | None
    later_admissions: tuple[date, ...]  # dates later hospital discharge referrals were made
    care_home_starts: tuple[date, ...]  # later discharges to a care home (pathway 3)


def _within(days: Iterable[date], start: date, last: date) -> bool:
    return any(start < d <= last for d in days)


def at_home_on_day_91(case: ReabledDischarge) -> bool:
    """Old 2B(1): at home 91 days after discharge (hospital, care home or death: not)."""
    day_91 = case.discharged_on + timedelta(days=91)
    if case.death_date is not None and case.death_date <= day_91:
        return False
    return not _within(case.later_admissions, case.discharged_on, day_91) and not _within(
        case.care_home_starts, case.discharged_on, day_91
    )


def ascof_2b1(cases: Iterable[ReabledDischarge], year_start: int) -> Ratio:
    """65+ discharged 1 Oct–31 Dec of `year_start` into reablement: % at home on day 91."""
    first, last = date(year_start, 10, 1), date(year_start, 12, 31)
    chosen = [c for c in cases if c.age >= 65 and first <= c.discharged_on <= last]
    return Ratio(sum(at_home_on_day_91(c) for c in chosen), len(chosen))


def no_bad_outcome_in_84_days(case: ReabledDischarge) -> bool:
    """2D (2024-25): no emergency readmission, death or long-term residential/nursing start
    within 84 days of discharge."""
    last = case.discharged_on + timedelta(days=84)
    if case.death_date is not None and case.death_date <= last:
        return False
    return not _within(case.later_admissions, case.discharged_on, last) and not _within(
        case.care_home_starts, case.discharged_on, last
    )


def ascof_2d(cases: Iterable[ReabledDischarge], first: date, last: date) -> Ratio:
    """65+ discharged into reablement in [first, last]."""
    chosen = [c for c in cases if c.age >= 65 and first <= c.discharged_on <= last]
    return Ratio(sum(no_bad_outcome_in_84_days(c) for c in chosen), len(chosen))
