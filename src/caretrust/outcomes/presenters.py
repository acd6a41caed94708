"""The outcomes dashboard: one card per indicator with its SPC chart, icons and definition."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import pandas as pd

VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement": "Special cause variation: improvement",
    "special_cause_concern": "Special cause variation: concern",
    "special_cause_neutral_high": "Special cause variation: higher than expected",
    "special_cause_neutral_low": "Special cause variation: lower than expected",
}
ASSURANCE_TEXT = {
    "consistent_pass": "The target will consistently be met",
    "consistent_fail": "The target will consistently be missed",
    "inconsistent": "The target will be met and missed at random (inconsistent)",
}


@dataclass(frozen=True)
class LocalityRow:
    locality: str
    value: str


@dataclass(frozen=True)
class IndicatorCard:
    id: str
    title: str
    unit: str
    definition: str
    source: str
    version: str
    latest_value: str
    latest_period: str
    variation: str
    warnings: tuple[str, ...]
    chart_svg: str
    localities: list[LocalityRow]
    suppressed_points: int


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "suppressed"
    return f"{value:,.1f}{'%' if unit == '%' else ''}"


@functools.lru_cache(maxsize=512)
def _chart_svg(values: tuple, labels: tuple, improvement: str, title: str) -> str:
    """The SPC chart as inline SVG. Drawing one takes most of a second: the same published
    series draws once per process (the key is the series itself, so new data draws afresh)."""
    from caretrust.population.charts import xmr_chart
    from caretrust.population.spc import xmr

    result = xmr(list(values), improvement=improvement)
    svg = xmr_chart(result, list(labels), title=title).decode("utf-8")
    return svg[svg.index("<svg") :]  # drop the XML prologue: the chart is inlined in HTML


def indicator_card(frame: pd.DataFrame, indicator, area: str) -> IndicatorCard | None:
    from caretrust.population.spc import xmr

    series = frame[(frame.level == "area") & (frame.group == area)].sort_values("period_start")
    shown = series[series.value.notna()]
    if len(shown) < 2:
        return None
    # suppressed months stay in the chart as gaps (NaN), so no moving range spans them
    result = xmr(series.value.astype(float).tolist(), improvement=indicator.improvement)
    labels = [f"{p:%b %y}" for p in pd.to_datetime(series.period_start)]
    svg = _chart_svg(
        tuple(series.value.astype(float).tolist()),
        tuple(labels),
        indicator.improvement,
        f"{indicator.title}, {area}",
    )
    latest_period = shown.period_start.max()
    by_locality = frame[
        (frame.level == "locality") & (frame.area == area) & (frame.period_start == latest_period)
    ]
    # the unit with its period ("per 100,000 per month"), as the indicator was computed
    unit = str(series.unit.iloc[-1]) if "unit" in series.columns else indicator.unit
    return IndicatorCard(
        id=indicator.id,
        title=indicator.title,
        unit=unit,
        definition=indicator.definition,
        source=indicator.source,
        version=indicator.version,
        latest_value=_fmt(float(shown.value.iloc[-1]), indicator.unit),
        latest_period=f"{pd.Timestamp(latest_period):%B %Y}",
        variation=VARIATION_TEXT[result.variation_icon],
        warnings=result.warnings,
        chart_svg=svg,
        localities=[
            LocalityRow(row.group, _fmt(row.value, indicator.unit))
            for row in by_locality.sort_values("group").itertuples()
        ],
        suppressed_points=int(series.value.isna().sum()),
    )


def dashboard_cards(frame: pd.DataFrame, area: str) -> list[IndicatorCard]:
    from caretrust.population.indicators import INDICATORS

    cards = []
    for indicator in INDICATORS:
        card = indicator_card(frame[frame.indicator == indicator.id], indicator, area)
        if card is not None:
            cards.append(card)
    return cards
