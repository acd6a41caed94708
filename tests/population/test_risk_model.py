"""The risk model worth using (issue #21 item 3): features that stop at the prediction date, the
calibration and top-fraction metrics by hand, and on a generated place with person-level
heterogeneity the model against age alone and against the generator's own true risk."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from caretrust.population import connect
from caretrust.population.risk import (
    FEATURES,
    calibration_slope,
    evaluate,
    features,
    stratify,
    top_fraction,
)
from tests.population.contract import World

D = dt.date
AS_OF = D(2023, 3, 31)


def test_calibration_slope_and_intercept_by_hand():
    # Two groups, so the recalibration fit is saturated and reproduces each group's observed
    # share exactly. Predicted 0.2 / 0.5, observed 1 of 5 (0.2) and 4 of 5 (0.8):
    # logit 0.8 = ln 4 = a + b·logit 0.5 = a, and logit 0.2 = −ln 4 = a − b·ln 4, so a = ln 4, b = 2.
    observed = np.array([1, 0, 0, 0, 0, 1, 1, 1, 1, 0], dtype=float)
    predicted = np.array([0.2] * 5 + [0.5] * 5)
    cal = calibration_slope(observed, predicted)
    assert cal.slope == pytest.approx(2.0, abs=1e-8)
    assert cal.intercept == pytest.approx(math.log(4), abs=1e-8)
    # observed shares equal to the predictions: perfectly calibrated, slope 1 and intercept 0
    perfect = calibration_slope(
        np.array([1, 0, 0, 0, 0, 1, 1, 0, 0], float), np.array([0.2] * 5 + [0.5] * 4)
    )
    assert (perfect.slope, perfect.intercept) == (pytest.approx(1.0), pytest.approx(0.0, abs=1e-9))


def test_ppv_and_sensitivity_at_the_top_half_one_and_five_percent_by_hand():
    predicted = np.linspace(1.0, 0.001, 1000)  # person 0 highest
    observed = np.zeros(1000)
    observed[[0, 1, 2, 7, 20, 100, 500]] = 1  # 7 admitted
    metrics = evaluate(observed, predicted)
    got = [(t.fraction, t.people, t.ppv, t.sensitivity) for t in metrics.top]
    assert got == [
        (0.005, 5, 3 / 5, 3 / 7),  # people 0–4: 0, 1, 2
        (0.01, 10, 4 / 10, 4 / 7),  # and 7
        (0.05, 50, 5 / 50, 5 / 7),  # and 20
    ]
    assert top_fraction(observed, np.argsort(-predicted), 0.0001).people == 1


def _history(w: World, *, extract_on: dt.date | None) -> None:
    """One person's record; with `extract_on`, as a record extracted that day would hold it:
    nothing after the day, and a spell still open then has no end date yet."""
    p = w.person("P1", D(1940, 6, 1))
    rows = [
        (D(2022, 3, 21), D(2022, 4, 10)),  # began before the year: 10 bed days in it
        (D(2023, 3, 20), D(2023, 4, 20)),  # still open on the date: 11 bed days up to it
        (D(2023, 5, 1), D(2023, 5, 30)),  # after the date: only the outcome
    ]
    for start, end in rows:
        if extract_on is not None and start > extract_on:
            continue
        w.spell(p, start, end)
        if extract_on is not None and end > extract_on:
            w.rows["encounters"][-1]["end_date"] = None
    for day, kind in ((D(2023, 1, 5), "ae"), (D(2023, 4, 2), "ae"), (D(2023, 2, 1), "gp")):
        if extract_on is None or day <= extract_on:
            w.spell(p, day, kind=kind)
    if extract_on is None:
        w.spell(p, D(2023, 6, 1), kind="gp")
        w.condition(p, "84114007", D(2023, 7, 1))  # onset after the date
        w.social_care(p, "service", D(2023, 8, 1), service_type="long_term_residential")
    w.condition(p, "195967001", D(2019, 1, 1))


def test_features_stop_at_the_prediction_date(tmp_path):
    full, extract = World(), World()
    _history(full, extract_on=None)
    _history(extract, extract_on=AS_OF)
    got = connect(full.write(tmp_path / "full"))
    got = got.execute(features(got, AS_OF)).set_index("person_id").loc["P1"]
    cut = connect(extract.write(tmp_path / "cut"))
    cut = cut.execute(features(cut, AS_OF, with_outcome=False)).set_index("person_id").loc["P1"]
    assert got.bed_days == 10 + 11  # clipped at both ends of the year, not to 20 + 31
    assert (got.in_hospital, got.emergency_admissions, got.emergency_admissions_2y) == (1, 1, 2)
    assert (got.ae_attendances, got.gp_contacts, got.n_conditions, got.care_home) == (1, 1, 1, 0)
    assert got.outcome == 1  # the May admission
    # everything after the date could be deleted: the features do not move
    assert {f: int(got[f]) for f in FEATURES} == {f: int(cut[f]) for f in FEATURES}


# A small generated place: 20,000 people in the integrated area and 5,000 in the comparison area,
# 10 years from 1 April 2015, seed 21, latent risk variance 1 (the default), no prescriptions
# (eFI then counts no polypharmacy). The model is tested as at 31 March 2024 on the year from
# 1 April 2024, the generator's own simulated year, so its true risk is exactly comparable.
PLACE = {"people": 20_000, "comparison_people": 5_000, "years": 10, "seed": 21}


@pytest.fixture(scope="module")
def heterogeneous_place(tmp_path_factory):
    from caretrust.synthetic import SyntheticConfig, write

    out = tmp_path_factory.mktemp("risk_place")
    write(SyntheticConfig(**PLACE, prescriptions=False), out, formats=("parquet",))
    return out


@pytest.mark.slow
def test_on_a_heterogeneous_place_the_model_beats_age_and_nears_the_true_risk(
    heterogeneous_place,
):
    result = stratify(
        connect(heterogeneous_place),
        D(2025, 3, 31),
        truth=heterogeneous_place / "truth" / "person_risk.parquet",
    )
    model, age, true = result.metrics, result.age_only, result.true_risk
    assert result.true_risk_year_start == D(2024, 4, 1)
    figures = (model.auc, age.auc, true.auc, model.slope)
    assert model.auc - age.auc >= 0.05, figures
    assert abs(true.auc - model.auc) <= 0.03, figures
    assert 0.9 <= model.slope <= 1.1, figures
    assert model.n > 15_000 and 0.05 < model.prevalence < 0.25
    # the kept model is the better of the two on validation, and says so
    choice = result.choice
    assert choice.validation_auc[choice.kept] == max(choice.validation_auc.values())
    assert result.scores.model.iloc[0] == result.model_name
    report = result.report()
    assert report["kept"] in report["reason"].replace(" ", "_")
    assert len(report["test"]["calibration"]) == 10
    assert [t["fraction"] for t in report["test"]["top"]] == [0.005, 0.01, 0.05]
