"""A small, accessible SVG chart of a pool's forecast outturn against its budget, month by month.

Drawn by hand (no plotting library in the web process): one dashed line for the budget, one line
for the forecast outturn made at the end of each month, and bars for each month's actual spend.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from caretrust.funding import pooled

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 40
MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
NHS_BLUE, NHS_DARK_GREY, NHS_RED, NHS_PALE_GREY = "#005eb8", "#425563", "#d5281b", "#d8dde0"


def _money(value: Decimal) -> str:
    return f"£{value / 1000:,.0f}k" if abs(value) >= 1000 else f"£{value:,.0f}"


def forecast_chart(
    forecasts: list[pooled.Forecast], budget: Decimal, monthly_spend: list[Decimal]
) -> str:
    """SVG markup: `forecasts` one per month so far, `monthly_spend` actual spend per month."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max([budget, *(f.total_forecast for f in forecasts), *monthly_spend, Decimal(1)])
    top_value = top_value * Decimal("1.1")

    def x(index: int) -> float:
        return LEFT + plot_w * (index + 0.5) / 12

    def y(value: Decimal) -> float:
        return TOP + plot_h * float(1 - value / top_value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="pool-chart-title pool-chart-desc" class="ct-chart">',
        '<title id="pool-chart-title">Forecast outturn against budget, by month</title>',
        f'<desc id="pool-chart-desc">{escape(_description(forecasts, budget))}</desc>',
    ]
    for step in range(5):
        value = top_value * step / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{NHS_PALE_GREY}"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end" font-size="12" fill="{NHS_DARK_GREY}">{_money(value)}</text>'
        )
    bar_w = plot_w / 12 * 0.5
    for index, amount in enumerate(monthly_spend):
        parts.append(
            f'<rect x="{x(index) - bar_w / 2:.1f}" y="{y(amount):.1f}" width="{bar_w:.1f}" '
            f'height="{y(Decimal(0)) - y(amount):.1f}" fill="{NHS_PALE_GREY}"/>'
        )
    for index, month in enumerate(MONTHS):
        parts.append(
            f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="12" fill="{NHS_DARK_GREY}">{month}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(budget):.1f}" y2="{y(budget):.1f}" '
        f'stroke="{NHS_DARK_GREY}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    points = " ".join(f"{x(i):.1f},{y(f.total_forecast):.1f}" for i, f in enumerate(forecasts))
    colour = NHS_RED if forecasts and forecasts[-1].total_forecast > budget else NHS_BLUE
    parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"/>')
    for i, f in enumerate(forecasts):
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(f.total_forecast):.1f}" r="4" fill="{colour}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _description(forecasts: list[pooled.Forecast], budget: Decimal) -> str:
    if not forecasts:
        return f"Budget {_money(budget)}. No forecast yet."
    latest = forecasts[-1]
    return (
        f"Budget {_money(budget)} (dashed line). Forecast outturn at the end of "
        f"{latest.as_of:%B %Y}: {_money(latest.total_forecast)}. Bars show actual spend each month."
    )
