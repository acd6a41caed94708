"""Effect measures: rate ratio, % change, absolute difference per 1,000 person-years, and what
they imply for bed days and cost (unit costs as data, with their sources)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Effect:
    """One effect in three measures; the CI of each follows from the rate ratio's CI."""

    rate_ratio: Interval
    percent_change: Interval
    per_1000_person_years: Interval  # observed minus counterfactual, per 1,000 person-years
    treated_rate_per_1000: float  # observed, post period
    counterfactual_rate_per_1000: float
    interval_kind: str  # "Wald, cluster-robust", "bootstrap", "placebo"

    def as_dict(self) -> dict:
        out = asdict(self)
        return out

    def covers(self, rate_ratio: float) -> bool:
        return self.rate_ratio.low <= rate_ratio <= self.rate_ratio.high


def from_log_ratio(beta: float, se: float, treated_rate: float, kind: str) -> Effect:
    """From a log rate ratio and its SE; ``treated_rate``: observed post rate per person-year."""
    return from_ratio(
        math.exp(beta), math.exp(beta - Z95 * se), math.exp(beta + Z95 * se), treated_rate, kind
    )


def from_ratio(rr: float, low: float, high: float, treated_rate: float, kind: str) -> Effect:
    """Counterfactual rate = observed / RR; the absolute difference is treated as uncertain only
    through the ratio (the observed treated rate is taken as known)."""
    per_1000 = treated_rate * 1000.0

    def diff(ratio: float) -> float:
        return per_1000 - per_1000 / ratio

    return Effect(
        rate_ratio=Interval(rr, low, high),
        percent_change=Interval((rr - 1) * 100, (low - 1) * 100, (high - 1) * 100),
        per_1000_person_years=Interval(diff(rr), diff(low), diff(high)),
        treated_rate_per_1000=per_1000,
        counterfactual_rate_per_1000=per_1000 / rr,
        interval_kind=kind,
    )


def unit_costs() -> dict:
    """population/data/unit_costs.toml (shared with the projection): price year and each cost
    with its source and status."""
    from caretrust.population.unit_costs import evaluation_unit_costs

    return evaluation_unit_costs()


def implications(
    effect: Effect, post_person_years: float, mean_stay_days: float, outcome: str
) -> dict:
    """Events, bed days and cost avoided (negative: added) over the treated post period."""
    costs = unit_costs()
    table = costs["costs"]

    def events(ratio: float) -> float:
        observed = effect.treated_rate_per_1000 / 1000.0 * post_person_years
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
