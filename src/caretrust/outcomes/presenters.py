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


@dataclass(frozen=True)
class RiskModelPanel:
    """How good the case-finding list is: the kept model on its test year beside the age-only
    baseline (and, on generated data, the true-risk ceiling)."""

    model: str
    reason: str
    test_as_of: str
    people: str
    prevalence: str
    auc: str
    age_auc: str
    true_auc: str  # "" unless the generator's truth was given
    slope: str
    intercept: str
    deciles: list[tuple[str, str, str]]  # decile, mean predicted, observed
    top: list[tuple[str, str, str, str, str, str]]  # top, people, PPV, sens., age PPV, age sens.
    chart_svg: str


def _number(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not known"
    return format(value, spec)


def risk_model_panel(report: dict | None) -> RiskModelPanel | None:
    if not report or not report.get("test") or not report.get("age_only"):
        return None
    from caretrust.population.charts import calibration_chart

    m, age, true = report["test"], report["age_only"], report.get("true_risk")
    deciles = [(c["decile"], c["mean_predicted"], c["observed"]) for c in m["calibration"]]
    return RiskModelPanel(
        model={
            "gradient_boosting": "Gradient-boosted trees",
            "logistic": "Logistic regression",
        }.get(report.get("kept", ""), report.get("kept", "")),
        reason=report.get("reason", ""),
        test_as_of=report.get("test_as_of", ""),
        people=f"{m['n']:,}",
        prevalence=_number(m["prevalence"], ".1%"),
        auc=_number(m["auc"], ".3f"),
        age_auc=_number(age["auc"], ".3f"),
        true_auc=_number(true["auc"], ".3f") if true else "",
        slope=_number(m["slope"], ".2f"),
        intercept=_number(m["intercept"], "+.2f"),
        deciles=[(str(d), f"{p:.1%}", f"{o:.1%}") for d, p, o in deciles],
        top=[
            (
                f"Top {t['fraction']:.1%}".replace(".0%", "%"),
                f"{t['people']:,}",
                _number(t["ppv"], ".1%"),
                _number(t["sensitivity"], ".1%"),
                _number(b["ppv"], ".1%"),
                _number(b["sensitivity"], ".1%"),
            )
            for t, b in zip(m["top"], age["top"], strict=True)
        ],
        chart_svg=calibration_chart(deciles, title="Calibration by decile of predicted risk"),
    )
