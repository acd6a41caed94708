"""Plain values for the plan-ahead pages: a run's fan charts and tables, and two runs compared."""

from __future__ import annotations

from django.utils.timezone import localtime

from caretrust.jobs.presenters import job_view
from caretrust.outcomes.models import ProjectionRun
from caretrust.outcomes.planning import PAYER_TITLES
from caretrust.population.projection import SETTINGS


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def money(value: float) -> str:
    return f"£{value:,.0f}"


def _shown_years(years: list[int]) -> list[int]:
    """Every fifth year from the baseline, and the last."""
    first = years[0]
    return [y for y in years if (y - first) % 5 == 0 or y == years[-1]]


def _by_key(rows: list[dict], key: str) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(row[key], {})[row["year"]] = row
    return out


def run_view(run: ProjectionRun, *, reload: bool = True) -> dict:
    view = {
        "pk": run.pk,
        "label": run.label,
        "name": run.scenario_name,
        "seed": run.seed,
        "runs": run.runs,
        "years": run.years,
        "created_by": run.created_by.get_full_name() or run.created_by.username,
        "created_at": localtime(run.created_at),
        "job": job_view(run.job, reload=reload) if run.job else None,
        "done": run.result is not None,
        "scenario_toml": run.scenario_toml,
    }
    if run.result is None:
        return view
    result = run.result
    years = result["years"]
    shown = _shown_years(years)
    settings_rows = _by_key(result["settings"], "setting")
    payer_rows = _by_key(result["payers"], "payer")
    charts = run.charts or {}
    view.update(
        baseline_year=f"{result['baseline_year']}/{(result['baseline_year'] + 1) % 100:02d}",
        last_year=years[-1],
        price_year=result["price_year"],
        price_index=result["price_index"],
        notes=result.get("notes", []),
        settings=[
            {
                "id": setting,
                "title": title,
                "unit": unit,
                "chart": charts.get(setting, ""),
                "rows": [
                    {
                        "year": year,
                        "baseline": number(settings_rows[setting][year]["baseline"]),
                        "principal": number(settings_rows[setting][year]["principal"]),
                        "interval": f"{number(settings_rows[setting][year]['p10'])} to "
                        f"{number(settings_rows[setting][year]['p90'])}",
                        "cost": money(settings_rows[setting][year]["cost_total"]),
                        "cost_interval": f"{money(settings_rows[setting][year]['cost_total_p10'])} to "
                        f"{money(settings_rows[setting][year]['cost_total_p90'])}",
                    }
                    for year in shown
                ],
                "last": settings_rows[setting][years[-1]],
            }
            for setting, title, unit in SETTINGS
        ],
        payers=[
            {
                "id": payer,
                "title": title,
                "chart": charts.get(f"payer:{payer}", ""),
                "rows": [
                    {
                        "year": year,
                        "baseline": money(payer_rows[payer][year]["baseline"]),
                        "principal": money(payer_rows[payer][year]["principal"]),
                        "interval": f"{money(payer_rows[payer][year]['p10'])} to "
                        f"{money(payer_rows[payer][year]['p90'])}",
                    }
                    for year in shown
                ],
                "last": payer_rows[payer][years[-1]],
            }
            for payer, title in PAYER_TITLES.items()
        ],
    )
    return view


def _difference(a: float, b: float, fmt) -> str:
    diff = b - a
    sign = "+" if diff > 0 else "−" if diff < 0 else ""
    return f"{sign}{fmt(abs(diff))}"


def compare_view(a: ProjectionRun, b: ProjectionRun) -> dict:
    """Two finished runs, setting by setting: both fan charts and the last year's figures."""
    left, right = run_view(a), run_view(b)
    rows = []
    for sa, sb in zip(left["settings"], right["settings"], strict=True):
        la, lb = sa["last"], sb["last"]
        rows.append(
            {
                "title": sa["title"],
                "unit": sa["unit"],
                "chart_a": sa["chart"],
                "chart_b": sb["chart"],
                "a": number(la["principal"]),
                "a_interval": f"{number(la['p10'])} to {number(la['p90'])}",
                "b": number(lb["principal"]),
                "b_interval": f"{number(lb['p10'])} to {number(lb['p90'])}",
                "difference": _difference(la["principal"], lb["principal"], number),
            }
        )
    payers = []
    for pa, pb in zip(left["payers"], right["payers"], strict=True):
        la, lb = pa["last"], pb["last"]
        payers.append(
            {
                "title": pa["title"],
                "chart_a": pa["chart"],
                "chart_b": pb["chart"],
                "a": money(la["principal"]),
                "a_interval": f"{money(la['p10'])} to {money(la['p90'])}",
                "b": money(lb["principal"]),
                "b_interval": f"{money(lb['p10'])} to {money(lb['p90'])}",
                "difference": _difference(la["principal"], lb["principal"], money),
            }
        )
    return {"a": left, "b": right, "settings": rows, "payers": payers}
