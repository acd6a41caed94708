"""What evaluation needs from the synthetic place: heterogeneity, donors, staggered starts, truth."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from caretrust.synthetic import (
    EFI_DEFICIT_BY_SNOMED,
    IntegrationEffects,
    SyntheticConfig,
    TrendChange,
    generate,
    rates,
    write,
)

START = dt.date(2015, 4, 1)


def _prior_year_rate_ratio(population, year: int) -> float:
    """Standardised ratio: next-year emergency admissions of people admitted in `year` against
    people of the same broad age band and eFI category who were not (observed / expected)."""
    people = population.tables["people"].to_pandas()
    enc = population.tables["encounters"].to_pandas()
    enc = enc[enc.kind == "emergency_admission"]
    t0, t1, t2 = (pd.Timestamp(START.replace(year=year + k)) for k in (0, 1, 2))
    alive = people[people.death_date.isna() | (pd.to_datetime(people.death_date) >= t2)].copy()
    age = (t1 - pd.to_datetime(alive.birth_date)).dt.days / 365.25
    alive["band"] = np.searchsorted(rates.BROAD_BANDS, age, side="right") - 1
    conditions = population.tables["conditions"].to_pandas()
    held = conditions[pd.to_datetime(conditions.onset_date) < t1]
    deficits = (
        held.assign(deficit=held.code.map(EFI_DEFICIT_BY_SNOMED))
        .groupby("person_id")
        .deficit.nunique()
    )
    alive["deficits"] = alive.person_id.map(deficits).fillna(0)
    alive["category"] = np.searchsorted(rates.EFI_CATEGORY_UPPER_DEFICITS, alive.deficits)
    start = pd.to_datetime(enc.start_date)
    before = enc[(start >= t0) & (start < t1)].groupby("person_id").size()
    after = enc[(start >= t1) & (start < t2)].groupby("person_id").size()
    alive["prior"] = alive.person_id.isin(before.index)
    alive["next"] = alive.person_id.map(after).fillna(0)
    adults = alive[alive.band >= 1]
    strata = adults.groupby(["band", "category", "prior"]).next.agg(["sum", "count"]).unstack()
    strata = strata.dropna()
    reference_rate = strata[("sum", False)] / strata[("count", False)]
    expected = (reference_rate * strata[("count", True)]).sum()
    return strata[("sum", True)].sum() / expected


@pytest.fixture(scope="module")
def heterogeneous():
    return generate(SyntheticConfig(people=6_000, comparison_people=1_000, years=3, seed=21))


def test_prior_admissions_predict_next_year_within_age_band_and_frailty(heterogeneous):
    with_latent_risk = _prior_year_rate_ratio(heterogeneous, 2016)
    flat = generate(
        SyntheticConfig(
            people=6_000, comparison_people=1_000, years=3, seed=21, person_risk_variance=0.0
        )
    )
    without = _prior_year_rate_ratio(flat, 2016)
    # gamma variance 1: the admitted carry about 1 + variance times the rate of their stratum
    assert with_latent_risk > 1.6, with_latent_risk
    assert with_latent_risk > without + 0.4, (with_latent_risk, without)


def test_person_risk_truth_has_one_row_per_person_year_alive(heterogeneous):
    risk = heterogeneous.person_risk.to_pandas()
    people = heterogeneous.tables["people"].to_pandas()
    # everyone alive for any part of a year (a death on the first day gives no exposure)
    assert set(risk.person_id) <= set(people.person_id)
    assert risk.person_id.nunique() > 0.999 * len(people)
    assert sorted(risk.year.unique()) == [2015, 2016, 2017]
    assert not risk.duplicated(["person_id", "year"]).any()
    assert (risk.expected_emergency_admissions >= 0).all()
    # the latent multiplier has mean about 1 and the configured variance
    latent = risk.drop_duplicates("person_id").latent_risk
    assert latent.mean() == pytest.approx(1.0, abs=0.05)
    assert latent.var() == pytest.approx(rates.PERSON_RISK_VARIANCE, rel=0.15)
    # the true expectation tracks what happened: the top tenth by expected risk has several
    # times the admissions of the rest
    enc = heterogeneous.tables["encounters"].to_pandas()
    enc = enc[(enc.kind == "emergency_admission")]
    enc = enc.assign(year=pd.to_datetime(enc.start_date).map(lambda d: d.year - (d.month < 4)))
    counts = enc.groupby(["person_id", "year"]).size().rename("observed")
    joined = risk.join(counts, on=["person_id", "year"]).fillna({"observed": 0})
    top = joined.expected_emergency_admissions >= joined.expected_emergency_admissions.quantile(0.9)
    assert joined[top].observed.mean() > 4 * joined[~top].observed.mean()


def test_true_admission_risk_is_the_share_admitted(heterogeneous):
    """The truth's probability of an emergency admission in the year is calibrated against what
    the generator then drew: overall, and by tenth of true risk (recalibration slope near 1)."""
    from caretrust.population.risk import auc, calibration_slope

    risk = heterogeneous.person_risk.to_pandas()
    enc = heterogeneous.tables["encounters"].to_pandas()
    enc = enc[enc.kind == "emergency_admission"]
    start = pd.to_datetime(enc.start_date)
    enc = enc.assign(year=start.dt.year - (start.dt.month < 4))
    admitted = enc.groupby(["person_id", "year"]).size().rename("n") > 0
    joined = risk.join(admitted.rename("admitted"), on=["person_id", "year"])
    observed = joined.admitted.eq(True).astype(float).to_numpy()
    true = joined.true_admission_risk.to_numpy()
    assert ((true >= 0) & (true < 1)).all()
    assert observed.mean() == pytest.approx(true.mean(), rel=0.05)
    assert calibration_slope(observed, true).slope == pytest.approx(1.0, abs=0.1)
    assert auc(observed, true) > 0.7


def _truth_rate(population, area: str, band: int, year: int) -> float:
    people = population.tables["people"].to_pandas()[["person_id", "area", "birth_date"]]
    risk = population.person_risk.to_pandas().merge(people, on="person_id")
    risk = risk[(risk.area == area) & (risk.year == year)]
    age = (pd.to_datetime(risk.year_start) - pd.to_datetime(risk.birth_date)).dt.days / 365.25
    risk = risk[np.searchsorted(rates.BROAD_BANDS, age + 0.5, side="right") - 1 == band]
    return risk.expected_emergency_admissions.sum() / risk.exposure_years.sum()


@pytest.mark.slow
def test_donor_areas_have_their_own_levels_and_linear_trends():
    population = generate(
        SyntheticConfig(
            people=1_000,
            comparison_people=3_000,
            donor_areas=4,
            donor_people=3_000,
            years=5,
            seed=4,
            person_risk_variance=0.0,
            prescriptions=False,
        )
    )
    areas = population.effects["areas"]
    donors = {name: spec for name, spec in areas.items() if name.startswith("donor_")}
    assert len(donors) == 4
    assert len({spec["emergency_level"] for spec in donors.values()}) == 4
    assert len({spec["emergency_trend_per_year"] for spec in donors.values()}) == 4
    assert {p for p in population.tables["people"]["area"].to_pylist()} >= set(donors)
    for name, spec in donors.items():
        for year in (2015, 2019):
            # within a broad band the national rates are normalised, so the truth differs from
            # the plain comparison area (level 1, no trend) by the donor's level and trend only
            ratio = _truth_rate(population, name, 3, year) / _truth_rate(
                population, "comparison_1", 3, year
            )
            factor = spec["emergency_level"] * (
                1 + spec["emergency_trend_per_year"] * (year - 2015 + 0.5)
            )
            assert ratio == pytest.approx(factor, rel=0.04), (name, year)


def test_donor_draws_depend_on_the_seed_only():
    first = SyntheticConfig(people=1_000, donor_areas=3, seed=8).areas
    again = SyntheticConfig(people=5_000, donor_areas=3, seed=8).areas
    other = SyntheticConfig(people=1_000, donor_areas=3, seed=9).areas
    assert [a.emergency_level for a in first] == [a.emergency_level for a in again]
    assert [a.emergency_level for a in first] != [a.emergency_level for a in other]


def test_staggered_starts_apply_per_locality():
    early, late = dt.date(2016, 4, 1), dt.date(2018, 4, 1)
    effects = IntegrationEffects(
        start=late,
        emergency_admissions_frail_65_plus=-1.0,  # every affected admission removed: easy to see
        locality_starts=(("torbay_north", early),),
    )
    population = generate(
        SyntheticConfig(
            people=6_000, comparison_people=1_000, years=4, seed=6, integration=effects,
            prescriptions=False,
        )
    )  # fmt: skip
    assert population.effects["locality_starts"] == {
        "torbay_north": "2016-04-01",
        "torbay_central": "2018-04-01",
        "torbay_south": "2018-04-01",
    }
    people = population.tables["people"].to_pandas()
    enc = population.tables["encounters"].to_pandas().merge(people, on="person_id")
    enc = enc[(enc.kind == "emergency_admission") & (enc.discharge_destination != "died")]
    age = (pd.to_datetime(enc.start_date) - pd.to_datetime(enc.birth_date)).dt.days / 365.25
    enc = enc[age >= 65]
    start = pd.to_datetime(enc.start_date)

    def rate(locality: str, lo: dt.date, hi: dt.date) -> float:
        mask = (enc.locality == locality) & (start >= pd.Timestamp(lo)) & (start < pd.Timestamp(hi))
        return mask.sum() / (people.locality == locality).sum()

    before = rate("torbay_north", START, early) / rate("torbay_south", START, early)
    between = rate("torbay_north", early, late) / rate("torbay_south", early, late)
    after = rate("torbay_north", late, dt.date(2019, 4, 1)) / rate(
        "torbay_south", late, dt.date(2019, 4, 1)
    )
    assert between < 0.75 * before, (before, between)
    assert after > 0.75 * before, (before, after)


def test_null_scenario_writes_zero_effects(tmp_path):
    config = SyntheticConfig(
        people=1_500,
        comparison_people=1_000,
        years=2,
        seed=2,
        integration=IntegrationEffects.null(start=dt.date(2016, 4, 1)),
        prescriptions=False,
    )
    write(config, tmp_path / "out", formats=("parquet",))
    truth = json.loads((tmp_path / "out" / "truth" / "effects.json").read_text())
    assert truth["scenario"] == "null"
    assert all(effect["size"] == 0 for effect in truth["effects"])
    risk = pq.read_table(tmp_path / "out" / "truth" / "person_risk.parquet")
    assert risk.num_rows > 2_500


@pytest.mark.slow
def test_unannounced_trend_change_is_applied_and_recorded():
    trend = TrendChange(from_year=2, annual_change=0.10)
    base = dict(people=1_000, comparison_people=4_000, years=4, seed=12, person_risk_variance=0.0,
                prescriptions=False)  # fmt: skip
    changed = generate(SyntheticConfig(**base, trend_change=trend))
    flat = generate(SyntheticConfig(**base))
    assert changed.effects["trend_change"] == {
        "from_year": 2,
        "from_date": "2017-04-01",
        "annual_change": 0.10,
        "applies_to": ["emergency_admissions", "care_home_admissions"],
        "areas": "all",
    }
    for year, factor in ((2016, 1.0), (2018, 1.1**1.5)):
        ratio = _truth_rate(changed, "comparison_1", 3, year) / _truth_rate(
            flat, "comparison_1", 3, year
        )
        assert ratio == pytest.approx(factor, rel=0.03), year


def test_same_seed_same_evaluation_place():
    config = SyntheticConfig(
        people=1_500,
        comparison_people=500,
        donor_areas=2,
        donor_people=500,
        years=3,
        seed=31,
        trend_change=TrendChange(from_year=1, annual_change=0.05),
        integration=IntegrationEffects(locality_starts=(("torbay_south", dt.date(2016, 1, 1)),)),
        prescriptions=False,
    )
    first, second = generate(config), generate(config)
    for name in first.tables:
        assert first.tables[name].equals(second.tables[name]), name
    assert first.person_risk.equals(second.person_risk)
    assert first.effects == second.effects
