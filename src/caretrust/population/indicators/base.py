"""What every indicator shares: its description, the reporting scope and the output shape.

Every indicator returns one Ibis table with columns
``group, period_start, numerator, denominator, value`` (floats, so all engines agree), grouped by
the person's ``level`` (area, locality or gp_practice: where the person lives or is registered) and
by period (calendar month, or financial year April–March).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import ibis
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import age_at

LEVELS = ("area", "locality", "gp_practice")
GRAINS = ("month", "year")
OUTPUT_COLUMNS = ("group", "period_start", "numerator", "denominator", "value")


@dataclass(frozen=True)
class Scope:
    """What to report on: breakdown level, period grain and the date range (whole periods)."""

    start: dt.date
    end: dt.date
    level: str = "area"
    grain: str = "month"  # "year" means the financial year, 1 April to 31 March
    # J20 (acute bronchitis) is counted as COPD only with a secondary J41–J44/J47, which the
    # contract has no column for: off, and no other row of the published list is optional.
    acsc_include_unconfirmed: bool = False
    reablement_discharge_months: tuple[int, ...] = (10, 11, 12)  # SALT STS004: October–December
    # Show monthly rates per year (× days in the year ÷ days in the month) so they compare with
    # annual publications; off by default, when a monthly rate is labelled "per month".
    annualise: bool = False

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}")

    def periods(self) -> pd.DataFrame:
        """period_start, period_mid, period_end (inclusive) of each period touching the range."""
        rows = []
        start = _period_start(self.start, self.grain)
        while start <= self.end:
            following = _next_period(start, self.grain)
            end = following - dt.timedelta(days=1)
            rows.append((start, start + (end - start) / 2, end))
            start = following
        frame = pd.DataFrame(rows, columns=["period_start", "period_mid", "period_end"])
        return frame.astype({c: "datetime64[s]" for c in frame.columns})

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        periods = self.periods()
        return periods.period_start.min().date(), periods.period_end.max().date()


def _period_start(day: dt.date, grain: str) -> dt.date:
    if grain == "month":
        return day.replace(day=1)
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def _next_period(start: dt.date, grain: str) -> dt.date:
    if grain == "month":
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return dt.date(start.year + 1, 4, 1)


def period_of(day: ibis.Value, grain: str) -> ibis.Value:
    """The start of the period containing ``day``."""
    if grain == "month":
        return day.truncate("M").cast("date")
    year = ibis.ifelse(day.month() >= 4, day.year(), day.year() - 1)
    return ibis.date(year, 4, 1)


def in_window(day: ibis.Value, scope: Scope) -> ibis.Value:
    first, last = scope.window
    return (day >= first) & (day <= last)


def periods_table(scope: Scope) -> ibis.Table:
    periods = ibis.memtable(scope.periods())
    return periods.select(*(periods[c].cast("date").name(c) for c in periods.columns))


def population(ds: Dataset, scope: Scope, min_age: int, max_age: int | None = None) -> ibis.Table:
    """People alive at mid-period in the age band: group, period_start, denominator."""
    people = ds.people
    cross = people.cross_join(periods_table(scope))
    age = age_at(cross.birth_date, cross.period_mid)
    keep = (
        (cross.birth_date <= cross.period_mid)
        & (cross.death_date.isnull() | (cross.death_date > cross.period_mid))
        & (age >= min_age)
    )
    if max_age is not None:
        keep = keep & (age <= max_age)
    alive = cross.filter(keep)
    return alive.group_by(group=alive[scope.level], period_start=alive.period_start).aggregate(
        denominator=alive.count().cast("float64")
    )


def with_person(ds: Dataset, events: ibis.Table, scope: Scope) -> ibis.Table:
    """Events joined to the person's birth date, death date and breakdown group."""
    people = ds.people.select("person_id", "birth_date", "death_date", group=ds.people[scope.level])
    return events.join(people, "person_id")


def count_by_period(events: ibis.Table, day: ibis.Value | str, scope: Scope) -> ibis.Table:
    day_col = events[day] if isinstance(day, str) else day
    dated = events.mutate(period_start=period_of(day_col, scope.grain))
    return dated.group_by("group", "period_start").aggregate(
        numerator=dated.count().cast("float64")
    )


def rate(denominators: ibis.Table, numerators: ibis.Table, per: float) -> ibis.Table:
    """Every (group, period) with a population, with zero events where none happened."""
    joined = denominators.left_join(numerators, ["group", "period_start"])
    numerator = joined.numerator.fill_null(0.0)
    return joined.select(
        group=denominators.group,
        period_start=denominators.period_start,
        numerator=numerator,
        denominator=joined.denominator,
        value=numerator / joined.denominator * per,
    )


def proportion(cohort: ibis.Table, success: ibis.Value, scope: Scope, day: str) -> ibis.Table:
    """Percentage of a cohort's rows meeting ``success``, by group and period of ``day``."""
    dated = cohort.mutate(
        period_start=period_of(cohort[day], scope.grain), ok=success.cast("int64")
    )
    agg = dated.group_by("group", "period_start").aggregate(
        numerator=dated.ok.sum().cast("float64"), denominator=dated.count().cast("float64")
    )
    return agg.mutate(value=agg.numerator / agg.denominator * 100.0)


@dataclass(frozen=True)
class Indicator:
    """One published measure with its definition kept beside its code."""

    id: str
    title: str
    source: str
    version: str
    definition: str
    unit: str
    improvement: Literal["higher", "lower", "neutral"]  # for SPC colouring
    compute: Callable[[Dataset, Scope], ibis.Table] = field(repr=False, compare=False)
    count_columns: tuple[str, ...] = ("numerator", "denominator")  # suppressed by the HES rule
    # k in value = numerator ÷ denominator × k (None for a standardised rate, a median, ...):
    # publishing recomputes such values from the rounded counts
    per: float | None = None
    # the value is events per head of population in the period, so its unit needs the period
    period_rate: bool = False

    def unit_for(self, scope: Scope) -> str:
        """The unit with its period: "per 100,000 per month", "per 100,000 per year", or
        "per 100,000 per year (annualised from the month)"."""
        if not self.period_rate:
            return self.unit
        base, _, note = self.unit.partition(" (")
        note = f" ({note}" if note else ""
        if scope.grain == "year":
            return f"{base} per year{note}"
        if scope.annualise:
            return f"{base} per year, annualised from the month{note}"
        return f"{base} per month{note}"
