"""A self-contained HTML indicator report: definitions, an XmR chart and a table per indicator."""

from __future__ import annotations

import html
import warnings

import pandas as pd

from caretrust.population.charts import xmr_chart
from caretrust.population.indicators import BY_ID, publish
from caretrust.population.indicators.publish import DEFAULT_RULE
from caretrust.population.spc import xmr

STYLE = """body{font-family:Arial,sans-serif;margin:2em;color:#212b32;max-width:60em}
table{border-collapse:collapse;font-size:0.85em;margin-bottom:2em}
td,th{border-bottom:1px solid #d8dde0;padding:2px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}.def{background:#f0f4f5;padding:0.5em 1em}"""


def render(results: pd.DataFrame, *, title: str = "caretrust outcome indicators") -> str:
    """HTML for unsuppressed indicator ``results`` (suppression is applied here)."""
    published = publish(results)
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(DEFAULT_RULE.describe())} Suppressed values are shown blank (and as "
        "gaps in the charts); where one locality's count could be worked out from its area's "
        "total, another is suppressed too. People who opted out of secondary use are "
        "excluded.</p>",
    ]
    for indicator_id, frame in published.groupby("indicator", sort=False):
        parts.append(_section(indicator_id, frame))
    parts.append("</body></html>")
    return "\n".join(parts)


def _section(indicator_id: str, frame: pd.DataFrame) -> str:
    ind = BY_ID[indicator_id]
    out = [
        f"<h2 id='{ind.id}'>{html.escape(ind.title)}</h2>",
        f"<div class='def'><p>{html.escape(ind.definition)}</p><p>Source: "
        f"{html.escape(ind.source)}. Version: {html.escape(ind.version)}. Unit: "
        f"{html.escape(_unit(ind, frame))}.</p></div>",
    ]
    for group, rows in frame.groupby("group"):
        rows = rows.sort_values("period_start")
        # suppressed periods stay in the series as gaps, so no moving range spans them
        if rows.value.notna().sum() >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = xmr(rows.value.astype(float).tolist(), improvement=ind.improvement)
            svg = xmr_chart(
                result, rows.period_start.astype(str).tolist(), title=f"{ind.id} · {group}"
            ).decode()
            out.append(svg[svg.index("<svg") :])
            if result.warnings:
                out.append(f"<p><em>{html.escape(result.warnings[0])}</em></p>")
        out.append(_table(group, rows))
    return "\n".join(out)


def _unit(ind, frame: pd.DataFrame) -> str:
    """The unit with its period, as computed (frames from older code have no unit column)."""
    if "unit" in frame.columns and frame.unit.notna().any():
        return str(frame.unit.dropna().iloc[0])
    return ind.unit


def _table(group: str, rows: pd.DataFrame) -> str:
    head = "<tr><th>period</th><th>numerator</th><th>denominator</th><th>value</th></tr>"
    body = "".join(
        f"<tr><td>{r.period_start}</td><td>{_fmt(r.numerator)}</td>"
        f"<td>{_fmt(r.denominator)}</td><td>{_fmt(r.value)}</td></tr>"
        for r in rows.itertuples()
    )
    return f"<h3>{html.escape(str(group))}</h3><table>{head}{body}</table>"


def _fmt(value: float) -> str:
    if pd.isna(value):
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
