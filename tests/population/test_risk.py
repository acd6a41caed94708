import datetime as dt

import numpy as np
import pytest

from caretrust.population import connect
from caretrust.population.risk import evaluate, features, stratify, top_fraction
from tests.population.contract import World

D = dt.date


def test_top_fraction_ppv_and_sensitivity_by_hand():
    observed = np.array([1, 0, 1, 0, 0, 0, 0, 0, 1, 0], dtype=float)
    predicted = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    order = np.argsort(-predicted)
    top = top_fraction(observed, order, 0.3)  # flags the 3 highest: 2 of them admitted
    assert (top.people, top.ppv, top.sensitivity) == (3, 2 / 3, 2 / 3)
    assert top_fraction(observed, order, 0.005).people == 1  # always at least one person


def test_calibration_by_decile_and_auc():
    observed = np.array([0] * 10 + [1] * 10, dtype=float)
    predicted = np.linspace(0.01, 0.2, 20)
    metrics = evaluate(observed, predicted)
    assert metrics.auc == 1.0
    assert len(metrics.calibration) == 10
    assert metrics.calibration[0][2] == 0.0 and metrics.calibration[-1][2] == 1.0
    assert metrics.calibration[0][1] == pytest.approx((0.01 + 0.02) / 2)


def test_features_count_the_previous_year(tmp_path, backend):
    w = World()
    p = w.person("P1", D(1940, 6, 1), sex="male", lives_alone=True)
    w.spell(p, D(2023, 1, 1), D(2023, 1, 11))  # 10 bed days, in the year
    w.spell(p, D(2022, 3, 1), D(2022, 3, 5))  # more than 365 days before: out
    w.spell(p, D(2023, 2, 1), kind="ae")
    w.spell(p, D(2023, 6, 1))  # after the date: the outcome
    w.social_care(p, "service", D(2021, 1, 1), service_type="long_term_community")
    w.condition(p, "84114007", D(2020, 1, 1))
    w.person("P2", D(2010, 1, 1))  # a child: not scored
    ds = connect(w.write(tmp_path))
    frame = ds.execute(features(ds, D(2023, 3, 31))).set_index("person_id")
    assert list(frame.index) == ["P1"]
    got = frame.loc["P1"]
    assert (got.age, got.female, got.lives_alone) == (82, 0, 1)
    assert (got.emergency_admissions, got.bed_days, got.ae_attendances) == (1, 10, 1)
    assert (got.social_care_services, got.n_conditions, got.efi_deficits) == (1, 1, 1)
    assert got.outcome == 1


def test_model_learns_a_planted_signal(tmp_path, backend):
    """People admitted last year are admitted again next year; others are not."""
    rng = np.random.default_rng(3)
    w = World()
    for i in range(400):
        pid = w.person(f"P{i}", D(1940 + i % 40, 1, 1))
        frequent = rng.random() < 0.3
        for year in (2021, 2022, 2023):
            if frequent or rng.random() < 0.05:
                w.spell(pid, D(year, 6, 1), D(year, 6, 4))
    ds = connect(w.write(tmp_path))
    result = stratify(ds, D(2024, 3, 31))
    assert result.train_as_of == D(2022, 3, 31) and result.test_as_of == D(2023, 3, 31)
    assert result.metrics.auc > 0.8
    assert result.scores.risk.between(0, 1).all()
    assert set(result.scores.columns) == {
        "person_id",
        "score_date",
        "model",
        "risk",
        "rank_percentile",
    }
