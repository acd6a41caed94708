"""XmR statistical process control charts, NHS "Making Data Count" rules, as NHSRplotthedots does them.

Parity target: NHSRplotthedots 0.2.2 (`ptd_spc_standard.R`, `ptd_calculate_point_type.R`,
`ptd_add_short_group_warnings.R`, `ptd_calculate_assurance_type.R`, `geom_ptd_icon.R`). The tests
compare every point with that package's own output (tests/population/fixtures/spc/, made by
make_fixtures.R there). The rules, from /work/shared/reference/indicators.md and the package source:

1. a point outside the process limits (strictly beyond);
2. a trend: 7 consecutive points each strictly above (or below) the previous (a tie breaks it);
3. two of three consecutive points beyond a near-limit line (inside the limits), all three on the
   same side of the mean; the close points are flagged;
4. a shift: 7 consecutive points on the same side of the mean (a point on the mean breaks the run).

Each point takes the first rule that flags it, in that order (the package's precedence), and its
type follows that rule: a trend point is improvement or concern by the trend's direction, the others
by the point's side of the mean. Everything (mean, moving ranges, limits and the rules) is computed
within each rebase segment. Missing values (None or NaN) are gaps: they are left out of the mean, the
two moving ranges beside a gap are left out (the range is not bridged across it), and a gap breaks a
run. The package itself stops with an error when a gap falls inside seven points whose other steps
all rise (or all fall); there caretrust treats the gap as breaking the trend, as it does everywhere.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

LIMIT = 2.66
NEAR_LIMIT = 2 * LIMIT / 3  # 1.7733…: two-thirds of the way to the limit
OUTLIER_MR = 3.267
RUN_LENGTH = 7
# NHSRplotthedots refuses fix_after_n_points under 12 (ptd_spc_options.R).
MIN_BASELINE = 12
# ...and warns about any segment with fewer than 13 rows: its documentation says 12, but its code
# (ptd_add_short_group_warnings.R) defaults the threshold to 13, so a segment of 12 rows is warned.
SHORT_GROUP_THRESHOLD = 13
# The package's own words, so that a chart here and one drawn with it say the same thing.
SHORT_GROUP_WARNING = (
    "Some groups have 'n < 12' observations. These have trial limits, which will be revised with "
    "each additional observation until 'n = fix_after_n_points' has been reached."
)
SHORT_GROUP_CAPTION = (
    "Some trial limits created by groups of fewer than 12 points exist. "
    "These will become more reliable as more data is added."
)
BASELINE_REFUSAL = "baseline (fix_after_n_points) must be a whole number of at least 12 points"

Improvement = Literal["higher", "lower", "neutral"]
_DIRECTION = {"higher": 1, "lower": -1, "neutral": 0}


@dataclass(frozen=True)
class XmrPoint:
    index: int
    value: float  # NaN for a gap
    segment: int
    mean: float
    lower_limit: float  # NaN when the segment has no usable moving range
    upper_limit: float
    lower_near: float
    upper_near: float
    special_cause: bool
    point_type: str
    # the one rule that labels the point (outside, trend, two_in_three or shift), or () if none
    rules: tuple[str, ...]
    # the package's label: "Above UCL", "7 Point Trend (Increasing)", "2 in 3 Below CL", ...
    special_cause_type: str = "Common Cause"

    @property
    def missing(self) -> bool:
        return math.isnan(self.value)


@dataclass(frozen=True)
class XmrResult:
    points: tuple[XmrPoint, ...]
    improvement: Improvement
    target: float | None
    variation_icon: str  # the last point's type (even a gap's: then common_cause)
    assurance_icon: str | None  # consistent_pass, consistent_fail, inconsistent, or None
    warnings: tuple[str, ...]
    short_segments: tuple[int, ...] = ()  # segments with fewer than 13 rows (trial limits)

    @property
    def variation_icon_name(self) -> str:
        """The Making Data Count icon, named as NHSRplotthedots' icon files are: common_cause,
        improvement_high/low, concern_high/low, neutral_high/low. Improvement and concern take the
        side from the improvement direction, not from the point."""
        icon = self.variation_icon
        if icon == "common_cause":
            return icon
        if icon.startswith("special_cause_neutral_"):
            return icon.removeprefix("special_cause_")
        rising_good = self.improvement == "higher"
        if icon == "special_cause_improvement":
            return "improvement_high" if rising_good else "improvement_low"
        return "concern_low" if rising_good else "concern_high"

    @property
    def mean(self) -> float:
        """Centre line of the latest segment."""
        return self.points[-1].mean

    @property
    def lower_limit(self) -> float:
        return self.points[-1].lower_limit

    @property
    def upper_limit(self) -> float:
        return self.points[-1].upper_limit

    @property
    def lower_near(self) -> float:
        return self.points[-1].lower_near

    @property
    def upper_near(self) -> float:
        return self.points[-1].upper_near

    @property
    def special_cause(self) -> tuple[bool, ...]:
        return tuple(p.special_cause for p in self.points)

    @property
    def point_type(self) -> tuple[str, ...]:
        return tuple(p.point_type for p in self.points)


def xmr(
    values: Sequence[float | None],
    improvement: Improvement = "neutral",
    target: float | None = None,
    *,
    rebase_at: Sequence[int] = (),
    baseline: int | None = None,
    screen_outliers: bool = True,
) -> XmrResult:
    """An XmR chart of ``values`` (in time order, one per period; None or NaN is a gap).

    ``rebase_at``: indices where a new segment (new mean and limits) starts.
    ``baseline``: fix each segment's mean and limits on its first n rows, gaps included
    (NHSRplotthedots ``fix_after_n_points``); under 12 is refused, as the package refuses it.
    ``screen_outliers`` (NHSRplotthedots default: on) leaves moving ranges ≥ 3.267 × the mean
    moving range out of the limits.
    """
    if improvement not in _DIRECTION:
        raise ValueError(f"improvement must be higher, lower or neutral, not {improvement!r}")
    if baseline is not None and (
        isinstance(baseline, bool) or not float(baseline).is_integer() or baseline < MIN_BASELINE
    ):
        raise ValueError(f"{BASELINE_REFUSAL}, not {baseline!r}")
    ys = [math.nan if v is None else float(v) for v in values]
    if not ys:
        raise ValueError("xmr needs at least one value")
    bounds = _segment_bounds(len(ys), rebase_at)
    points: list[XmrPoint] = []
    short: list[int] = []
    for segment, (start, stop) in enumerate(bounds):
        if stop - start < SHORT_GROUP_THRESHOLD:
            short.append(segment)
        points.extend(
            _segment_points(
                ys[start:stop], start, segment, baseline, _DIRECTION[improvement], screen_outliers
            )
        )
    notes = (SHORT_GROUP_WARNING,) if short else ()
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return XmrResult(
        points=tuple(points),
        improvement=improvement,
        target=target,
        variation_icon=points[-1].point_type,
        assurance_icon=_assurance(points[-1], improvement, target),
        warnings=notes,
        short_segments=tuple(short),
    )


def _segment_bounds(n: int, rebase_at: Sequence[int]) -> list[tuple[int, int]]:
    cuts = sorted({i for i in rebase_at if 0 < i < n})
    edges = [0, *cuts, n]
    return list(itertools.pairwise(edges))


def _nanmean(xs: Sequence[float]) -> float:
    known = [x for x in xs if not math.isnan(x)]
    return sum(known) / len(known) if known else math.nan


def _limits(seg: list[float], baseline: int | None, screen_outliers: bool) -> tuple[float, float]:
    """Mean and mean moving range from the segment's first ``baseline`` rows (all if None)."""
    base = seg if baseline is None else seg[:baseline]
    mean = _nanmean(base)
    # a moving range beside a gap is NaN (not bridged to the point before the gap) and left out
    ranges = [abs(b - a) for a, b in itertools.pairwise(base)]
    amr = _nanmean(ranges)
    if screen_outliers:
        # the package keeps ranges strictly below 3.267 × mean; so a series with no variation (every
        # range 0) keeps none, and its limits are NaN there too
        amr = _nanmean([r for r in ranges if r < OUTLIER_MR * amr])
    return mean, amr


def _segment_points(
    seg: list[float],
    offset: int,
    segment: int,
    baseline: int | None,
    direction: int,
    screen_outliers: bool,
) -> list[XmrPoint]:
    mean, amr = _limits(seg, baseline, screen_outliers)
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    nlpl, nupl = mean - NEAR_LIMIT * amr, mean + NEAR_LIMIT * amr
    # None is R's NA: unknown for a gap, or for every point when the limits are NaN
    side = [None if math.isnan(y - mean) else _sign(y - mean) for y in seg]
    outside = [_or(_gt(y, upl), _gt(lpl, y)) for y in seg]
    close = [
        _and(None if o is None else not o, _or(_gt(nlpl, y), _gt(y, nupl)))
        for y, o in zip(seg, outside, strict=True)
    ]
    trend = _part_of_run_ending(_trend_ends(seg))
    two_in_three = _two_in_three(close, side)
    shift = _part_of_run_ending(_shift_ends(side))
    steps = [_sign_or_nan(b - a) for a, b in itertools.pairwise(seg)]
    points = []
    for i, y in enumerate(seg):
        label, rule = _special_cause_type(i, outside, trend, two_in_three, shift, side, steps)
        points.append(
            XmrPoint(
                index=offset + i,
                value=y,
                segment=segment,
                mean=mean,
                lower_limit=lpl,
                upper_limit=upl,
                lower_near=nlpl,
                upper_near=nupl,
                special_cause=rule is not None,
                point_type=_point_type(label, direction),
                rules=(rule,) if rule else (),
                special_cause_type=label,
            )
        )
    return points


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _sign_or_nan(x: float) -> float:
    return math.nan if math.isnan(x) else float(_sign(x))


def _gt(a: float, b: float) -> bool | None:
    return None if math.isnan(a) or math.isnan(b) else a > b


def _or(a: bool | None, b: bool | None) -> bool | None:
    """R's three-valued ``|``."""
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _and(a: bool | None, b: bool | None) -> bool | None:
    """R's three-valued ``&``."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _trend_ends(ys: list[float]) -> list[int]:
    """+1 (−1) at a point that ends 7 points each above (below) the previous; a gap or tie breaks."""
    ends = [0] * len(ys)
    for i in range(RUN_LENGTH - 1, len(ys)):
        steps = [_sign_or_nan(ys[j] - ys[j - 1]) for j in range(i - RUN_LENGTH + 2, i + 1)]
        if all(s == 1 for s in steps):
            ends[i] = 1
        elif all(s == -1 for s in steps):
            ends[i] = -1
    return ends


def _shift_ends(side: list[int | None]) -> list[int]:
    """1 at a point that ends 7 points on the same side of the mean (a gap or the mean breaks)."""
    ends = [0] * len(side)
    for i in range(RUN_LENGTH - 1, len(side)):
        window = side[i - RUN_LENGTH + 1 : i + 1]
        if window[-1] and all(s == window[-1] for s in window):
            ends[i] = 1
    return ends


def _part_of_run_ending(ends: list[int]) -> list[bool]:
    """A point is in a run if a run ends on it or on one of the next 6 points."""
    return [any(ends[i : i + RUN_LENGTH]) for i in range(len(ends))]


def _two_in_three(close: list[bool | None], side: list[int | None]) -> list[bool]:
    """Close points in a window of three with two or more close points, all on one side.

    A window with an unknown (a gap, or NaN limits) is never satisfied, as in the package, where
    its sum is NA and NA counts as false."""
    n = len(close)
    in_window = [False] * n
    for start in range(n - 2):
        window = range(start, start + 3)
        sides = [side[j] for j in window]
        closes = [close[j] for j in window]
        if any(s is None for s in sides) or any(c is None for c in closes):
            continue
        if abs(sum(sides)) == 3 and sum(closes) >= 2:  # type: ignore[arg-type]
            for j in window:
                in_window[j] = True
    return [w and close[i] is True for i, w in enumerate(in_window)]


def _special_cause_type(
    i: int,
    outside: list[bool | None],
    trend: list[bool],
    two_in_three: list[bool],
    shift: list[bool],
    side: list[int | None],
    steps: list[float],
) -> tuple[str, str | None]:
    """The package's label for point ``i`` and caretrust's rule name, first rule wins."""
    above = "Above" if (side[i] or 0) > 0 else "Below"
    if outside[i]:
        return ("Above UCL" if side[i] == 1 else "Below LCL"), "outside"
    if trend[i]:
        # The trend's direction: the step to the next point when that point is in a trend too,
        # else the step from the previous point (the package's rule; at a peak shared by a rising
        # and a falling trend the falling one wins, and a flat step reads as decreasing).
        nxt = i + 1 < len(trend) and trend[i + 1]
        step = steps[i] if nxt else (steps[i - 1] if i > 0 else 0.0)
        way = "In" if step == 1 else "De"
        return f"7 Point Trend ({way}creasing)", "trend"
    if two_in_three[i]:
        return f"2 in 3 {above} CL", "two_in_three"
    if shift[i]:
        return f"7 Points {above} CL", "shift"
    return "Common Cause", None


def _point_type(label: str, direction: int) -> str:
    if "Above" in label or "Increasing" in label:
        v = 1
    elif "Below" in label or "Decreasing" in label:
        v = -1
    else:
        return "common_cause"
    if direction == 0:
        return "special_cause_neutral_high" if v > 0 else "special_cause_neutral_low"
    return "special_cause_improvement" if v * direction > 0 else "special_cause_concern"


def _assurance(last: XmrPoint, improvement: Improvement, target: float | None) -> str | None:
    """From the last row's limits (its segment's), as ptd_calculate_assurance_type does."""
    if target is None or improvement == "neutral":
        return None
    higher_better = improvement == "higher"
    if target > last.upper_limit:
        return "consistent_fail" if higher_better else "consistent_pass"
    if target < last.lower_limit:
        return "consistent_pass" if higher_better else "consistent_fail"
    return "inconsistent"
