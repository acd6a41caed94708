"""Back-test: fit on a place's first K years, project the rest, score against what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import ibis
import numpy as np
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.projection.baseline import (
    first_event_date,
    latest_full_year,
    observed_totals,
    prepare_baseline,
)
from caretrust.population.projection.model import Progress, run_projection
from caretrust.population.projection.scenario import (
    LEVERS,
    SETTING_IDS,
    Interval,
    Scenario,
    Variant,
    parse_scenario,
)

#: The record as it is: no levers, today's death rates, no arrivals. Right for a closed synthetic
#: cohort (caretrust.synthetic has no births or migration); pass your own scenario for a real place.
CLOSED_COHORT = Scenario(
    name="back-test: closed cohort, no levers",
    description="demography only, as recorded",
    levers={},
    variants=(
        Variant(
            "record",
            1.0,
            0.0,
            0.0,
            "rationale: the synthetic record is a closed cohort with constant death rates",
        ),
    ),
)

#: What the back-test benchmark projects with when it is told no levers: the record's demography
#: plus NHP's published non-demographic adjustment (year-on-year growth [1, 1.02], drawn for each
#: setting on its own). A place's later years drift in ways nobody is told (the generator's
#: unannounced trend change is one); a projection that ignores non-demographic change claims
#: more than it knows. The interval is NHP's, read before the back-test was scored, not fitted to
#: the planted change.
BACKTEST_SCENARIO = replace(
    CLOSED_COHORT,
    name="back-test: closed cohort, NHP non-demographic growth",
    levers={
        "non_demographic_growth": Interval(
            1.0,
            1.02,
            "NHP sample params non-demographic_adjustment [1, 1.02] a year "
            "(The-Strategy-Unit/nhp_model; evaluation-and-planning.md §3, C)",
            LEVERS["non_demographic_growth"].limits,
        )
    },
)


def with_levers(scenario: Scenario, levers_toml: str, label: str) -> Scenario:
    """``scenario`` plus the ``[levers.NAME]`` tables of ``levers_toml`` (checked as in a scenario
    file; its levers replace the scenario's of the same name)."""
    extra = parse_scenario(f'[scenario]\nname = "{label}"\n{levers_toml}', f"<{label}>")
    return replace(
        scenario,
        name=f"{scenario.name} + {label}",
        levers={**scenario.levers, **extra.levers},
    )


class AreaDataset(Dataset):
    """The same contract tables restricted to the people of some areas (``people.area``): every
    other table keeps only their rows, because ``Dataset.table`` semi-joins on ``people``."""

    def __init__(self, ds: Dataset, areas: tuple[str, ...]) -> None:
        self.__dict__.update(ds.__dict__)
        self.areas = areas
        # tables kept for these areas only (an engine may hold them: Backend.keep), starting
        # from the whole dataset's people
        self._kept = {"people": ds.people}

    @property
    def people(self) -> ibis.Table:
        people = super().people
        return people.filter(people.area.isin(list(self.areas)))


@dataclass
class BacktestResult:
    fit_years: int
    baseline_year: int
    frame: pd.DataFrame  # setting, year, observed, p10, p50, p90, inside

    @property
    def coverage(self) -> float:
        """Share of setting-years whose observed value lies inside the 80% interval [P10, P90]."""
        return float(self.frame.inside.mean())

    @property
    def median_relative_width(self) -> float:
        """Median of (P90 − P10) ÷ P50 over setting-years with P50 > 0."""
        rows = self.frame[self.frame.p50 > 0]
        return float(((rows.p90 - rows.p10) / rows.p50).median())

    def by_setting(self) -> pd.DataFrame:
        return self.frame.groupby("setting", sort=False).agg(
            coverage=("inside", "mean"), years=("year", "count")
        )


def _first_full_year(ds: Dataset) -> dt.date:
    first = first_event_date(ds)
    year = first.year if (first.month, first.day) <= (4, 1) else first.year + 1
    return dt.date(year, 4, 1)


def backtest(
    ds: Dataset,
    fit_years: int = 2,
    *,
    scenario: Scenario = CLOSED_COHORT,
    seed: int = 1,
    runs: int = 200,
    estimation_uncertainty: bool = True,
    area: str | None = None,
    progress: Progress | None = None,
) -> BacktestResult:
    """Fit on the first ``fit_years`` full financial years (the baseline is the last of them; the
    one before gives frailty transitions), project every later full year, and compare.

    ``area``: back-test one area of the record (its people only).

    Estimation uncertainty is on by default: a baseline from one year of a small place is itself
    an estimate, and an interval that ignores it claims more than the data know.
    """
    if area is not None:
        ds = AreaDataset(ds, (area,))
    if fit_years < 1:
        raise ValueError(f"fit_years must be at least 1, got {fit_years}")
    first = _first_full_year(ds)
    base_start = first.replace(year=first.year + fit_years - 1)
    last = latest_full_year(ds)
    horizon = last.year - base_start.year
    if horizon < 1:
        raise ValueError(
            f"no full year after the fitted years: baseline {base_start}, last full year {last}"
        )
    baseline = prepare_baseline(ds, base_start)
    result = run_projection(
        scenario,
        baseline,
        seed=seed,
        runs=runs,
        years=horizon,
        estimation_uncertainty=estimation_uncertainty,
        progress=progress,
    )
    runs_values = result.values[1:]  # [R, T+1, S]
    rows = []
    for t in range(1, horizon + 1):
        year_start = base_start.replace(year=base_start.year + t)
        observed = observed_totals(ds, year_start)
        for s, setting in enumerate(SETTING_IDS):
            p10, p50, p90 = np.percentile(runs_values[:, t, s], [10, 50, 90])
            value = observed[setting]
            rows.append(
                {
                    "setting": setting,
                    "year": year_start.year,
                    "observed": value,
                    "p10": p10,
                    "p50": p50,
                    "p90": p90,
                    "inside": bool(p10 <= value <= p90),
                }
            )
    return BacktestResult(fit_years, baseline.year, pd.DataFrame(rows))
