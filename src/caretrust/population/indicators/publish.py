"""Small-number suppression and rounding for anything published, by the data source's rule.

The rule (HES, NHS England's Hospital Episode Statistics Analysis Guide, as indicators.md gives it):
counts from 1 to 7 are suppressed and every other count is rounded to the nearest 5; zero is shown
(it discloses nobody). A row with a suppressed numerator or denominator has its value blanked too.

Secondary suppression: a locality's counts could be worked out as its area's total minus the other
localities, so when exactly one locality of an area is suppressed in a period (and the area's own
row is not), the locality with the next smallest numerator is suppressed as well.

Values: a rate or percentage (value = numerator ÷ denominator × k) is recomputed from the rounded
counts, so it cannot be used to undo the rounding; other values (a directly standardised rate, a
median) are left as computed and blanked with their row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SuppressionRule:
    """Counts from 1 to ``suppress_to`` are blanked; other counts are rounded to ``round_to``."""

    name: str
    suppress_to: int
    round_to: int
    source: str

    def describe(self) -> str:
        rounding = (
            f" and other counts are rounded to the nearest {self.round_to}"
            if self.round_to > 1
            else ""
        )
        return f"Counts from 1 to {self.suppress_to} are suppressed{rounding} ({self.name})."


HES_RULE = SuppressionRule(
    name="HES rule",
    suppress_to=7,
    round_to=5,
    source="NHS England, Hospital Episode Statistics (HES) Analysis Guide: small numbers",
)
#: Every caretrust indicator is published by the HES rule: it is the one indicators.md confirms,
#: and applying one rule to all keeps areas and localities comparable. (For Client Level Data the
#: published rule is not confirmed; HES's is at least as strict as suppressing counts under 5.)
DEFAULT_RULE = HES_RULE


def round_to(counts: pd.Series, base: int) -> pd.Series:
    """Nearest multiple of ``base``, halves away from zero (counts are whole, so 2.5 never occurs
    with base 5)."""
    if base <= 1:
        return counts
    return np.floor(counts / base + 0.5) * base


def _primary(frame: pd.DataFrame, rule: SuppressionRule) -> pd.Series:
    small = pd.Series(False, index=frame.index)
    for column in ("numerator", "denominator"):
        counts = frame[column]
        small |= counts.notna() & (counts > 0) & (counts <= rule.suppress_to)
    return small


def _secondary(frame: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    """Rows to suppress so that no single suppressed locality can be worked out from its area."""
    if not {"level", "area"} <= set(frame.columns):
        return pd.Series(False, index=frame.index)
    extra = pd.Series(False, index=frame.index)
    keys = ["indicator", "period_start"] if "indicator" in frame.columns else ["period_start"]
    areas = frame[frame.level == "area"]
    area_hidden = {(*row[keys], row.group): suppressed[i] for i, row in areas.iterrows()}
    children = frame[(frame.level == "locality") & (frame.area != "")]
    for key, rows in children.groupby([*keys, "area"], sort=False):
        hidden = suppressed[rows.index]
        if hidden.sum() != 1 or area_hidden.get(tuple(key), True):
            continue
        candidates = rows[~hidden]
        if candidates.empty:
            continue
        # the next smallest numerator; a zero-count row would not hide anything, so prefer > 0
        positive = candidates[candidates.numerator.fillna(0) > 0]
        pool = positive if not positive.empty else candidates
        extra[pool.numerator.fillna(0).idxmin()] = True
    return extra


def suppress(frame: pd.DataFrame, rule: SuppressionRule = DEFAULT_RULE) -> pd.DataFrame:
    """Blank small counts (primary and secondary suppression) and round the rest.

    ``suppressed`` says which rows were blanked. A ``per`` column (k of value = n ÷ d × k), when
    present, lets rates be recomputed from the rounded counts; rows without it keep their value.
    """
    out = frame.copy()
    primary = _primary(out, rule)
    hidden = primary | _secondary(out, primary)
    for column in ("numerator", "denominator"):
        out[column] = round_to(out[column], rule.round_to)
    if "per" in out.columns:
        ratio = out.per.notna() & (out.denominator > 0)
        out.loc[ratio, "value"] = out.numerator[ratio] / out.denominator[ratio] * out.per[ratio]
    out.loc[hidden, ["numerator", "denominator", "value"]] = float("nan")
    out["suppressed"] = hidden
    out["suppression_rule"] = rule.name
    return out


def publish(frame: pd.DataFrame, rule: SuppressionRule = DEFAULT_RULE) -> pd.DataFrame:
    """Indicator results ready to leave the analytics environment."""
    return suppress(frame, rule)
