"""Indicators from Adult Social Care Client Level Data events (social_care_events.parquet)."""

from __future__ import annotations

import ibis

from caretrust.population.dataset import Dataset
from caretrust.population.exprs import age_at, days_between
from caretrust.population.indicators.base import (
    Scope,
    in_window,
    period_of,
    periods_table,
    population,
    rate,
    with_person,
)

CARE_HOME_SERVICES = ("long_term_residential", "long_term_nursing")


def _services(ds: Dataset) -> ibis.Table:
    sc = ds.table("social_care_events")
    return sc.filter((sc.event_type == "service") & (sc.client_type == "service_user"))


def _permanent_admissions(ds: Dataset, scope: Scope, min_age: int, max_age: int | None):
    """ASCOF 2B/2C: a person's first ever residential or nursing service starting in the period.

    Later services (residential↔nursing transfers, re-admissions) are not first, so never counted.
    Age is taken at the end of the period; the denominator is the mid-period population.
    """
    homes = _services(ds)
    homes = homes.filter(homes.service_type.isin(CARE_HOME_SERVICES))
    first = homes.group_by("person_id").aggregate(admitted=homes.start_date.min())
    first = with_person(ds, first, scope)
    first = first.filter(in_window(first.admitted, scope)).mutate(
        period_start=period_of(first.admitted, scope.grain)
    )
    periods = periods_table(scope)
    dated = first.join(periods, "period_start")
    age = age_at(dated.birth_date, dated.period_end)
    keep = age >= min_age if max_age is None else (age >= min_age) & (age <= max_age)
    chosen = dated.filter(keep)
    numerators = chosen.group_by("group", "period_start").aggregate(
        numerator=chosen.count().cast("float64")
    )
    return rate(population(ds, scope, min_age, max_age), numerators, 100_000)


def ascof_2b(ds: Dataset, scope: Scope) -> ibis.Table:
    return _permanent_admissions(ds, scope, 18, 64)


def ascof_2c(ds: Dataset, scope: Scope) -> ibis.Table:
    return _permanent_admissions(ds, scope, 65, None)


def supported_at_home_65(ds: Dataset, scope: Scope) -> ibis.Table:
    """People 65+ with long-term support open on the last day of the period: % supported at home.

    A person with a residential or nursing service open that day counts in a care home, whatever
    else is open; otherwise a long-term community service counts at home.
    """
    svc = _services(ds)
    svc = svc.filter(svc.service_type.isin([*CARE_HOME_SERVICES, "long_term_community"]))
    periods = periods_table(scope)
    j = with_person(ds, svc, scope).cross_join(periods)
    open_then = (j.start_date <= j.period_end) & (
        j.end_date.isnull() | (j.end_date >= j.period_end)
    )
    alive = j.death_date.isnull() | (j.death_date > j.period_end)
    j = j.filter(open_then & alive & (age_at(j.birth_date, j.period_end) >= 65))
    per_person = j.group_by("person_id", "group", "period_start").aggregate(
        in_home=j.service_type.isin(CARE_HOME_SERVICES).cast("int64").max()
    )
    agg = per_person.group_by("group", "period_start").aggregate(
        numerator=(1 - per_person.in_home).sum().cast("float64"),
        denominator=per_person.count().cast("float64"),
    )
    return agg.mutate(value=agg.numerator / agg.denominator * 100.0)


def _waits(ds: Dataset, scope: Scope) -> ibis.Table:
    """Per request in the window: days to the first assessment on or after it, and from that
    assessment to the first service starting on or after it (null when none yet)."""
    sc = ds.table("social_care_events")
    sc = sc.filter(sc.client_type == "service_user")
    requests = with_person(ds, sc.filter(sc.event_type == "request"), scope)
    requests = requests.filter(in_window(requests.start_date, scope)).select(
        "event_id", "person_id", "group", requested="start_date"
    )
    assessed = _first_after(requests, sc.filter(sc.event_type == "assessment"), "requested")
    assessed = assessed.rename(assessed="first_date")
    served = _first_after(
        assessed.filter(assessed.assessed.notnull()),
        sc.filter(sc.event_type == "service"),
        "assessed",
    ).rename(served="first_date")
    waits = assessed.left_join(served.select("event_id", "served"), "event_id")
    return waits.select(
        group=assessed.group,
        period_start=period_of(assessed.requested, scope.grain),
        to_assessment=days_between(assessed.assessed, assessed.requested),
        to_service=days_between(waits.served, assessed.assessed),
    )


def _first_after(left: ibis.Table, events: ibis.Table, day: str) -> ibis.Table:
    later = events.select(person_id_r="person_id", event_date="start_date")
    j = left.left_join(
        later, (left.person_id == later.person_id_r) & (later.event_date >= left[day])
    )
    keys = [c for c in left.columns]
    return j.group_by(keys).aggregate(first_date=j.event_date.min())


def _wait_summary(column: str, quantile: float):
    def compute(ds: Dataset, scope: Scope) -> ibis.Table:
        waits = _waits(ds, scope)
        done = waits.filter(waits[column].notnull())
        return done.group_by("group", "period_start").aggregate(
            numerator=done.count().cast("float64"),
            denominator=ibis.null().cast("float64"),
            value=done[column].cast("float64").quantile(quantile),
        )

    return compute


wait_to_assessment_median = _wait_summary("to_assessment", 0.5)
wait_to_assessment_p90 = _wait_summary("to_assessment", 0.9)
wait_to_service_median = _wait_summary("to_service", 0.5)
wait_to_service_p90 = _wait_summary("to_service", 0.9)
