"""Small-number suppression for anything published."""

from __future__ import annotations

import pandas as pd

THRESHOLD = 5


def suppress(frame: pd.DataFrame, threshold: int = THRESHOLD) -> pd.DataFrame:
    """Blank counts from 1 to ``threshold − 1`` and the value derived from them.

    Zero is shown (it discloses nobody). A row is suppressed when its numerator or denominator is
    small; the ``suppressed`` column says which rows were blanked.
    """
    out = frame.copy()
    small = pd.Series(False, index=out.index)
    for column in ("numerator", "denominator"):
        counts = out[column]
        small |= counts.notna() & (counts > 0) & (counts < threshold)
    out.loc[small, ["numerator", "denominator", "value"]] = float("nan")
    out["suppressed"] = small
    return out


def publish(frame: pd.DataFrame, threshold: int = THRESHOLD) -> pd.DataFrame:
    """Indicator results ready to leave the analytics environment."""
    return suppress(frame, threshold)
