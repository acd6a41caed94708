"""The initial stock: people already in care homes and on home care on the record's first day."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from caretrust.synthetic import IntegrationEffects, SyntheticConfig, generate

START = dt.date(2015, 4, 1)
BASE = dict(
    people=4_000,
    comparison_people=4_000,
    years=4,
    seed=21,
    start=START,
    integration=IntegrationEffects.null(),
    prescriptions=False,
)


def _services(population) -> pd.DataFrame:
    events = population.tables["social_care_events"].to_pandas()
    return events[events.event_type == "service"]


def _days_in(services: pd.DataFrame, kind: str, year: int) -> float:
    lo, hi = pd.Timestamp(dt.date(year, 4, 1)), pd.Timestamp(dt.date(year + 1, 4, 1))
    rows = services[services.service_type == kind]
    start = pd.to_datetime(rows.start_date).clip(lower=lo)
    end = (pd.to_datetime(rows.end_date) + pd.Timedelta(days=1)).fillna(hi).clip(upper=hi)
    return float((end - start).dt.days.clip(lower=0).sum())


def test_stock_is_there_on_the_first_day_and_stays_level():
    stocked = generate(SyntheticConfig(**BASE, initial_stock=True))
    empty = generate(SyntheticConfig(**BASE))
    assert stocked.effects["initial_stock"] is True and empty.effects["initial_stock"] is False
    services = _services(stocked)
    before = services[pd.to_datetime(services.start_date) < pd.Timestamp(START)]
    assert {"long_term_residential", "long_term_nursing", "long_term_community"} <= set(
        before.service_type
    )
    assert _services(empty).start_date.min() >= START
    # a service begun before the record has its reviews and its carer's support only from the
    # first day on (requests just before the first day's admissions predate it in both)
    events = stocked.tables["social_care_events"].to_pandas()
    early = events[pd.to_datetime(events.start_date) < pd.Timestamp(START)]
    assert "review" not in set(early.event_type)
    assert "carer" not in set(early.client_type)
    # care-home days: level from the first year with the stock, built up from nothing without it
    for kind in ("long_term_residential", "long_term_nursing"):
        first, last = _days_in(services, kind, 2015), _days_in(services, kind, 2018)
        assert 0.75 < last / first < 1.35, (kind, first, last)
        built = _days_in(_services(empty), kind, 2018) / _days_in(_services(empty), kind, 2015)
        assert built > 1.8, (kind, built)


def test_care_home_prevalence_rises_with_age_to_a_plausible_level():
    stocked = generate(SyntheticConfig(**BASE, initial_stock=True))
    people = stocked.tables["people"].to_pandas()
    services = _services(stocked)
    homes = services[
        services.service_type.isin(["long_term_residential", "long_term_nursing"])
        & (pd.to_datetime(services.start_date) < pd.Timestamp(START))
    ]
    age = (pd.Timestamp(START) - pd.to_datetime(people.birth_date)).dt.days / 365.25
    resident = people.person_id.isin(homes.person_id)
    share = {band: resident[(age >= lo) & (age < hi)].mean() for band, lo, hi in (
        ("18-64", 18, 65), ("65-84", 65, 85), ("85+", 85, 200))}  # fmt: skip
    assert share["18-64"] < share["65-84"] < share["85+"]
    # England: about 4% of people 65+ and about 15% of 85+ live in a care home (ONS Census 2021)
    assert 0.05 < share["85+"] < 0.35, share
