"""XmR rules at their edges, on hand-worked series.

Baseline for most tests: [12, 10] × 6 → mean 11, every moving range 2, so the limits are
11 ± 5.32 = 5.68 / 16.32 and the near-limit lines 11 ± 3.5466 = 7.4534 / 14.5466. ``baseline=12``
fixes these limits while further points are added. The baseline ends on 10 (below the mean) so runs
above the mean start with the appended points.
"""

import pytest

from caretrust.population.spc import xmr

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
    assert all("trend" in p.rules for p in result.points[12:])
    # the direction of a flagged point is its side of the mean, not the trend's direction
    types = [p.point_type for p in result.points[12:]]
    assert types == ["special_cause_concern"] * 4 + ["special_cause_improvement"] * 3
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
        (11.0, "higher", "hit_and_miss"),
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


def test_short_baseline_warns():
    with pytest.warns(UserWarning, match="fewer than 12"):
        result = xmr([1.0, 2.0, 3.0, 2.0, 1.0])
    assert len(result.warnings) == 1
    assert xmr(BASE).warnings == ()


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
