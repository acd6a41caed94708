"""Effect measures: ratio, % change, absolute difference in the outcome's unit (per 1,000 people
a year for admissions, days per stay for length of stay), and what they imply for bed days and
cost (unit costs as data, with their sources)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

Z95 = 1.959963984540054
PER_1000_A_YEAR = "per 1,000 people a year"


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Effect:
    """One effect in three measures; the CI of each follows from the ratio's CI.

    ``rate_ratio`` is a ratio of rates (admissions per person-year) or, for length of stay, of
    bed days per stay. ``absolute_difference``, ``observed`` and ``counterfactual`` are in
    ``unit``: per 1,000 people a year, or days per stay.
    """

    rate_ratio: Interval
    percent_change: Interval
    absolute_difference: Interval  # observed minus counterfactual, in `unit`
    observed: float  # treated group, post period, in `unit`
    counterfactual: float  # expected without integration, in `unit`
    interval_kind: str  # "Wald, cluster-robust", "bootstrap", "placebo"
    unit: str = PER_1000_A_YEAR

    def as_dict(self) -> dict:
        out = asdict(self)
        return out

    def covers(self, rate_ratio: float) -> bool:
        return self.rate_ratio.low <= rate_ratio <= self.rate_ratio.high


def from_log_ratio(
    beta: float,
    se: float,
    treated_rate: float,
    kind: str,
    scale: float = 1000.0,
    unit: str = PER_1000_A_YEAR,
) -> Effect:
    """From a log ratio and its SE; ``treated_rate``: observed post rate per unit of exposure
    (per person-year, or bed days per stay), shown as ``treated_rate * scale`` in ``unit``."""
    return from_ratio(
        math.exp(beta),
        math.exp(beta - Z95 * se),
        math.exp(beta + Z95 * se),
        treated_rate,
        kind,
        scale,
        unit,
    )


def from_ratio(
    rr: float,
    low: float,
    high: float,
    treated_rate: float,
    kind: str,
    scale: float = 1000.0,
    unit: str = PER_1000_A_YEAR,
) -> Effect:
    """Counterfactual = observed / ratio; the absolute difference is treated as uncertain only
    through the ratio (the observed treated rate is taken as known)."""
    observed = treated_rate * scale

    def diff(ratio: float) -> float:
        return observed - observed / ratio

    return Effect(
        rate_ratio=Interval(rr, low, high),
        percent_change=Interval((rr - 1) * 100, (low - 1) * 100, (high - 1) * 100),
        absolute_difference=Interval(diff(rr), diff(low), diff(high)),
        observed=observed,
        counterfactual=observed / rr,
        interval_kind=kind,
        unit=unit,
    )


def unit_costs() -> dict:
    """population/data/unit_costs.toml (shared with the projection): price year and each cost
    with its source and status."""
    from caretrust.population.unit_costs import evaluation_unit_costs

    return evaluation_unit_costs()


def implications(
    effect: Effect, post_person_years: float, mean_stay_days: float, outcome: str
) -> dict:
    """Events, bed days and cost avoided (negative: added) over the treated post period.

    ``post_person_years`` is the treated post-period exposure: person-years, or for length of
    stay the number of stays, so that "events" avoided are then bed days avoided.
    """
    costs = unit_costs()
    table = costs["costs"]
    from caretrust.population.evaluation.prepare import OUTCOMES

    per_exposure = effect.observed / OUTCOMES[outcome].scale

    def events(ratio: float) -> float:
        observed = per_exposure * post_person_years
        return observed / ratio - observed  # counterfactual minus observed

    avoided = Interval(
        events(effect.rate_ratio.estimate),
        events(effect.rate_ratio.high),
        events(effect.rate_ratio.low),
    )
    out = {
        "post_person_years": post_person_years,
        "events_avoided": avoided.as_dict(),
        "price_year": costs["price_year"],
        "costs_used": {},
    }
    if outcome == "emergency_admissions":
        bed_days = Interval(*(v * mean_stay_days for v in asdict(avoided).values()))
        admission, bed = table["emergency_admission"], table["bed_day"]
        out["mean_stay_days"] = mean_stay_days
        out["bed_days_avoided"] = bed_days.as_dict()
        out["cost_avoided_bed_days"] = Interval(
            *(v * bed["value"] for v in asdict(bed_days).values())
        ).as_dict()
        out["cost_avoided_admissions"] = Interval(
            *(v * admission["value"] for v in asdict(avoided).values())
        ).as_dict()
        out["costs_used"] = {"bed_day": bed, "emergency_admission": admission}
    elif outcome == "emergency_length_of_stay":
        bed = table["bed_day"]
        out["stays"] = post_person_years
        out["bed_days_avoided"] = avoided.as_dict()
        out["cost_avoided_bed_days"] = Interval(
            *(v * bed["value"] for v in asdict(avoided).values())
        ).as_dict()
        out["costs_used"] = {"bed_day": bed}
    elif outcome == "ae_attendances":
        ae = table["ae_attendance"]
        out["cost_avoided"] = Interval(
            *(v * ae["value"] for v in asdict(avoided).values())
        ).as_dict()
        out["costs_used"] = {"ae_attendance": ae}
    out["assumptions"] = sorted(
        name for name, cost in out["costs_used"].items() if cost["status"] == "assumption"
    )
    return out
