"""Distributions in the generated data against the documented rates (rates.py).

Expected values are computed from the published rates applied to the population's own age mix,
so a test fails if the simulation drifts from its sources. Tolerances allow for sampling noise
at 10,000 people per area (about 2,500 aged 65+).
"""

from __future__ import annotations

import numpy as np

from caretrust.synthetic import rates

COMPARISON = "comparison_1"

# person-years by year, broad band and five-year band for people alive at each mid-year
PERSON_YEARS = """
with years as (
  select y, make_date(2015 + y, 10, 1) as mid, make_date(2015 + y, 4, 1) as s,
         make_date(2016 + y, 4, 1) as e from range(10) t(y)
)
select p.*, y, s, e, floor(date_diff('day', birth_date, mid) / 365.25) as age
from people p, years
where area = '{area}' and (death_date is null or death_date > mid)
"""


def _band(ages, bands):
    return np.searchsorted(bands, ages, side="right") - 1


def test_age_structure_matches_area_share_aged_65_plus(db):
    rows = db.sql("""
        select area, avg((date_diff('day', birth_date, date '2015-04-01') >= 65 * 365.25)::int)
        from people group by area""").fetchall()
    shares = dict(rows)
    assert abs(shares["torbay"] - rates.TORBAY_SHARE_65_PLUS) < 0.015
    assert abs(shares[COMPARISON] - rates.COMPARISON_SHARE_65_PLUS) < 0.015


def test_age_shape_within_65_plus_follows_england(db):
    ages = np.array(db.sql("""select date_diff('day', birth_date, date '2015-04-01') / 365.25 as age
        from people where area = 'comparison_1'""").fetchnumpy()["age"])  # fmt: skip
    old = ages[ages >= 65]
    observed = np.bincount(_band(old, np.array([65, 75, 85])), minlength=3) / len(old)
    england = rates.ENGLAND_POPULATION_THOUSANDS[13:]
    expected = np.array([england[:2].sum(), england[2:4].sum(), england[4:].sum()]) / england.sum()
    assert np.allclose(observed, expected, atol=0.03)


def _expected_per_person(db, area, per_band) -> float:
    ages = db.sql(PERSON_YEARS.format(area=area) + " and age >= 65").fetchnumpy()["age"]
    return float(np.mean(per_band[_band(ages, rates.BROAD_BANDS)]))


def test_emergency_admissions_per_1000_aged_65_plus(db):
    observed = db.sql("""
        select count(*) from encounters e join people p using (person_id)
        where p.area = 'comparison_1' and e.kind = 'emergency_admission'
          and e.start_date >= '2015-04-01' and e.start_date < '2025-04-01'
          and date_diff('day', p.birth_date, e.start_date) >= 65 * 365.25""").fetchone()[0]
    person_years = db.sql(f"select count(*) from ({PERSON_YEARS.format(area=COMPARISON)}) "
                          "where age >= 65").fetchone()[0]  # fmt: skip
    rate = 1000 * observed / person_years
    expected = _expected_per_person(db, COMPARISON, rates.EMERGENCY_ADMISSIONS_PER_1000)
    assert abs(rate / expected - 1) < 0.10, (rate, expected)


def test_care_home_admissions_per_100000_aged_65_plus(db):
    observed = db.sql("""
        select count(*) from social_care_events s join people p using (person_id)
        where p.area = 'comparison_1'
          and s.service_type in ('long_term_residential', 'long_term_nursing')
          and date_diff('day', p.birth_date, s.start_date) >= 65 * 365.25""").fetchone()[0]
    person_years = db.sql(f"select count(*) from ({PERSON_YEARS.format(area=COMPARISON)}) "
                          "where age >= 65").fetchone()[0]  # fmt: skip
    rate = 100_000 * observed / person_years
    expected = _expected_per_person(db, COMPARISON, rates.CARE_HOME_ADMISSIONS_PER_100000)
    assert abs(rate / expected - 1) < 0.30, (rate, expected)


def test_mortality_aged_65_plus_follows_life_tables(db):
    alive = db.sql(PERSON_YEARS.format(area=COMPARISON) + " and age >= 65").fetchnumpy()
    five = np.minimum((alive["age"] // 5).astype(int), 18)
    female = np.asarray(alive["sex"]) == "female"
    expected = np.where(female, rates.DEATHS_PER_1000_FEMALE[five],
                        rates.DEATHS_PER_1000_MALE[five]).sum() / 1000  # fmt: skip
    deaths = db.sql("""select count(*) from people where area = 'comparison_1'
        and death_date < date '2025-04-01'
        and date_diff('day', birth_date, death_date) >= 65 * 365.25""").fetchone()[0]
    assert abs(deaths / expected - 1) < 0.12, (deaths, expected)


def test_frailer_people_are_admitted_more(db):
    """Risk is coherent: many recorded conditions at the start -> more admissions."""
    rows = db.sql("""
        with counts as (
          select p.person_id, count(c.code) as n
          from people p left join conditions c
            on c.person_id = p.person_id and c.onset_date < date '2015-04-01'
          where date_diff('day', p.birth_date, date '2015-04-01') between 75 * 365.25 and 85 * 365.25
          group by p.person_id
        ), admitted as (
          select person_id, count(*) as a from encounters
          where kind = 'emergency_admission' and start_date < date '2016-04-01'
          group by person_id
        )
        select n >= 5 as frail, avg(coalesce(a, 0)) from counts left join admitted using (person_id)
        group by frail order by frail""").fetchall()
    (_, fit_rate), (_, frail_rate) = rows
    assert frail_rate > 1.5 * fit_rate
