"""Evaluation on small generated places: recovery of the planted effect, the null, refusals."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from caretrust.population import connect
from caretrust.population.evaluation import EvaluationSpec, evaluate, prepare
from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

# Every test here shares a generated place that takes tens of seconds to make.
pytestmark = pytest.mark.slow


START = dt.date(2019, 4, 1)
PLANTED = -0.15


def _place(root, name, **options):
    path = root / name
    config = SyntheticConfig(years=8, seed=1000, prescriptions=False, **options)
    write(config, path, formats=("parquet",))
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """6,000 people in each of Torbay and comparison_1, and 10 donors of 1,500 (fixed seed)."""
    root = tmp_path_factory.mktemp("evaluation")
    return _place(
        root,
        "planted",
        people=6_000,
        comparison_people=6_000,
        donor_areas=10,
        donor_people=1_500,
        integration=IntegrationEffects(start=START, emergency_admissions_frail_65_plus=PLANTED),
    )


@pytest.fixture(scope="module")
def null(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluation_null")
    return _place(
        root, "null", people=6_000, comparison_people=6_000,
        integration=IntegrationEffects.null(START),
    )  # fmt: skip


def _spec(design: str, **options) -> EvaluationSpec:
    return EvaluationSpec(design=design, start=START, **options)


def test_truth_records_the_planted_effect(planted):
    truth = json.loads((planted / "truth" / "effects.json").read_text())
    sizes = {e["name"]: e["size"] for e in truth["effects"]}
    assert sizes["emergency_admissions"] == PLANTED and truth["scenario"] == "planted"


def test_matched_did_covers_the_planted_effect(planted):
    result = evaluate(connect(planted), _spec("matched_did", comparison_areas=("comparison_1",)))
    assert result.status == "estimate", result.refusal
    rr = result.effect.rate_ratio
    assert rr.low <= 1 + PLANTED <= rr.high, rr
    # the three measures agree with each other
    pc = result.effect.percent_change
    assert pc.estimate == pytest.approx((rr.estimate - 1) * 100)
    difference = result.effect.absolute_difference
    assert result.effect.unit == "per 1,000 people a year"
    assert difference.estimate == pytest.approx(
        result.effect.observed - result.effect.counterfactual
    )
    assert result.cluster == "person_id" and result.clusters > 500
    names = {d.name: d for d in result.diagnostics}
    assert {"pre_trend", "placebo_date", "common_support", "balance", "e_value"} <= set(names)
    assert names["placebo_date"].status in ("pass", "warning")
    assert {row["covariate"] for row in result.balance} >= {"age", "prior_emergency", "deficits"}
    assert all("smd_before" in row and "smd_after" in row for row in result.balance)
    assert result.counts["treated_off_support"] >= 0
    assert result.counts["treated_matched"] <= result.counts["treated_in_cohort"]
    # leads and lags, the reference year (-1) left out
    events = [row["event"] for row in result.event_study]
    assert -1 not in events and min(events) == -3 and max(events) >= 3
    assert "95% CI" in result.headline and "than expected without integration" in result.headline
    implications = result.implications
    assert implications["bed_days_avoided"]["estimate"] > 0
    assert set(implications["assumptions"]) == {"bed_day", "emergency_admission"}


def test_null_scenario_covers_no_effect(null):
    result = evaluate(connect(null), _spec("matched_did"))
    assert result.status == "estimate", result.refusal
    rr = result.effect.rate_ratio
    assert rr.low <= 1.0 <= rr.high, rr


def test_same_inputs_and_seed_give_the_same_result(null):
    ds = connect(null)
    first = evaluate(ds, _spec("matched_did", seed=4)).as_dict()
    second = evaluate(connect(null), _spec("matched_did", seed=4)).as_dict()
    assert first == second
    assert len(first["data"]["snapshot_sha256"]) == 64


def test_synthetic_control_with_ten_donors(planted):
    result = evaluate(
        connect(planted),
        _spec("synthetic_control", comparison_areas=tuple(f"donor_{k:02d}" for k in range(1, 11))),
    )
    assert result.status == "estimate", result.refusal
    weights = result.donor_weights
    assert len(weights) == 10 and sum(weights.values()) == pytest.approx(1.0, abs=1e-6)
    names = {d.name: d for d in result.diagnostics}
    assert names["placebo_in_space"].value >= 1 / 11
    assert names["pre_rmspe"].value > 0
    assert len(result.series) == 4 * 7  # quarters: 3 years before the start, 4 after


def test_synthetic_control_refuses_with_too_few_donors(planted):
    result = evaluate(
        connect(planted), _spec("synthetic_control", comparison_areas=("donor_01", "donor_02"))
    )
    assert result.status == "refused" and result.effect is None
    assert "at least 10 donor areas" in result.refusal


def test_area_did_with_donor_areas(planted):
    result = evaluate(connect(planted), _spec("area_did"))
    assert result.status == "estimate", result.refusal
    assert result.cluster == "area" and result.clusters == 12
    assert {d.name for d in result.diagnostics} >= {"pre_trend", "placebo_date", "clusters"}
    # 12 clusters is few: flagged; with one treated area and 11 comparison areas the interval
    # comes from placebos in space, the cluster-robust one is kept as a flagged diagnostic
    statuses = {d.name: d.status for d in result.diagnostics}
    assert statuses["clusters"] == "warning"
    assert statuses["cluster_robust_interval"] == "warning"
    assert result.effect.interval_kind == "placebo in space (11 comparison areas)"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (_spec("matched_did", comparison_areas=("torbay",)), "must not overlap"),
        (_spec("matched_did", pre_years=5), "fewer than the 5 pre-period years"),
        (EvaluationSpec("matched_did", start=dt.date(2015, 6, 1)), "No pre-period"),
        (_spec("staggered", twfe_only=True), "two-way fixed effects estimate alone is refused"),
        (_spec("area_did", comparison_areas=("comparison_1",)), "at least 4 comparison areas"),
        (_spec("regression"), "Unknown design"),
    ],
)
def test_designs_that_cannot_answer_refuse_in_words(null, spec, words):
    result = evaluate(connect(null), spec)
    assert result.status == "refused" and result.effect is None
    assert words in result.refusal
    assert result.headline.startswith("No estimate")


def test_staggered_starts_give_group_time_effects(tmp_path):
    starts = (("torbay_north", dt.date(2018, 4, 1)), ("torbay_south", dt.date(2020, 4, 1)))
    path = _place(
        tmp_path, "staggered", people=6_000, comparison_people=6_000,
        integration=IntegrationEffects(start=START, locality_starts=starts),
    )  # fmt: skip
    truth = json.loads((path / "truth" / "effects.json").read_text())
    assert truth["locality_starts"]["torbay_south"] == "2020-04-01"
    result = evaluate(connect(path), _spec("staggered", locality_starts=starts, bootstrap=99))
    assert result.status == "estimate", result.refusal
    assert result.counts["treated_localities"] == 3 and result.counts["localities"] == 5
    assert result.cluster == "locality"
    events = {row["event"] for row in result.event_study}
    assert {-2, 0, 1} <= events
    rr = result.effect.rate_ratio
    assert rr.low <= 1 + PLANTED <= rr.high, rr
    assert {d.name: d.status for d in result.diagnostics}["twfe_comparison"] == "warning"


def test_area_months_count_every_outcome_event_once(null):
    ds = connect(null)
    index = dt.date(2016, 4, 1)
    cohort = prepare.cohort(ds, index)
    months = prepare.to_frame(
        ds,
        prepare.area_months(
            ds, cohort, index, dt.date(2019, 4, 1), prepare.OUTCOMES["emergency_admissions"]
        ),
        ["area", "locality", "month"],
    )
    assert months.month.nunique() == 36
    members = ds.execute(cohort.select("person_id", "death_date"))
    enc = ds.execute(ds.table("encounters"))
    enc = enc[
        enc.person_id.isin(members.person_id)
        & (enc.kind == "emergency_admission")
        & (enc.discharge_destination != "died")
        & (pd.to_datetime(enc.start_date) >= pd.Timestamp(index))
        & (pd.to_datetime(enc.start_date) < pd.Timestamp(2019, 4, 1))
    ]
    assert months.events.sum() == len(enc)
    # person-years: days alive in the window, summed
    stop = pd.to_datetime(members.death_date).fillna(pd.Timestamp(2019, 4, 1))
    stop = stop.clip(upper=pd.Timestamp(2019, 4, 1))
    days = (stop - pd.Timestamp(index)).dt.days.clip(lower=0)
    assert months.person_years.sum() == pytest.approx(days.sum() / 365.25)
