"""A self-contained HTML evaluation report: headline, charts (inline SVG), balance, diagnostics."""

from __future__ import annotations

import html
import io
from typing import cast

from caretrust.population.evaluation.design import EvaluationResult
from caretrust.population.evaluation.effects import Effect
from caretrust.population.evaluation.prepare import OUTCOMES

STYLE = """body{font-family:Arial,sans-serif;margin:2em;color:#212b32;max-width:62em}
table{border-collapse:collapse;font-size:0.85em;margin-bottom:1.5em}
td,th{border-bottom:1px solid #d8dde0;padding:2px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
.headline{font-size:1.25em;background:#f0f4f5;padding:0.8em 1em;border-left:6px solid #005eb8}
.refused{border-left-color:#d5281b}.pass{color:#007f3b}.warning{color:#ae2573}
.fail{color:#d5281b}.small{font-size:0.85em;color:#4c6272}"""

DESIGN_NAMES = {
    "matched_did": "Matched comparison cohort, difference-in-differences on person-time",
    "area_did": "Area panel difference-in-differences (area and month fixed effects)",
    "synthetic_control": "Synthetic control with placebo-in-space inference",
    "staggered": "Staggered starts: Callaway-Sant'Anna group-time effects",
}


def render(result: EvaluationResult) -> str:
    spec = result.spec
    title = f"Did integration work? {spec.treated_area}, from {spec.start.isoformat()}"
    outcome = OUTCOMES[spec.outcome].label if spec.outcome in OUTCOMES else spec.outcome
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(DESIGN_NAMES.get(spec.design, spec.design))}. "
        f"Outcome: {html.escape(outcome)}.</p>",
    ]
    if result.status != "estimate":
        parts.append(
            f"<p class='headline refused'><strong>No estimate.</strong> "
            f"{html.escape(result.refusal or '')}</p></body></html>"
        )
        return "\n".join(parts)
    parts.append(f"<p class='headline'>{html.escape(result.headline)}</p>")
    parts.append(_effect_table(result))
    if result.series:
        parts.append("<h2>Observed and expected without integration</h2>")
        parts.append(_series_chart(result))
    if result.event_study:
        parts.append("<h2>Event study</h2>")
        parts.append(_event_chart(result))
    if result.balance:
        parts.append("<h2>Balance before and after matching</h2>")
        parts.append(_balance_table(result))
    if result.donor_weights:
        parts.append("<h2>Donor weights</h2>")
        rows = sorted(result.donor_weights.items(), key=lambda kv: -kv[1])
        parts.append(
            "<table><tr><th>donor area</th><th>weight</th></tr>"
            + "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.3f}</td></tr>" for k, v in rows)
            + "</table>"
        )
    parts.append("<h2>Diagnostics</h2>")
    parts.append(
        "<table><tr><th>check</th><th>result</th><th>detail</th></tr>"
        + "".join(
            f"<tr><td>{html.escape(d.name.replace('_', ' '))}</td>"
            f"<td class='{d.status.replace(' ', '')}'>{html.escape(d.status)}</td>"
            f"<td style='text-align:left'>{html.escape(d.detail)}</td></tr>"
            for d in result.diagnostics
        )
        + "</table>"
    )
    parts.append(_implications(result))
    parts.append("<h2>Caveats</h2><ul>")
    parts += [f"<li>{html.escape(c)}</li>" for c in result.caveats]
    parts.append("</ul><h2>Data and code</h2><table>")
    for key, value in {**result.data, "counts": result.counts}.items():
        parts.append(f"<tr><td>{html.escape(key)}</td>"
                     f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>")  # fmt: skip
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _effect_table(result: EvaluationResult) -> str:
    e = cast(Effect, result.effect)  # only results with an effect get this table
    per_stay = e.unit == "days per stay"
    rows = [
        ("Ratio of bed days per stay" if per_stay else "Rate ratio", e.rate_ratio, "{:.3f}"),
        ("Change (%)", e.percent_change, "{:+.1f}"),
        (f"Difference ({e.unit})", e.absolute_difference, "{:+.2f}" if per_stay else "{:+.1f}"),
    ]
    body = "".join(
        f"<tr><td>{name}</td><td>{fmt.format(i.estimate)}</td>"
        f"<td>{fmt.format(i.low)} to {fmt.format(i.high)}</td></tr>"
        for name, i, fmt in rows
    )
    cluster = (
        f"Errors clustered by <strong>{html.escape(result.cluster)}</strong> "
        f"({result.clusters:,} clusters)."
        if result.cluster
        else ""
    )
    return (
        "<table><tr><th>measure</th><th>estimate</th><th>95% interval</th></tr>"
        f"{body}</table><p class='small'>Interval: {html.escape(e.interval_kind)}. {cluster} "
        f"Observed {e.observed:,.2f} and expected without integration "
        f"{e.counterfactual:,.2f} {html.escape(e.unit)} (treated group, after the start).</p>"
    )


def _balance_table(result: EvaluationResult) -> str:
    body = "".join(
        f"<tr><td>{html.escape(r['covariate'])}</td><td>{r['smd_before']:+.3f}</td>"
        f"<td>{r['smd_after']:+.3f}</td>"
        f"<td class='{'pass' if r['passes'] else 'warning'}'>"
        f"{'below 0.1' if r['passes'] else 'flagged (0.1 or more)'}</td></tr>"
        for r in result.balance
    )
    return (
        "<table><tr><th>covariate</th><th>SMD before</th><th>SMD after</th><th></th></tr>"
        f"{body}</table>"
    )


def _implications(result: EvaluationResult) -> str:
    imp = result.implications
    if not imp:
        return ""
    lines = ["<h2>Implications over the post period</h2><table>"]

    def row(label, key, fmt="{:,.0f}"):
        if key in imp:
            i = imp[key]
            lines.append(
                f"<tr><td>{label}</td><td>{fmt.format(i['estimate'])}</td>"
                f"<td>{fmt.format(i['low'])} to {fmt.format(i['high'])}</td></tr>"
            )

    if "stays" in imp:  # length of stay: the "events" are bed days
        row("Bed days avoided", "bed_days_avoided")
    else:
        row(f"{_outcome_label(result)} avoided", "events_avoided")
        row("Bed days avoided", "bed_days_avoided")
    row("Cost of bed days avoided (£)", "cost_avoided_bed_days")
    row("Cost of admissions avoided (£)", "cost_avoided_admissions")
    row("Cost avoided (£)", "cost_avoided")
    lines.append("</table><p class='small'>Unit costs, " + html.escape(imp["price_year"]) + ": ")
    lines.append(
        "; ".join(
            f"{html.escape(name)} £{c['value']:,.0f} per {html.escape(c['unit'])} "
            f"({html.escape(c['source'])}; {html.escape(c['status'])})"
            for name, c in imp["costs_used"].items()
        )
    )
    if imp.get("assumptions"):
        lines.append(
            ". <strong>Assumed, not confirmed:</strong> " + ", ".join(imp["assumptions"]) + "."
        )
    lines.append("</p>")
    return "".join(lines)


def _outcome_label(result: EvaluationResult) -> str:
    outcome = OUTCOMES.get(result.spec.outcome)
    return outcome.label if outcome else "Events"


def _unit(result: EvaluationResult) -> str:
    return result.effect.unit if result.effect is not None else "per 1,000 person-years"


def _svg(fig) -> str:
    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue().decode()
    return text[text.index("<svg") :]


def _series_chart(result: EvaluationResult) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [str(p["period"]) for p in result.series]
    xs = list(range(len(labels)))
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    ax.plot(xs, [p["observed"] for p in result.series], color="#005eb8", label="observed")
    ax.plot(
        xs,
        [p["counterfactual"] for p in result.series],
        color="#768692",
        linestyle="--",
        label="expected without integration",
    )
    step = max(1, len(xs) // 10)
    ax.set_xticks(xs[::step], labels[::step], fontsize=7)
    ax.set_ylabel(_unit(result), fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    return _svg(fig)


def _event_chart(result: EvaluationResult) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = result.event_study
    ratio = "rate_ratio" in rows[0]
    xs = [r["event"] for r in rows]
    ys = [r["rate_ratio"] if ratio else r["att_per_1000"] for r in rows]
    lo = [r["low"] for r in rows]
    hi = [r["high"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 3.0), dpi=100)
    ax.errorbar(
        xs,
        ys,
        yerr=[[y - low for y, low in zip(ys, lo, strict=True)],
              [high - y for y, high in zip(ys, hi, strict=True)]],
        fmt="o", color="#005eb8", ecolor="#aeb7bd", capsize=2, markersize=4,
    )  # fmt: skip
    ax.axhline(1.0 if ratio else 0.0, color="#231f20", linewidth=0.8)
    ax.axvline(-0.5, color="#d5281b", linestyle=":", linewidth=1)
    ax.set_xlabel("years from the start (reference: the year before)", fontsize=8)
    per_stay = _unit(result) == "days per stay"
    # the staggered design's ATT is on its rate x 1,000 scale
    att = "ATT, bed days per 1,000 stays" if per_stay else "ATT per 1,000 person-years"
    ax.set_ylabel("ratio" if ratio else att, fontsize=8)
    return _svg(fig)
