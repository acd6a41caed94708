"""The scorecard: each success measure with its latest published value, target and owner, whether
the target is met, and for survey measures the response rate and an SPC chart."""

from __future__ import annotations

import math
import warnings

import pandas as pd
from django.conf import settings

from caretrust.feedback.results import SUPPRESSION_NOTE, published, success_measures
from caretrust.feedback.surveys import SURVEYS

UNITS = {"survey": "%"}


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "suppressed"
    return f"{value:,.1f}{unit}"


def _chart(values: list[float], labels: list[str], improvement: str, target: float) -> str:
    from caretrust.population.charts import xmr_chart
    from caretrust.population.spc import xmr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # short series: the page says so
        result = xmr(values, improvement=improvement, target=target)
        svg = xmr_chart(result, labels).decode("utf-8")
    return svg[svg.index("<svg") :]


def _outcome_series(indicator: str) -> pd.DataFrame | None:
    from pathlib import Path

    from caretrust.outcomes.published import read_published

    frame = read_published(Path(settings.CARETRUST_ANALYTICS_DIR) / "published")
    if frame is None:
        return None
    rows = frame[(frame.indicator == indicator) & (frame.level == "area")]
    if rows.empty:
        return None
    area = rows.group.value_counts().index[0]
    return rows[rows.group == area].sort_values("period_start")


def scorecard_view() -> dict:
    surveys = {key: published(key) for key in SURVEYS}
    cards = []
    for measure in success_measures():
        unit = UNITS.get(measure.source, "")
        card = {
            "title": measure.title,
            "owner": measure.owner,
            "direction": "Higher is better" if measure.direction == "higher" else "Lower is better",
            "target": f"{measure.target:,g}{unit}",
            "target_source": measure.target_source,
            "latest": "No data yet",
            "period": "",
            "met": None,
            "chart": "",
            "rows": [],
            "response_rate": "",
            "id": measure.indicator.replace(".", "-"),
        }
        if measure.source == "survey":
            survey_key = measure.indicator.split(".")[0]
            frame = surveys[survey_key]
            series = frame[frame.indicator == measure.indicator] if not frame.empty else frame
            rates = (
                frame[frame.indicator == f"{survey_key}.response_rate"]
                if not frame.empty
                else frame
            )
        else:
            series = _outcome_series(measure.indicator)
            rates = None
        if series is None or series.empty:
            cards.append(card)
            continue
        series = series.sort_values("period_start")
        labels = [pd.Timestamp(p).strftime("%b %Y") for p in series.period_start]
        values = [float(v) for v in series.value]
        last = values[-1]
        card.update(
            latest=_fmt(last, unit),
            period=labels[-1],
            met=None
            if math.isnan(last)
            else (
                last >= measure.target if measure.direction == "higher" else last <= measure.target
            ),
            rows=[
                {
                    "period": label,
                    "value": _fmt(v, unit),
                    "numerator": _fmt(n, "").replace(".0", "")
                    if not math.isnan(n)
                    else "suppressed",
                    "denominator": _fmt(d, "").replace(".0", "")
                    if not math.isnan(d)
                    else "suppressed",
                }
                for label, v, n, d in zip(
                    labels, values, series.numerator, series.denominator, strict=True
                )
            ],
        )
        if rates is not None and not rates.empty:
            card["response_rate"] = _fmt(
                float(rates.sort_values("period_start").value.iloc[-1]), "%"
            )
        if sum(not math.isnan(v) for v in values) >= 2:
            card["chart"] = _chart(values, labels, measure.direction, measure.target)
        cards.append(card)
    return {
        "cards": cards,
        "suppression": SUPPRESSION_NOTE,
        "surveys": [SURVEYS[k] for k in SURVEYS],
    }
