"""Pooled budget pages: plain values for the NHS.UK templates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from caretrust.funding import pooled, selectors
from caretrust.funding.charts import forecast_chart
from caretrust.funding.models import PooledBudget

RAG_TAGS = {"red": "nhsuk-tag--red", "amber": "nhsuk-tag--orange", "green": "nhsuk-tag--green"}
STATUS_WORDS = {"over": "overspend", "under": "underspend", "on_track": "on track"}


def rag_text(outturn: pooled.Outturn) -> str:
    """ "Red: overspend", "Amber: underspend", "Amber: over budget, within the threshold"..."""
    words = STATUS_WORDS[outturn.status]
    if outturn.rag == "amber" and outturn.status == "on_track":
        words = "over budget, within the threshold"
    return f"{pooled.RAG[outturn.rag]}: {words}"


def money(value: Decimal) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


@dataclass(frozen=True)
class OutturnRow:
    name: str
    budget: str
    actual: str
    committed: str
    projected: str
    forecast: str
    variance: str
    status_text: str
    status_class: str
    delivered: str = ""
    risk_share: str = ""


@dataclass(frozen=True)
class PoolPage:
    pool: PooledBudget
    as_of: str
    lines: list[OutturnRow]
    partners: list[OutturnRow]
    warnings: list[str]
    chart_svg: str
    total_budget: str
    total_forecast: str
    variance: str
    risk_share: str
    method: str = pooled.METHOD


def _row(outturn: pooled.Outturn, names: dict[str, str], risk: Decimal | None = None) -> OutturnRow:
    return OutturnRow(
        names.get(outturn.name, outturn.name),
        money(outturn.budget),
        money(outturn.actual_to_date),
        money(outturn.committed),
        money(outturn.projected),
        money(outturn.forecast),
        money(outturn.variance),
        rag_text(outturn),
        RAG_TAGS[outturn.rag],
        delivered=money(outturn.delivered),
        risk_share="" if risk is None else money(risk),
    )


def pool_page(pool: PooledBudget) -> PoolPage:
    forecasts = selectors.forecasts(pool)
    latest = forecasts[-1]
    names = {line.code: line.name for line in pool.lines.all()}
    budget = sum((line.budget for line in pool.lines.all()), Decimal(0))
    spend_by_month = [Decimal(0)] * 12
    for item in selectors.spend(pool):
        index = (item.month.month - 4) % 12
        spend_by_month[index] += item.amount
    months_so_far = len(forecasts)
    return PoolPage(
        pool=pool,
        as_of=f"{latest.as_of:%-d %B %Y}",
        lines=[_row(o, names) for o in latest.lines],
        partners=[_row(o, {}, latest.risk_shares.get(o.name, Decimal(0))) for o in latest.partners],
        warnings=_warnings(latest, names),
        chart_svg=forecast_chart(forecasts, budget, spend_by_month[:months_so_far]),
        total_budget=money(budget),
        total_forecast=money(latest.total_forecast),
        variance=money(latest.variance),
        risk_share=selectors.risk_share_description(pool),
    )


def _warnings(forecast: pooled.Forecast, names: dict[str, str]) -> list[str]:
    """Plain-language warnings, money formatted, for lines and partners off their budget."""
    words = {"over": "forecast to overspend by", "under": "forecast to underspend by"}
    return [
        f"{names.get(o.name, o.name)} is {words[o.status]} {money(abs(o.variance))}"
        for o in (*forecast.lines, *forecast.partners)
        if o.status in words
    ]


def export_rows(pool: PooledBudget) -> list[list[str]]:
    """CSV rows: one per month of forecast, per line and per partner."""
    rows = [
        [
            "as_of",
            "level",
            "name",
            "budget",
            "actual_to_date",
            "committed",
            "projected_uncommitted",
            "forecast",
            "variance",
            "status",
            "rag",
            "delivered_visits",
            "risk_share",
            "method",
        ]
    ]
    names = {line.code: line.name for line in pool.lines.all()}
    risk_share = selectors.risk_share_description(pool)
    for forecast in selectors.forecasts(pool):
        for level, outturns in (("line", forecast.lines), ("partner", forecast.partners)):
            for o in outturns:
                rows.append(
                    [
                        forecast.as_of.isoformat(),
                        level,
                        names.get(o.name, o.name),
                        f"{o.budget:.2f}",
                        f"{o.actual_to_date:.2f}",
                        f"{o.committed:.2f}",
                        f"{o.projected:.2f}",
                        f"{o.forecast:.2f}",
                        f"{o.variance:.2f}",
                        o.status,
                        o.rag,
                        f"{o.delivered:.2f}",
                        f"{forecast.risk_shares.get(o.name, Decimal(0)):.2f}"
                        if level == "partner"
                        else "",
                        f"{pooled.METHOD} Risk share: {risk_share}",
                    ]
                )
    return rows
