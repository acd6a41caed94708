"""Indicators from hospital spells (encounters.parquet)."""

from __future__ import annotations

from functools import cache

import ibis
import pandas as pd

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import add_days, age_at, days_between, read_data_csv
from caretrust.population.indicators.base import (
    Scope,
    count_by_period,
    in_window,
    period_of,
    population,
    proportion,
    rate,
    with_person,
)

ADMISSIONS = ("emergency_admission", "elective_admission")
CARE_HOME_SERVICES = ("long_term_residential", "long_term_nursing")


def _emergency_65(ds: Dataset, scope: Scope, day: str = "start_date") -> ibis.Table:
    enc = ds.table("encounters")
    spells = with_person(ds, enc.filter(enc.kind == "emergency_admission"), scope)
    return spells.filter(
        in_window(spells[day], scope) & (age_at(spells.birth_date, spells.start_date) >= 65)
    )


def emergency_admissions_65(ds: Dataset, scope: Scope) -> ibis.Table:
    numerators = count_by_period(_emergency_65(ds, scope), "start_date", scope)
    return rate(population(ds, scope, 65), numerators, 100_000)


def emergency_bed_days_65(ds: Dataset, scope: Scope) -> ibis.Table:
    spells = _emergency_65(ds, scope, day="end_date")
    dated = spells.mutate(
        period_start=period_of(spells.end_date, scope.grain),
        bed_days=days_between(spells.end_date, spells.start_date),
    )
    numerators = dated.group_by("group", "period_start").aggregate(
        numerator=dated.bed_days.sum().cast("float64")
    )
    return rate(population(ds, scope, 65), numerators, 1_000)


@cache
def esp2013() -> pd.DataFrame:
    rows = read_data_csv("caretrust.population.data", "esp2013.csv")
    frame = pd.DataFrame(rows)
    frame["age_from"] = frame.age_from.astype("int64")
    frame["weight"] = frame.weight.astype("float64")
    return frame[["age_from", "weight"]]


def _band(age: ibis.Value) -> ibis.Value:
    return ibis.least((age // 5) * 5, 90).cast("int64")


def falls_65_dsr(ds: Dataset, scope: Scope) -> ibis.Table:
    """Directly age-standardised rate: Σ band rate × ESP weight ÷ Σ ESP weight (65+ bands)."""
    spells = _emergency_65(ds, scope)
    dx, cause = spells.primary_diagnosis, spells.external_cause
    injury = dx.substr(0, 1).isin(["S", "T"])  # S00–T98
    fall_cause = cause.substr(0, 1) == "W"
    fall_number = cause.substr(1, 2).cast("int64")
    falls = spells.filter(injury & fall_cause & (fall_number <= 19))
    falls = falls.mutate(
        age_from=_band(age_at(falls.birth_date, falls.start_date)),
        period_start=period_of(falls.start_date, scope.grain),
    )
    counts = falls.group_by("group", "period_start", "age_from").aggregate(n=falls.count())
    pop = _population_by_band(ds, scope)
    weights = ibis.memtable(esp2013())
    joined = pop.left_join(counts, ["group", "period_start", "age_from"]).join(
        weights, pop.age_from == weights.age_from
    )
    n = joined.n.fill_null(0).cast("float64")
    terms = joined.select(
        group=pop.group,
        period_start=pop.period_start,
        n=n,
        pop=joined.pop,
        weighted=n / joined.pop * joined.weight,
    )
    total_weight = float(esp2013().query("age_from >= 65").weight.sum())
    agg = terms.group_by("group", "period_start").aggregate(
        numerator=terms.n.sum(), denominator=terms.pop.sum(), weighted=terms.weighted.sum()
    )
    return agg.select(
        "group",
        "period_start",
        "numerator",
        "denominator",
        value=agg.weighted / total_weight * 100_000,
    )


def _population_by_band(ds: Dataset, scope: Scope) -> ibis.Table:
    from caretrust.population.indicators.base import periods_table

    cross = ds.people.cross_join(periods_table(scope))
    age = age_at(cross.birth_date, cross.period_mid)
    alive = cross.filter(
        (cross.death_date.isnull() | (cross.death_date > cross.period_mid)) & (age >= 65)
    ).mutate(age_from=_band(age))
    return alive.group_by(
        group=alive[scope.level], period_start=alive.period_start, age_from=alive.age_from
    ).aggregate(pop=alive.count().cast("float64"))


@cache
def discharge_destinations() -> pd.DataFrame:
    """NHS Data Dictionary discharge destination codes: code, label, category."""
    return pd.DataFrame(
        read_data_csv("caretrust.population.codelists", "discharge_destination.csv")
    )


def destination_codes(category: str) -> tuple[str, ...]:
    """The Data Dictionary codes in one of our categories (e.g. care_home: 54, 65, 85)."""
    table = discharge_destinations()
    codes = tuple(table[table.category == category].code)
    if not codes:
        raise ValueError(f"no discharge destination category {category!r}")
    return codes


@cache
def acsc_prefixes(include_unconfirmed: bool) -> tuple[str, ...]:
    rows = read_data_csv("caretrust.population.codelists", "acsc_chronic_icd10.csv")
    keep = {"confirmed", "unconfirmed"} if include_unconfirmed else {"confirmed"}
    return tuple(r["icd10_prefix"] for r in rows if r["status"] in keep)


def avoidable_admissions(ds: Dataset, scope: Scope) -> ibis.Table:
    enc = ds.table("encounters")
    prefixes = acsc_prefixes(scope.acsc_include_unconfirmed)
    dx = enc.primary_diagnosis
    match = dx.substr(0, 3).isin([p for p in prefixes if len(p) == 3]) | dx.substr(0, 4).isin(
        [p for p in prefixes if len(p) == 4]
    )
    chosen = enc.filter(
        (enc.kind == "emergency_admission") & ~enc.is_transfer.fill_null(False) & match
    )
    spells = with_person(ds, chosen, scope)
    spells = spells.filter(in_window(spells.start_date, scope))
    return rate(population(ds, scope, 0), count_by_period(spells, "start_date", scope), 100_000)


def discharge_usual_residence(ds: Dataset, scope: Scope) -> ibis.Table:
    enc = ds.table("encounters")
    spells = with_person(ds, enc.filter(enc.kind.isin(ADMISSIONS) & enc.end_date.notnull()), scope)
    spells = spells.filter(in_window(spells.end_date, scope))
    usual = spells.discharge_destination_code.isin(list(destination_codes("usual_residence")))
    return proportion(spells, usual, scope, "end_date")


def still_at_home_91(ds: Dataset, scope: Scope) -> ibis.Table:
    """65+ discharged into reablement (Oct–Dec by default): % at home on day 91."""
    enc = ds.table("encounters")
    spells = with_person(ds, enc.filter(enc.discharge_destination == "home_with_reablement"), scope)
    cohort = spells.filter(
        in_window(spells.end_date, scope)
        & spells.end_date.month().isin(list(scope.reablement_discharge_months))
        & (age_at(spells.birth_date, spells.end_date) >= 65)
    ).mutate(day91=add_days(spells.end_date, 91))
    cohort = cohort.select("encounter_id", "person_id", "group", "end_date", "death_date", "day91")
    away = _in_hospital_on(ds, cohort).union(_in_care_home_on(ds, cohort))
    away = away.distinct().mutate(away=ibis.literal(1))
    flagged = cohort.left_join(away, "encounter_id")
    flagged = flagged.select(*(cohort[c] for c in cohort.columns), away=flagged.away.fill_null(0))
    died = flagged.death_date.notnull() & (flagged.death_date <= flagged.day91)
    return proportion(flagged, ~died & (flagged.away == 0), scope, "end_date")


def _in_hospital_on(ds: Dataset, cohort: ibis.Table) -> ibis.Table:
    enc = ds.table("encounters")
    later = enc.filter(enc.kind.isin(ADMISSIONS)).select(
        person_id_r="person_id", start_r="start_date", end_r="end_date"
    )
    j = cohort.join(later, cohort.person_id == later.person_id_r)
    inside = (j.start_r <= j.day91) & (j.end_r.isnull() | (j.end_r > j.day91))
    return j.filter(inside).select("encounter_id")


def _in_care_home_on(ds: Dataset, cohort: ibis.Table) -> ibis.Table:
    sc = ds.table("social_care_events")
    homes = sc.filter(
        (sc.event_type == "service") & sc.service_type.isin(CARE_HOME_SERVICES)
    ).select(person_id_r="person_id", start_r="start_date", end_r="end_date")
    j = cohort.join(homes, cohort.person_id == homes.person_id_r)
    inside = (j.start_r <= j.day91) & (j.end_r.isnull() | (j.end_r >= j.day91))
    return j.filter(inside).select("encounter_id")
