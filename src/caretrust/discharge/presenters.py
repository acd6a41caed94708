"""Discharges and their indicators as plain values for templates."""

from __future__ import annotations

import functools
from datetime import date, timedelta

from caretrust import clock
from caretrust.discharge import indicators, selectors
from caretrust.discharge.models import Discharge, Pathway

# Making Data Count's words for the variation icons (the outcomes dashboard says the same).
VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement": "Special cause variation: improvement",
    "special_cause_concern": "Special cause variation: concern",
    "special_cause_neutral_high": "Special cause variation: higher than expected",
    "special_cause_neutral_low": "Special cause variation: lower than expected",
}


def _day(value: date | None) -> str:
    return f"{value:%d %B %Y}" if value else ""


def detail(discharge: Discharge) -> dict:
    episode = discharge.reablement
    waiting = discharge.status == Discharge.Status.AWAITING
    days = selectors.days_since_ready(discharge) if waiting else None
    return {
        "uuid": str(discharge.uuid),
        "person": discharge.person.display_name,
        "person_ref": str(discharge.person.ref),
        "reference": discharge.referral.reference,
        "pathway": discharge.get_pathway_display(),
        "pathway_number": discharge.pathway,
        "status": discharge.status,
        "status_label": discharge.get_status_display(),
        "ready_date": _day(discharge.ready_date),
        "days_since_ready": days,
        "discharged_on": _day(discharge.discharged_on),
        "destination": discharge.get_destination_display() if discharge.destination else "",
        "delay_days": discharge.delay_days,
        "delay_reason": discharge.delay_reason,
        "cancel_reason": discharge.cancel_reason,
        "history": [
            {
                "ready_date": _day(change.ready_date),
                "reason": change.reason,
                "by": change.recorded_by.get_full_name(),
                "at": f"{change.recorded_at.astimezone(clock.LONDON):%d %B %Y %H:%M}",
            }
            for change in discharge.ready_dates.select_related("recorded_by")
        ],
        "reablement": None
        if episode is None
        else {
            "start": _day(episode.start),
            "planned_end": _day(episode.planned_end),
            "end": _day(episode.end),
            "goal": episode.goal,
            "active": episode.status == episode.Status.ACTIVE,
            "outcome": episode.get_outcome_display() if episode.outcome else "",
        },
        "can_discharge": waiting,
        "can_start_reablement": discharge.status == Discharge.Status.DISCHARGED and episode is None,
        "can_record_outcome": episode is not None and episode.status == episode.Status.ACTIVE,
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "no discharges"
    return f"{value:.1f}%" if unit == "%" else f"{value:.1f} days"


@functools.lru_cache(maxsize=64)
def _chart_svg(values: tuple, labels: tuple, improvement: str, title: str) -> str:
    """An XmR chart as inline SVG (drawn once per series per process: drawing is slow)."""
    from caretrust.population.charts import xmr_chart
    from caretrust.population.spc import xmr

    svg = xmr_chart(xmr(list(values), improvement=improvement), list(labels), title=title)
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]


def _card(series: indicators.Series, title: str) -> dict:
    result = series.spc()
    labels = tuple(f"{m:%b %y}" for m in series.months)
    latest = next((v for v in reversed(series.values) if v is not None), None)
    card = {
        "title": title,
        "latest": _fmt(latest, indicators.UNITS[series.indicator]),
        "latest_month": f"{series.months[-1]:%B %Y}" if series.months else "",
        "discharges": sum(series.counts),
        "variation": VARIATION_TEXT[result.variation_icon] if result else "",
        "warnings": result.warnings if result else (),
        "chart": "",
    }
    if result is not None:
        card["chart"] = _chart_svg(
            tuple(float("nan") if v is None else v for v in series.values),
            labels,
            indicators.IMPROVEMENT[series.indicator],
            title,
        )
    return card


def _financial_year(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def indicators_view(pathway: int | None, today: date) -> dict:
    first = date(today.year - 2, today.month, 1)  # two years of months
    rows = selectors.discharged(first, today)
    table = []
    for value, label in [(None, "All pathways"), *Pathway.choices]:
        chosen = [r for r in rows if value is None or r.pathway == value]
        figures = indicators.delay_figures(chosen)
        table.append(
            {
                "label": label,
                "discharges": figures.discharges,
                "share": _fmt(figures.share_on_ready_date, "%"),
                "average": _fmt(figures.average_delay, "days"),
                "delayed_mean": _fmt(figures.mean_delay_of_delayed, "days"),
            }
        )
    which = "all pathways" if pathway is None else f"pathway {pathway}"
    cards = [
        _card(
            indicators.monthly_series(rows, name, pathway),
            f"{indicators.TITLES[name]}, {which}",
        )
        for name in (indicators.SAME_DAY, indicators.AVERAGE_DELAY)
    ]
    fy_start, fy_end = _financial_year(today)
    # 2D needs 84 days of follow-up: the twelve months of discharges ending 85 days ago.
    followed_last = today - timedelta(days=85)
    followed_first = followed_last - timedelta(days=364)
    cases = selectors.reabled_discharges()
    q4_year = (
        today.year if today >= date(today.year, 12, 31) + timedelta(days=91) else today.year - 1
    )
    ratios = [
        (
            "ASCOF 2A: short-term support with no further request (episodes ending "
            f"{_day(fy_start)} to {_day(fy_end)})",
            indicators.ascof_2a(selectors.reablement_outcomes(fy_start, fy_end)),
        ),
        (
            "ASCOF 2D (2024-25): people 65+ discharged into reablement with no readmission, "
            f"death or care-home start within 84 days (discharged {_day(followed_first)} to "
            f"{_day(followed_last)})",
            indicators.ascof_2d(cases, followed_first, followed_last),
        ),
        (
            f"Old 2B(1): people 65+ discharged into reablement 1 October to 31 December {q4_year} "
            "still at home 91 days later",
            indicators.ascof_2b1(cases, q4_year),
        ),
    ]
    return {
        "table": table,
        "cards": cards,
        "reablement": [
            {
                "title": title,
                "numerator": ratio.numerator,
                "denominator": ratio.denominator,
                "percent": _fmt(ratio.percent, "%") if ratio.denominator else "none yet",
            }
            for title, ratio in ratios
        ],
    }
