"""A self-contained HTML projection report: a fan chart per setting, costs by payer, step counts,
and every input's source (levers, variants, unit costs)."""

from __future__ import annotations

import html
import io

import numpy as np

from caretrust.population.projection.model import STEPS, ProjectionResult
from caretrust.population.projection.scenario import PAYERS, SETTINGS, Scenario

STYLE = """body{font-family:Arial,sans-serif;margin:2em;color:#212b32;max-width:64em}
table{border-collapse:collapse;font-size:0.85em;margin-bottom:2em}
td,th{border-bottom:1px solid #d8dde0;padding:2px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}.note{background:#f0f4f5;padding:0.5em 1em}"""


def fan_chart(
    result: ProjectionResult, setting: int, *, title: str = "", fmt: str = "svg"
) -> bytes:
    """Runs' percentiles of one setting as nested bands, the median and the principal (mean)."""
    return fan(result.values[:, :, setting], result.years, title=title, fmt=fmt)


def fan(values: np.ndarray, years: list[int], *, title: str = "", fmt: str = "svg") -> bytes:
    """A fan chart of ``values`` [run 0 + runs, years]: P10-P90 and P25-P75 bands, median,
    principal (mean of runs 1..N) and the baseline (run 0)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    runs = values[1:]
    fig, ax = plt.subplots(figsize=(7, 2.8), dpi=100)
    for lo, hi, alpha in ((10, 90, 0.25), (25, 75, 0.4)):
        ax.fill_between(
            years,
            np.percentile(runs, lo, axis=0),
            np.percentile(runs, hi, axis=0),
            color="#005eb8",
            alpha=alpha,
            linewidth=0,
            label=f"P{lo}–P{hi}",
        )
    ax.plot(years, np.percentile(runs, 50, axis=0), color="#003087", linewidth=1.2, label="median")
    ax.plot(
        years, runs.mean(axis=0), color="#231f20", linestyle="--", linewidth=1, label="principal"
    )
    ax.axhline(values[0, 0], color="#7f7f7f", linewidth=0.8, label="baseline")
    ax.set_title(title, fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def render(result: ProjectionResult, scenario: Scenario) -> str:
    frame = result.to_frame()
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(result.scenario)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Plan ahead: {esc(result.scenario)}</h1>",
        f"<p>{esc(scenario.description)}</p>",
        f"<p class='note'>Baseline year {result.baseline_year}/{(result.baseline_year + 1) % 100:02d}"
        f" (April to March); {result.runs} Monte Carlo runs, seed {result.seed}. Principal = mean of "
        "runs; bands are the 10th to 90th and 25th to 75th percentiles of runs. Costs in "
        f"{esc(result.price_year)} prices, uprated with {esc(result.index_name)}.</p>",
    ]
    for note in result.notes:
        parts.append(f"<p><em>{esc(note)}</em></p>")
    parts.append("<h2>Cost by partner</h2>")
    payers = result.payer_frame()
    by_payer = result.costs.sum(axis=2)  # [runs, years, payer]
    for p, payer in enumerate(PAYERS):
        svg = fan(by_payer[:, :, p], result.years, title=f"Cost to {payer} (£)").decode()
        parts.append(svg[svg.index("<svg") :])
    parts.append(_table(payers, "payer", ["baseline", "principal", "p10", "p90"], result.years))
    for s, (setting, title, unit) in enumerate(SETTINGS):
        rows = frame[frame.setting == setting]
        parts.append(f"<h2 id='{setting}'>{esc(title)} ({esc(unit)})</h2>")
        svg = fan_chart(result, s, title=title).decode()
        parts.append(svg[svg.index("<svg") :])
        head = "<tr><th>year</th><th>principal</th><th>P10</th><th>P50</th><th>P90</th>" + "".join(
            f"<th>cost {p}</th>" for p in PAYERS
        )
        body = "".join(
            f"<tr><td>{r.year}</td><td>{_num(r.principal)}</td><td>{_num(r.p10)}</td>"
            f"<td>{_num(r.p50)}</td><td>{_num(r.p90)}</td>"
            + "".join(f"<td>£{getattr(r, f'cost_{p}'):,.0f}</td>" for p in PAYERS)
            + "</tr>"
            for r in rows.itertuples()
            if (r.year - result.baseline_year) % 5 == 0 or r.year == result.years[-1]
        )
        parts.append(f"<table>{head}</tr>{body}</table>")
    steps = result.steps_frame()
    last = steps[steps.year == result.years[-1]].pivot(
        index="setting", columns="step", values="value"
    )
    parts.append(f"<h2>What drives the change to {result.years[-1]} (mean step counts)</h2>")
    head = "<tr><th>setting</th>" + "".join(f"<th>{s}</th>" for s in STEPS) + "</tr>"
    body = "".join(
        f"<tr><td>{setting}</td>"
        + "".join(f"<td>{_num(last.loc[setting, k])}</td>" for k in STEPS)
        + "</tr>"
        for setting, _, _ in SETTINGS
    )
    parts.append(f"<table>{head}{body}</table>")
    parts.append(
        "<h2>Inputs and their sources</h2><table><tr><th>lever</th><th>80% interval</th>"
        "<th>source</th></tr>"
    )
    for name, interval in scenario.levers.items():
        parts.append(
            f"<tr><td>{esc(name)}</td><td>{interval.lo:g}–{interval.hi:g}</td>"
            f"<td style='text-align:left'>{esc(interval.source)}</td></tr>"
        )
    parts.append("</table>")
    if scenario.effects:
        parts.append(f"<p>Integration effects ({esc(scenario.effects_source)}): ")
        parts.append(
            "; ".join(
                f"{esc(e.outcome)} RR {e.rate_ratio:g} ({e.ci_low:g}–{e.ci_high:g})"
                for e in scenario.effects
            )
            + ", applied to frail people (eFI &gt; 0.12) in proportion to co-ordinator coverage.</p>"
        )
    parts.append(
        "<table><tr><th>variant</th><th>probability</th><th>mortality improvement</th>"
        "<th>net inflow</th><th>source</th></tr>"
    )
    for v in scenario.variants:
        parts.append(
            f"<tr><td>{esc(v.name)}</td><td>{v.probability:g}</td><td>{v.mortality_improvement:g}</td>"
            f"<td>{v.inflow_rate:g}</td><td style='text-align:left'>{esc(v.source)}</td></tr>"
        )
    parts.append(
        "</table><table><tr><th>setting</th><th>unit cost</th><th>price year</th>"
        "<th>status</th><th>source</th></tr>"
    )
    for setting, item in result.cost_sources.items():
        parts.append(
            f"<tr><td>{esc(setting)}</td><td>£{esc(item['cost'])} per {esc(item['unit'])}</td>"
            f"<td>{esc(item['price_year'])}</td><td>{esc(item['status'])}</td>"
            f"<td style='text-align:left'>{esc(item['source'])}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _table(frame, key: str, columns: list[str], years: list[int]) -> str:
    head = f"<tr><th>{key}</th><th>year</th>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>"
    body = "".join(
        f"<tr><td>{getattr(r, key)}</td><td>{r.year}</td>"
        + "".join(f"<td>£{getattr(r, c):,.0f}</td>" for c in columns)
        + "</tr>"
        for r in frame.itertuples()
        if (r.year - years[0]) % 5 == 0 or r.year == years[-1]
    )
    return f"<table>{head}{body}</table>"
