"""The three planted integration effects, each estimated back by the matched design.

Emergency admissions of frail people 65+ (rate ratio 1 + planted change), care home admissions
(rate ratio 1 - share diverted to home care) and emergency length of stay (bed days per stay,
ratio 1 + planted change), each compared with its effect in the place's own truth/effects.json.
The data preparation of the two new outcomes is checked against the Parquet tables read
directly, on DuckDB and (marked spark) on Spark.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from caretrust.population import connect
from caretrust.population.evaluation import EvaluationSpec, evaluate, prepare
from caretrust.population.evaluation.report import render
from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

START = dt.date(2019, 4, 1)
NEW_OUTCOMES = ("care_home_admissions", "emergency_length_of_stay")
PLANTED_OUTCOMES = ("emergency_admissions", *NEW_OUTCOMES)


def _write(path, seed: int, integration: IntegrationEffects, people: int, years: int = 8):
    config = SyntheticConfig(
        people=people, comparison_people=people, years=years, seed=seed, prescriptions=False,
        integration=integration,
    )  # fmt: skip
    write(config, path, formats=("parquet",))
    return path


def _truth(path) -> dict:
    return json.loads((path / "truth" / "effects.json").read_text())


# --- which planted effect each outcome is compared with (no place needed) ----------------------


def test_each_outcome_is_compared_with_its_own_planted_effect():
    truth = SyntheticConfig(people=100, integration=IntegrationEffects(start=START)).truth()
    ratios = {
        name: prepare.planted_rate_ratio(truth, prepare.OUTCOMES[name]) for name in PLANTED_OUTCOMES
    }
    assert ratios == pytest.approx(
        {
            "emergency_admissions": 0.85,
            "care_home_admissions": 0.80,
            "emergency_length_of_stay": 0.85,
        }
    )
    null = SyntheticConfig(people=100, integration=IntegrationEffects.null(START)).truth()
    for name in PLANTED_OUTCOMES:
        assert prepare.planted_rate_ratio(null, prepare.OUTCOMES[name]) == 1.0
    assert prepare.planted_rate_ratio(truth, prepare.OUTCOMES["ae_attendances"]) is None


def test_outcomes_carry_their_units():
    outcomes = prepare.OUTCOMES
    assert outcomes["emergency_admissions"].unit == "per 1,000 people a year"
    assert outcomes["care_home_admissions"].unit == "per 1,000 people a year"
    assert outcomes["emergency_length_of_stay"].unit == "days per stay"
    assert outcomes["emergency_length_of_stay"].scale == 1.0
    assert outcomes["care_home_admissions"].scale == 1000.0


# --- data preparation on both engines ----------------------------------------------------------

INDEX = dt.date(2016, 4, 1)
END = dt.date(2018, 4, 1)
WINDOWS = [("pre", INDEX, dt.date(2017, 4, 1)), ("post", dt.date(2017, 4, 1), END)]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("evaluation_outcomes_prepare") / "place"
    return _write(path, 9, IntegrationEffects(start=dt.date(2017, 4, 1)), people=1_500, years=3)


def _windows(ds, name: str) -> pd.DataFrame:
    cohort = prepare.cohort(ds, INDEX, prepare.CohortRule(frail_only=False))
    expr = prepare.person_windows(ds, cohort, WINDOWS, prepare.OUTCOMES[name])
    return prepare.to_frame(ds, expr, ["person_id", "window"])


def _in_window(days: pd.Series, window: tuple[str, dt.date, dt.date]) -> pd.Series:
    days = pd.to_datetime(days)
    return (days >= pd.Timestamp(window[1])) & (days < pd.Timestamp(window[2]))


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_length_of_stay_counts_stays_as_exposure_and_bed_days_as_events(small, backend, request):
    session = request.getfixturevalue("spark_session") if backend == "spark" else None
    ds = connect(small, backend, **({"session": session} if session else {}))
    frame = _windows(ds, "emergency_length_of_stay")
    enc = pd.read_parquet(small / "encounters.parquet")
    stays = enc[
        (enc.kind == "emergency_admission")
        & (enc.discharge_destination.fillna("") != "died")
        & enc.person_id.isin(frame.person_id)
    ]
    bed_days = (pd.to_datetime(stays.end_date) - pd.to_datetime(stays.start_date)).dt.days
    for window in WINDOWS:
        inside = _in_window(stays.start_date, window)
        rows = frame[frame.window == window[0]]
        assert rows.exposure.sum() == inside.sum() > 0  # stays starting in the window
        assert rows.events.sum() == bed_days[inside].sum() > 0  # their bed days
    # stays are whole numbers; a person with none has no exposure and drops out of the model
    assert (frame.exposure == frame.exposure.round()).all()
    assert ((frame.exposure == 0) <= (frame.events == 0)).all()


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_care_home_admissions_are_first_residential_or_nursing_services(small, backend, request):
    session = request.getfixturevalue("spark_session") if backend == "spark" else None
    ds = connect(small, backend, **({"session": session} if session else {}))
    frame = _windows(ds, "care_home_admissions")
    events = pd.read_parquet(small / "social_care_events.parquet")
    homes = events[
        (events.event_type == "service")
        & (events.client_type == "service_user")
        & events.service_type.isin(["long_term_residential", "long_term_nursing"])
    ]
    first = homes.groupby("person_id").start_date.min()
    first = first[first.index.isin(frame.person_id)]
    total = 0
    for window in WINDOWS:
        expected = int(_in_window(first, window).sum())
        assert frame[frame.window == window[0]].events.sum() == expected
        total += expected
    assert total > 0
    assert frame.events.max() <= 1  # a person is admitted for the first time once
    # exposure is person-years alive, as for emergency admissions
    admissions = _windows(ds, "emergency_admissions")
    pd.testing.assert_series_equal(frame.exposure, admissions.exposure)


@pytest.mark.spark
def test_duckdb_and_spark_prepare_the_same_outcome_tables(small, spark_session):
    for name in NEW_OUTCOMES:
        duck = _windows(connect(small), name)
        spark = _windows(connect(small, "spark", session=spark_session), name)[duck.columns]
        for frame in (duck, spark):
            frame["window_start"] = pd.to_datetime(frame.window_start)
        pd.testing.assert_frame_equal(duck, spark, check_dtype=False, obj=name)


# --- estimates on a fixed seed: planted and null -----------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """20,000 people in each of Torbay and comparison_1, all three effects planted."""
    path = tmp_path_factory.mktemp("evaluation_outcomes_planted") / "place"
    return _write(path, 2004, IntegrationEffects(start=START), people=20_000)


@pytest.fixture(scope="module")
def null(tmp_path_factory):
    path = tmp_path_factory.mktemp("evaluation_outcomes_null") / "place"
    return _write(path, 2004, IntegrationEffects.null(START), people=20_000)


def _matched(path, outcome: str):
    spec = EvaluationSpec(
        "matched_did", start=START, outcome=outcome, seed=2004, comparison_areas=("comparison_1",)
    )
    result = evaluate(connect(path), spec)
    assert result.status == "estimate", result.refusal
    return result


@pytest.mark.slow
@pytest.mark.parametrize("outcome", PLANTED_OUTCOMES)
def test_each_planted_effect_is_within_its_interval(planted, outcome):
    truth = prepare.planted_rate_ratio(_truth(planted), prepare.OUTCOMES[outcome])
    assert truth is not None and truth < 1
    result = _matched(planted, outcome)
    effect = result.effect
    assert effect.covers(truth), (truth, effect.rate_ratio)
    assert effect.unit == prepare.OUTCOMES[outcome].unit
    assert effect.absolute_difference.estimate == pytest.approx(
        effect.observed - effect.counterfactual
    )
    assert {d.name for d in result.diagnostics} >= {"pre_trend", "placebo_date", "balance"}
    assert result.data["outcome_unit"] == effect.unit


@pytest.mark.slow
@pytest.mark.parametrize("outcome", PLANTED_OUTCOMES)
def test_the_null_scenario_covers_no_effect(null, outcome):
    assert prepare.planted_rate_ratio(_truth(null), prepare.OUTCOMES[outcome]) == 1.0
    assert _matched(null, outcome).effect.covers(1.0)


@pytest.mark.slow
def test_length_of_stay_is_reported_in_days_per_stay(planted):
    result = _matched(planted, "emergency_length_of_stay")
    assert result.headline.startswith("Emergency length of stay of frail people aged 65+ was ")
    assert "shorter" in result.headline or "longer" in result.headline
    # observed bed days per stay of older frail people: days, not thousands
    assert 3 < result.effect.observed < 20
    implications = result.implications
    assert implications["stays"] > 0 and "bed_days_avoided" in implications
    assert "bed_day" in implications["costs_used"]
    page = render(result)
    assert "Ratio of bed days per stay" in page and "Difference (days per stay)" in page
    assert "Bed days avoided" in page
    saved = json.loads(json.dumps(result.as_dict()))
    assert saved["effect"]["unit"] == "days per stay"


@pytest.mark.slow
def test_care_home_admissions_are_reported_per_1000_people_a_year(planted):
    result = _matched(planted, "care_home_admissions")
    assert result.headline.startswith("Care home admissions of frail people aged 65+ were ")
    assert "first long-term residential or nursing service" in result.data["outcome_definition"]
    page = render(result)
    assert "Difference (per 1,000 people a year)" in page
    assert "Care home admissions avoided" in page
