"""XmR rules at their edges, on hand-worked series.

Baseline for most tests: [12, 10] × 6 → mean 11, every moving range 2, so the limits are
11 ± 5.32 = 5.68 / 16.32 and the near-limit lines 11 ± 3.5466 = 7.4534 / 14.5466. ``baseline=12``
fixes these limits while further points are added. The baseline ends on 10 (below the mean) so runs
above the mean start with the appended points.
"""

import pytest

from caretrust.population.spc import SHORT_GROUP_WARNING, xmr

BASE = [12.0, 10.0] * 6


def flagged(values, **kwargs):
    result = xmr(BASE + values, baseline=12, **kwargs)
    return [p.special_cause for p in result.points[12:]], result


def test_limits_and_near_lines_from_mean_moving_range():
    result = xmr(BASE)
    assert result.mean == pytest.approx(11.0)
    assert result.upper_limit == pytest.approx(16.32)
    assert result.lower_limit == pytest.approx(5.68)
    assert result.upper_near == pytest.approx(11 + 1.7733333 * 2)
    assert result.lower_near == pytest.approx(11 - 1.7733333 * 2)
    assert not any(result.special_cause)
    assert result.variation_icon == "common_cause"


def test_point_beyond_limit_is_special_but_point_on_limit_is_not():
    upper = xmr(BASE).upper_limit
    flags, result = flagged([upper])
    assert flags == [False]
    flags, result = flagged([upper + 0.01], improvement="higher")
    assert flags == [True]
    assert result.points[-1].rules == ("outside",)
    assert result.variation_icon == "special_cause_improvement"


def test_six_points_above_mean_are_not_a_shift_seven_are():
    flags, _ = flagged([11.5] * 6)
    assert flags == [False] * 6
    flags, result = flagged([11.5] * 7, improvement="lower")
    assert flags == [True] * 7
    assert all(p.rules == ("shift",) for p in result.points[12:])
    assert result.points[-1].point_type == "special_cause_concern"
    assert not any(result.special_cause[:12])


def test_point_on_the_mean_breaks_a_run():
    flags, _ = flagged([11.5] * 3 + [11.0] + [11.5] * 4)
    assert flags == [False] * 8
    flags, _ = flagged([11.5] * 3 + [11.2] + [11.5] * 4)
    assert flags == [True] * 8


def test_seven_rising_points_are_a_trend_six_are_not():
    rising = [9.0, 9.5, 10.0, 10.5, 11.5, 12.0, 12.5]
    flags, result = flagged(rising, improvement="higher")
    assert flags == [True] * 7
    assert all(p.rules == ("trend",) for p in result.points[12:])
    # NHSRplotthedots 0.2: a trend point takes the trend's direction, even below the mean
    types = [p.point_type for p in result.points[12:]]
    assert types == ["special_cause_improvement"] * 7
    assert result.points[12].special_cause_type == "7 Point Trend (Increasing)"
    flags, _ = flagged(rising[1:])
    assert flags == [False] * 6


def test_falling_trend_is_flagged_too():
    flags, _ = flagged([13.0, 12.5, 12.0, 11.5, 10.5, 10.0, 9.5])
    assert flags == [True] * 7


def test_a_tie_breaks_a_trend():
    flags, _ = flagged([9.0, 9.5, 10.0, 10.0, 10.5, 11.5, 12.0, 12.5])
    assert flags == [False] * 8


def test_two_of_three_near_the_limit_on_the_same_side():
    flags, result = flagged([15.0, 11.5, 15.0], improvement="neutral")
    assert flags == [True, False, True]
    assert result.points[12].rules == ("two_in_three",)
    assert result.points[12].point_type == "special_cause_neutral_high"


def test_two_of_three_needs_all_three_on_one_side():
    flags, _ = flagged([15.0, 10.5, 15.0])
    assert flags == [False, False, False]


def test_two_close_points_four_apart_are_not_two_of_three():
    flags, _ = flagged([15.0, 11.5, 11.5, 15.0])
    assert flags == [False] * 4


def test_two_of_three_below_the_mean_is_neutral_low():
    flags, result = flagged([7.0, 10.5, 7.0])
    assert flags == [True, False, True]
    assert result.points[12].point_type == "special_cause_neutral_low"


@pytest.mark.parametrize(
    ("target", "improvement", "icon"),
    [
        (17.0, "higher", "consistent_fail"),
        (17.0, "lower", "consistent_pass"),
        (5.0, "higher", "consistent_pass"),
        (5.0, "lower", "consistent_fail"),
        (11.0, "higher", "inconsistent"),
        (17.0, "neutral", None),
        (None, "higher", None),
    ],
)
def test_assurance_icon_from_target_against_limits(target, improvement, icon):
    assert xmr(BASE, improvement=improvement, target=target).assurance_icon == icon


def test_rebasing_gives_each_segment_its_own_limits():
    values = BASE + [22.0, 20.0] * 6
    plain = xmr(values)
    assert all(plain.special_cause)  # 12 below then 12 above a mean of 16: two shifts
    rebased = xmr(values, rebase_at=[12])
    assert not any(rebased.special_cause)
    assert rebased.points[0].mean == pytest.approx(11.0)
    assert rebased.mean == pytest.approx(21.0)
    assert rebased.points[12].segment == 1


def test_segments_under_13_rows_warn_in_the_package_wording():
    # NHSRplotthedots' code warns below 13 rows though its message says 'n < 12'
    with pytest.warns(UserWarning, match="trial limits"):
        result = xmr(BASE)
    assert result.warnings == (SHORT_GROUP_WARNING,)
    assert result.short_segments == (0,)
    assert xmr([*BASE, 12.0]).warnings == ()


@pytest.mark.parametrize("baseline", [11, 5, 12.5])
def test_a_baseline_under_12_points_is_refused(baseline):
    with pytest.raises(ValueError, match="at least 12"):
        xmr(BASE * 2, baseline=baseline)


def test_outside_the_limits_takes_precedence_over_a_trend():
    flags, result = flagged([8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 17.0], improvement="lower")
    assert flags == [True] * 7
    assert [p.rules for p in result.points[12:]] == [("trend",)] * 6 + [("outside",)]
    # outside by its side (above: concern when lower is better); the trend rising: concern too
    assert result.points[-1].special_cause_type == "Above UCL"
    assert set(result.point_type[12:]) == {"special_cause_concern"}


def test_missing_values_are_gaps():
    values = [12.0, 10.0, None, 12.0, 10.0, float("nan"), *BASE]
    result = xmr(values)
    known = [v for v in values if v is not None and v == v]
    assert result.mean == pytest.approx(sum(known) / len(known))
    # the moving ranges beside each gap are left out, not bridged: every remaining range is 2
    assert result.upper_limit == pytest.approx(result.mean + 2.66 * 2)
    assert result.points[2].missing and result.points[5].missing
    assert result.points[2].point_type == "common_cause"
    assert not result.points[2].special_cause


def test_a_gap_breaks_a_shift():
    flags, _ = flagged([11.5] * 3 + [None] + [11.5] * 4)
    assert flags == [False] * 8


def test_outlier_moving_ranges_are_screened_by_default():
    values = [10.0, 12.0] * 5 + [10.0, 40.0]
    # moving ranges: ten of 2 and one of 30 → mean 50/11 ≈ 4.55; 30 ≥ 3.267 × 4.55, so screened
    mean = 160 / 12
    assert xmr(values).upper_limit == pytest.approx(mean + 2.66 * 2)
    unscreened = xmr(values, screen_outliers=False)
    assert unscreened.upper_limit == pytest.approx(mean + 2.66 * 50 / 11)


def test_rejects_unknown_direction():
    with pytest.raises(ValueError, match="improvement"):
        xmr(BASE, improvement="up")


def test_chart_draws_a_gap_and_the_package_caption_for_short_segments():
    from caretrust.population.charts import xmr_chart

    with pytest.warns(UserWarning):
        result = xmr([12.0, 10.0, None, 12.0, 10.0, 11.0])
    svg = xmr_chart(result).decode()
    assert "<svg" in svg
    assert result.variation_icon_name == "common_cause"


def test_report_keeps_suppressed_periods_as_gaps(monkeypatch):
    import pandas as pd

    from caretrust.population import report

    seen = {}

    def spy(values, **kwargs):
        seen["values"] = values
        return xmr(values, **kwargs)

    monkeypatch.setattr(report, "xmr", spy)
    months = pd.date_range("2024-01-01", periods=14, freq="MS").date
    values = [12.0, 10.0] * 7
    values[5] = float("nan")  # a suppressed month
    frame = pd.DataFrame(
        {
            "indicator": "emergency_admissions_65",
            "group": "Area",
            "level": "area",
            "period_start": months,
            "numerator": [v * 10 for v in values],
            "denominator": 1000.0,
            "value": values,
        }
    )
    monkeypatch.setattr(report, "publish", lambda results: results)
    report.render(frame)
    assert len(seen["values"]) == 14
    assert seen["values"][5] != seen["values"][5]  # NaN: the gap is kept, not dropped
