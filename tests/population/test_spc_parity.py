"""caretrust's XmR charts against NHSRplotthedots 0.2.2's own output, point by point.

fixtures/spc/series.json holds the series (trends up and down, shifts, outside the limits,
two-in-three, gaps, short segments, fixed and rebased baselines, each improvement direction, targets);
fixtures/spc/expected.json is what NHSRplotthedots returned for them (made by make_fixtures.R there).
"""

import json
import math
import warnings
from pathlib import Path

import pytest

from caretrust.population.spc import BASELINE_REFUSAL, SHORT_GROUP_WARNING, xmr

HERE = Path(__file__).parent / "fixtures" / "spc"
SERIES = {s["id"]: s for s in json.loads((HERE / "series.json").read_text())["series"]}
EXPECTED = {s["id"]: s for s in json.loads((HERE / "expected.json").read_text())["series"]}
DIRECTION = {"increase": "higher", "decrease": "lower", "neutral": "neutral"}
# Where the package stops with an error on a gap inside a run whose other steps all rise (or all
# fall), caretrust lets the gap break the trend instead (tested below); the only other error is the
# refusal of a short baseline, which caretrust makes too.
PACKAGE_FAILS_ON_GAP = sorted(
    k for k, v in EXPECTED.items() if "missing value where TRUE/FALSE" in v.get("error", "")
)


def run(spec):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = xmr(
            spec["values"],
            improvement=DIRECTION[spec["improvement"]],
            target=spec["target"],
            rebase_at=spec["rebase"],
            baseline=spec["fix_after_n_points"],
            screen_outliers=spec["screen_outliers"],
        )
    return result, [str(w.message) for w in caught]


def same(ours: float, theirs: float | None) -> bool:
    if theirs is None:  # R's NA/NaN
        return math.isnan(ours)
    return ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_fixtures_cover_every_kind_of_series():
    assert SERIES.keys() == EXPECTED.keys()
    assert len(SERIES) >= 80
    types = {
        p["special_cause_type"].split(" (")[0]
        for s in EXPECTED.values()
        for p in s.get("points", [])
    }
    assert {
        "Above UCL",
        "Below LCL",
        "7 Point Trend",
        "2 in 3 Above CL",
        "2 in 3 Below CL",
    } <= types
    assert {"7 Points Above CL", "7 Points Below CL", "Common Cause"} <= types
    icons = {s.get("variation_icon") for s in EXPECTED.values()}
    assert {
        "improvement_high",
        "improvement_low",
        "concern_high",
        "concern_low",
        "neutral_low",
    } <= icons
    assurance = {s.get("assurance_type") for s in EXPECTED.values()}
    assert {"consistent_pass", "consistent_fail", "inconsistent"} <= assurance


@pytest.mark.parametrize("series_id", [k for k in EXPECTED if "error" not in EXPECTED[k]])
def test_every_point_matches_nhsrplotthedots(series_id):
    spec, expected = SERIES[series_id], EXPECTED[series_id]
    result, caught = run(spec)
    assert len(result.points) == len(expected["points"])
    for ours, theirs in zip(result.points, expected["points"], strict=True):
        where = f"{series_id}[{ours.index}]"
        assert same(ours.value, theirs["y"]), where
        assert ours.segment == theirs["rebase_group"], where
        assert same(ours.mean, theirs["mean"]), where
        assert same(ours.lower_limit, theirs["lpl"]), where
        assert same(ours.upper_limit, theirs["upl"]), where
        assert ours.special_cause_type == theirs["special_cause_type"], where
        assert ours.special_cause == theirs["special_cause_flag"], where
        assert ours.point_type == theirs["point_type"], where
        assert (ours.segment in result.short_segments) == theirs["short_group_warning"], where
    assert result.variation_icon_name == expected["variation_icon"]
    assert result.assurance_icon == expected.get("assurance_type")
    assert list(result.warnings) == expected["warnings"]
    assert caught == expected["warnings"]


def test_a_baseline_under_12_is_refused_as_the_package_refuses_it():
    spec, expected = SERIES["fixed_baseline_11_refused"], EXPECTED["fixed_baseline_11_refused"]
    assert "greater than or equal to 12" in expected["error"]
    with pytest.raises(ValueError, match="at least 12"):
        run(spec)
    assert "12" in BASELINE_REFUSAL


def test_a_gap_inside_a_rising_run_breaks_the_trend_where_the_package_fails():
    result, _ = run(SERIES["missing_in_rising_run"])
    values = SERIES["missing_in_rising_run"]["values"]
    assert result.points[values.index(None)].missing
    # 8, 9, 10, gap, 11, 12, 13, 14: neither side of the gap has 7 rising points
    assert not any(p.rules == ("trend",) for p in result.points)


@pytest.mark.parametrize("series_id", PACKAGE_FAILS_ON_GAP)
def test_where_the_package_fails_on_a_gap_no_trend_spans_it(series_id):
    assert "missing_in_rising_run" in PACKAGE_FAILS_ON_GAP
    assert set(EXPECTED) - set(PACKAGE_FAILS_ON_GAP) - {"fixed_baseline_11_refused"} == {
        k for k, v in EXPECTED.items() if "error" not in v
    }
    result, _ = run(SERIES[series_id])
    for p in result.points:
        if p.rules == ("trend",):
            # the 7 points of its trend hold no gap: some window of 7 around it is all present
            window = [
                result.points[j : j + 7]
                for j in range(max(0, p.index - 6), p.index + 1)
                if j + 7 <= len(result.points)
            ]
            assert any(not any(q.missing for q in w) for w in window), (series_id, p.index)
        if p.missing:
            assert p.point_type == "common_cause" and not p.special_cause


def test_short_group_warning_uses_the_package_wording():
    assert EXPECTED["short_12"]["warnings"] == [SHORT_GROUP_WARNING]
