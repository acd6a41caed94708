"""XmR statistical process control charts, NHS "Making Data Count" rules.

Parity target: NHSRplotthedots (`ptd_spc_standard.R`, `ptd_calculate_point_type.R`). The rules, from
/work/shared/reference/indicators.md:

1. a point outside the process limits (strictly beyond);
2. a shift: 7 consecutive points on the same side of the mean (a point on the mean breaks the run);
3. a trend: 7 consecutive points each strictly above (or below) the previous (a tie breaks it);
4. two of three consecutive points beyond a near-limit line (inside the limits), all three on the
   same side of the mean; the close points are flagged.

Everything (mean, moving ranges, limits and the rules) is computed within each rebase segment, as
NHSRplotthedots groups by rebase group.
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
SHORT_BASELINE = 12

Improvement = Literal["higher", "lower", "neutral"]
_DIRECTION = {"higher": 1, "lower": -1, "neutral": 0}


@dataclass(frozen=True)
class XmrPoint:
    index: int
    value: float
    segment: int
    mean: float
    lower_limit: float
    upper_limit: float
    lower_near: float
    upper_near: float
    special_cause: bool
    point_type: str
    rules: tuple[str, ...]  # which rules flagged it: outside, shift, trend, two_in_three


@dataclass(frozen=True)
class XmrResult:
    points: tuple[XmrPoint, ...]
    improvement: Improvement
    target: float | None
    variation_icon: str
    assurance_icon: str | None
    warnings: tuple[str, ...]

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
    values: Sequence[float],
    improvement: Improvement = "neutral",
    target: float | None = None,
    *,
    rebase_at: Sequence[int] = (),
    baseline: int | None = None,
    screen_outliers: bool = True,
) -> XmrResult:
    """An XmR chart of ``values`` (in time order).

    ``rebase_at``: indices where a new segment (new mean and limits) starts.
    ``baseline``: fix each segment's mean and limits on its first n points (NHSRplotthedots
    ``fix_after_n_points``). ``screen_outliers`` (NHSRplotthedots default: on) leaves moving ranges
    ≥ 3.267 × the mean moving range out of the limits.
    """
    if improvement not in _DIRECTION:
        raise ValueError(f"improvement must be higher, lower or neutral, not {improvement!r}")
    ys = [float(v) for v in values]
    if not ys:
        raise ValueError("xmr needs at least one value")
    if any(math.isnan(y) for y in ys):
        raise ValueError("xmr values must not contain NaN (no gaps in the series)")
    bounds = _segment_bounds(len(ys), rebase_at)
    points: list[XmrPoint] = []
    notes: list[str] = []
    for segment, (start, stop) in enumerate(bounds):
        seg = ys[start:stop]
        n_base = min(len(seg), baseline) if baseline else len(seg)
        if n_base < SHORT_BASELINE:
            notes.append(
                f"segment {segment} (points {start}–{stop - 1}) has a baseline of {n_base} points; "
                f"limits are unreliable with fewer than {SHORT_BASELINE}"
            )
        points.extend(_segment_points(seg, start, segment, n_base, improvement, screen_outliers))
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return XmrResult(
        points=tuple(points),
        improvement=improvement,
        target=target,
        variation_icon=points[-1].point_type,
        assurance_icon=_assurance(points[-1], improvement, target),
        warnings=tuple(notes),
    )


def _segment_bounds(n: int, rebase_at: Sequence[int]) -> list[tuple[int, int]]:
    cuts = sorted({i for i in rebase_at if 0 < i < n})
    edges = [0, *cuts, n]
    return list(itertools.pairwise(edges))


def _limits(base: list[float], screen_outliers: bool) -> tuple[float, float]:
    mean = sum(base) / len(base)
    ranges = [abs(b - a) for a, b in itertools.pairwise(base)]
    if not ranges:
        return mean, 0.0
    amr = sum(ranges) / len(ranges)
    if screen_outliers:
        kept = [r for r in ranges if r < OUTLIER_MR * amr]
        amr = sum(kept) / len(kept) if kept else 0.0
    return mean, amr


def _segment_points(
    seg: list[float],
    offset: int,
    segment: int,
    n_base: int,
    improvement: Improvement,
    screen_outliers: bool,
) -> list[XmrPoint]:
    mean, amr = _limits(seg[:n_base], screen_outliers)
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    nlpl, nupl = mean - NEAR_LIMIT * amr, mean + NEAR_LIMIT * amr
    side = [_sign(y - mean) for y in seg]
    outside = [y > upl or y < lpl for y in seg]
    close = [not o and (y < nlpl or y > nupl) for y, o in zip(seg, outside, strict=True)]
    rules = {
        "outside": outside,
        "shift": _shift(side),
        "trend": _trend(seg),
        "two_in_three": _two_in_three(close, side),
    }
    direction = _DIRECTION[improvement]
    points = []
    for i, y in enumerate(seg):
        hit = tuple(name for name, flags in rules.items() if flags[i])
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
                special_cause=bool(hit),
                point_type=_point_type(bool(hit), side[i], direction),
                rules=hit,
            )
        )
    return points


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _flag_runs(keys: list[int], min_length: int) -> list[bool]:
    """Flag every element of a run of equal non-zero keys at least ``min_length`` long."""
    flags = [False] * len(keys)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if keys[start] != 0 and i - start >= min_length:
                flags[start:i] = [True] * (i - start)
            start = i
    return flags


def _shift(side: list[int]) -> list[bool]:
    return _flag_runs(side, RUN_LENGTH)


def _trend(ys: list[float]) -> list[bool]:
    """7 points each strictly above (below) the previous: 6 equal-signed steps."""
    steps = [_sign(b - a) for a, b in itertools.pairwise(ys)]
    step_flags = _flag_runs(steps, RUN_LENGTH - 1)
    flags = [False] * len(ys)
    for i, flagged in enumerate(step_flags):
        if flagged:  # a step flags both of its points
            flags[i] = flags[i + 1] = True
    return flags


def _two_in_three(close: list[bool], side: list[int]) -> list[bool]:
    flags = [False] * len(close)
    for start in range(len(close) - 2):
        window = range(start, start + 3)
        same_side = abs(sum(side[j] for j in window)) == 3
        if same_side and sum(close[j] for j in window) >= 2:
            for j in window:
                flags[j] = flags[j] or close[j]
    return flags


def _point_type(special: bool, side: int, direction: int) -> str:
    if not special:
        return "common_cause"
    if direction == 0:
        # NHSRplotthedots tests the sign for truthiness (so -1 reads "high"); we use the side.
        return "special_cause_neutral_high" if side > 0 else "special_cause_neutral_low"
    # a flagged point on the mean (side 0, in a trend) is a concern, as in NHSRplotthedots
    return "special_cause_improvement" if side == direction else "special_cause_concern"


def _assurance(last: XmrPoint, improvement: Improvement, target: float | None) -> str | None:
    if target is None or improvement == "neutral":
        return None
    higher_better = improvement == "higher"
    if target > last.upper_limit:
        return "consistent_fail" if higher_better else "consistent_pass"
    if target < last.lower_limit:
        return "consistent_pass" if higher_better else "consistent_fail"
    return "hit_and_miss"
