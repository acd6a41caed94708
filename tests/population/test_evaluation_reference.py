"""Reference reproductions (evaluation-and-planning.md section 1, "Offline reference results").

Organ donations (Kessler & Roth; causaldata): TWFE and event study as pyfixest 0.60 gives them;
castle doctrine (Cheng & Hoekstra; causaldata): Callaway-Sant'Anna as `differences` 0.3 gives it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caretrust.population.evaluation import models, panel
from caretrust.population.evaluation.panel import Refusal

causaldata = pytest.importorskip("causaldata")


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    od = causaldata.organ_donations.load_pandas().data.copy()
    od["Treated"] = ((od.State == "California") & (od.Quarter_Num > 3)).astype(int)
    return od


def test_organ_donation_twfe_matches_pyfixest(organ):
    fit = models.ols_fe(organ, "Rate", ["Treated"], ["State", "Quarter"], cluster="State")
    assert fit.estimate("Treated") == pytest.approx(-0.022459, abs=5e-7)
    assert fit.se("Treated", "iid") == pytest.approx(0.020497, abs=5e-7)
    # CRV1 with pyfixest's small-sample factor: the State effects are nested in the clusters
    assert fit.se("Treated") == pytest.approx(0.006131, abs=5e-7)
    assert fit.clusters == 27 and fit.cluster == "State"


def test_organ_donation_event_study_matches_pyfixest(organ):
    frame = organ.copy()
    names = []
    for quarter in (1, 2, 4, 5, 6):  # quarter 3 (the last before treatment) is the reference
        name = f"cal_q{quarter}"
        frame[name] = ((frame.State == "California") & (frame.Quarter_Num == quarter)).astype(int)
        names.append(name)
    fit = models.ols_fe(frame, "Rate", names, ["State", "Quarter"], cluster="State")
    coefficients = [fit.estimate(n) for n in names]
    np.testing.assert_allclose(
        coefficients, [-0.002942, 0.006296, -0.021565, -0.020292, -0.022165], atol=5e-7
    )
    np.testing.assert_allclose([fit.se(n, "iid") for n in names], [0.036055] * 5, atol=5e-7)
    np.testing.assert_allclose(
        [fit.se(n) for n in names], [0.00508, 0.00227, 0.00503, 0.00447, 0.01001], atol=5e-6
    )


@pytest.fixture(scope="module")
def castle() -> pd.DataFrame:
    d = causaldata.castle.load_pandas().data.copy()
    d["year"] = d.year.astype("int64")
    d["sid"] = d.sid.astype("int64")
    first = d[d.post == 1].groupby("sid").year.min()
    d["cohort"] = d.sid.map(first).fillna(0).astype("int64")
    return d


def test_castle_cohorts_are_as_published(castle):
    sizes = castle.groupby("sid").cohort.first().value_counts().to_dict()
    assert sizes == {0: 29, 2006: 1, 2007: 13, 2008: 4, 2009: 2, 2010: 1}


def test_castle_callaway_santanna_matches_differences(castle):
    result = panel.callaway_santanna(
        castle, outcome="l_homicide", unit="sid", time="year", cohort="cohort", bootstrap=49
    )
    assert result.simple == pytest.approx(0.019403, abs=5e-7)
    assert result.event_overall == pytest.approx(0.0591, abs=5e-5)
    assert result.group_overall == pytest.approx(0.0115, abs=5e-5)
    # ATT(g, g-1) is zero by construction of the base period
    assert (result.att[result.att.event == -1].att.abs() < 1e-12).all()
    assert result.se_simple > 0 and result.clusters == 50


def test_castle_twfe_matches_pyfixest(castle):
    fit = models.ols_fe(castle, "l_homicide", ["post"], ["sid", "year"], cluster="sid")
    assert fit.estimate("post") == pytest.approx(0.069398, abs=5e-7)
    assert fit.se("post") == pytest.approx(0.05586, abs=5e-6)


def test_callaway_santanna_refuses_without_never_treated(castle):
    treated_only = castle[castle.cohort > 0]
    with pytest.raises(Refusal, match="never-treated"):
        panel.callaway_santanna(
            treated_only, outcome="l_homicide", unit="sid", time="year", cohort="cohort"
        )


def test_e_value_matches_vanderweele_and_ding():
    # their worked example: a risk ratio of 3.9 needs an E-value of 7.26
    assert models.e_value(3.9) == pytest.approx(7.26, abs=0.005)
    assert models.e_value(1 / 3.9) == pytest.approx(models.e_value(3.9))
    assert models.e_value_ci(0.8, 1.1) == 1.0


def _panel(donors: int, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    periods = [f"{2015 + q // 4}Q{q % 4 + 1}" for q in range(24)]
    trend = np.linspace(0, 1, 24)
    series = {
        f"d{j:02d}": 100 + 10 * rng.normal() + 20 * rng.normal() * trend + rng.normal(0, 1, 24)
        for j in range(donors)
    }
    frame = pd.DataFrame(series, index=periods)
    weights = np.zeros(donors)
    weights[[0, 3]] = (0.3, 0.7)
    treated = frame.to_numpy() @ weights
    treated[16:] *= 0.8  # a planted 20% fall from 2019Q1
    frame["treated"] = treated
    return frame, weights


def test_synthetic_control_recovers_a_convex_combination():
    frame, weights = _panel(12)
    result = panel.synthetic_control(frame, "treated", "2019Q1")
    fitted = np.array([result.weights[f"d{j:02d}"] for j in range(12)])
    assert fitted.sum() == pytest.approx(1.0) and (fitted >= 0).all()
    np.testing.assert_allclose(fitted, weights, atol=0.02)
    assert result.rate_ratio == pytest.approx(0.8, abs=0.01)
    assert result.pre_rmspe < 0.2
    # the treated unit's post/pre ratio is the most extreme: p is its smallest possible value
    assert result.p_value == pytest.approx(1 / 13)
    assert set(result.placebo_ratios) == {f"d{j:02d}" for j in range(12)}


def test_synthetic_control_p_value_is_at_least_one_over_j_plus_one():
    frame, _ = _panel(11, seed=5)
    frame["treated"] = frame["d01"] * 1.0  # no effect at all
    result = panel.synthetic_control(frame.drop(columns="d01"), "treated", "2019Q1")
    assert 1 / 10 <= result.p_value <= 1.0


def test_synthetic_control_refuses_with_fewer_than_ten_donors():
    frame, _ = _panel(9)
    with pytest.raises(Refusal, match="at least 10 donor areas"):
        panel.synthetic_control(frame, "treated", "2019Q1")


def test_fast_poisson_twfe_equals_the_glm_with_dummies():
    rng = np.random.default_rng(7)
    units, periods = 6, 10
    exposure = rng.uniform(50, 150, (units, periods))
    d = np.zeros((units, periods))
    d[0, 6:] = 1
    mean = exposure * np.exp(rng.normal(0, 0.2, units)[:, None] + np.linspace(0, 0.3, periods))
    y = rng.poisson(mean * np.exp(-0.2 * d))
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(units), periods),
            "t": np.tile(np.arange(periods), units),
            "y": y.ravel(),
            "e": exposure.ravel(),
            "d": d.ravel(),
        }
    )
    glm = models.poisson_fe(frame, "y", "e", ["d"], ["unit", "t"], "unit")
    assert models.poisson_twfe_beta(y, exposure, d) == pytest.approx(glm.estimate("d"), abs=1e-6)
