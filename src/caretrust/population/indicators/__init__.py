"""Outcome indicators: each an `Indicator` (definition, source, version) computed with Ibis."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.indicators.base import OUTPUT_COLUMNS, Indicator, Scope
from caretrust.population.indicators.publish import publish, suppress
from caretrust.population.indicators.registry import BY_ID, INDICATORS

__all__ = [
    "BY_ID",
    "INDICATORS",
    "Indicator",
    "Scope",
    "compute_indicator",
    "compute_indicators",
    "publish",
    "suppress",
]


def compute_indicator(ds: Dataset, indicator: Indicator | str, scope: Scope) -> pd.DataFrame:
    """One indicator as a tidy frame: indicator, level, group, period_start, numerator,
    denominator, value (unsuppressed: pass through `publish` before sharing)."""
    ind = BY_ID[indicator] if isinstance(indicator, str) else indicator
    frame = ds.execute(ind.compute(ds, scope))
    frame = frame.loc[:, list(OUTPUT_COLUMNS)]
    frame["period_start"] = pd.to_datetime(frame.period_start).dt.date
    for column in ("numerator", "denominator", "value"):
        frame[column] = frame[column].astype("float64")
    factor = 1.0
    if ind.period_rate and scope.grain == "month" and scope.annualise:
        factor = _year_over_month(frame.period_start)
        frame["value"] = frame.value * factor
    for column in ("numerator", "denominator", "value"):
        frame[column] = frame[column].round(9)
    frame["unit"] = ind.unit_for(scope)
    # what publishing needs to recompute the value from rounded counts (NaN: not a plain ratio)
    frame["per"] = float("nan") if ind.per is None else ind.per * factor
    frame.insert(0, "level", scope.level)
    frame.insert(0, "indicator", ind.id)
    return frame.sort_values(["group", "period_start"]).reset_index(drop=True)


def _year_over_month(period_start: pd.Series):
    """Days in the 12 months starting with each month ÷ days in the month (365/31 for January
    2023, 366/29 for February 2024 ...), so a month's rate becomes a rate per year."""
    start = pd.to_datetime(period_start)
    month_days = start.dt.days_in_month
    year_days = ((start + pd.DateOffset(years=1)) - start).dt.days
    return (year_days / month_days).to_numpy()


def compute_indicators(
    ds: Dataset, scope: Scope, indicators: Iterable[Indicator | str] | None = None
) -> pd.DataFrame:
    chosen = list(indicators) if indicators is not None else list(INDICATORS)
    return pd.concat([compute_indicator(ds, ind, scope) for ind in chosen], ignore_index=True)
