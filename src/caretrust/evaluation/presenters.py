"""Plain values for the evaluation pages: the headline, effect table, charts with their tables,
balance, diagnostics, caveats, and what was run on which data with which code."""

from __future__ import annotations

from django.utils.timezone import localtime

from caretrust.evaluation.models import Evaluation
from caretrust.evaluation.running import DESIGN_TITLES, counterfactual_band
from caretrust.jobs.presenters import job_view
from caretrust.population.evaluation.prepare import OUTCOMES

DIAGNOSTIC_TITLES = {
    "pre_trend": "Trends before the start (pre-period leads)",
    "placebo_date": "Placebo start date two years early",
    "common_support": "Common support",
    "balance": "Balance after matching",
    "e_value": "Sensitivity to unmeasured confounding (E-value)",
    "pre_rmspe": "Pre-period fit of the synthetic comparison (RMSPE)",
    "placebo_in_space": "Placebo in space",
    "leave_one_out": "Leave one donor out",
    "clusters": "Number of clusters",
    "cluster_robust_interval": "Cluster-robust interval alongside",
    "twfe_comparison": "Two-way fixed effects alongside",
}
COVARIATE_TITLES = {
    "age": "Age",
    "female": "Female",
    "prior_emergency": "Prior emergency admissions",
    "prior_ae": "Prior A&E attendances",
    "deficits": "Coded frailty deficits",
    "lives_alone": "Lives alone",
}
STATUS_TAG = {
    "pass": ("Pass", "nhsuk-tag--green"),
    "warning": ("Warning", "nhsuk-tag--orange"),
    "fail": ("Fail", "nhsuk-tag--red"),
    "not run": ("Not run", "nhsuk-tag--grey"),
}


def _number(value, fmt: str = "{:,.1f}") -> str:
    return "" if value is None else fmt.format(value)


def _in_units(effect: dict) -> tuple[str, dict, float, float]:
    """(unit, absolute difference, observed, expected) of a saved effect. Evaluations saved
    before outcomes carried units hold them per 1,000 person-years under the old names."""
    if "absolute_difference" in effect:
        return (
            effect["unit"],
            effect["absolute_difference"],
            effect["observed"],
            effect["counterfactual"],
        )
    return (
        "per 1,000 person-years",
        effect["per_1000_person_years"],
        effect["treated_rate_per_1000"],
        effect["counterfactual_rate_per_1000"],
    )


def summary_view(evaluation: Evaluation) -> dict:
    return {
        "pk": evaluation.pk,
        "title": evaluation.title,
        "design": DESIGN_TITLES.get(evaluation.design, evaluation.design),
        "outcome": OUTCOMES[evaluation.outcome].label if evaluation.outcome in OUTCOMES else "",
        "created_by": evaluation.created_by.get_full_name() or evaluation.created_by.username,
        "created_at": localtime(evaluation.created_at),
        "status": (
            "Refused"
            if evaluation.status == "refused"
            else "Estimate"
            if evaluation.status == "estimate"
            else (evaluation.job.get_status_display() if evaluation.job else "Not started")
        ),
        "headline": evaluation.headline,
    }


def evaluation_view(evaluation: Evaluation) -> dict:
    view = summary_view(evaluation)
    parameters = evaluation.parameters
    view.update(
        job=job_view(evaluation.job, reload=True) if evaluation.job else None,
        done=evaluation.result is not None,
        refused=evaluation.status == "refused",
        parameters=[
            ("Design", DESIGN_TITLES.get(evaluation.design, evaluation.design)),
            ("Outcome", view["outcome"]),
            ("Area that integrated", evaluation.treated_area.title()),
            (
                "Localities",
                ", ".join(n.title() for n in parameters.get("treated_localities") or ())
                or "All of the area",
            ),
            ("Start", evaluation.start.strftime("%d %B %Y")),
            (
                "Staggered starts",
                ", ".join(
                    f"{k.title()} {v}" for k, v in (parameters.get("locality_starts") or {}).items()
                )
                or "None",
            ),
            (
                "Comparison areas",
                ", ".join(a.title() for a in parameters.get("comparison_areas") or ())
                or "Every other area in the data",
            ),
            ("Years before the start", str(parameters.get("pre_years"))),
            ("Seed", str(parameters.get("seed"))),
            ("Data", evaluation.data_dir),
            ("Data snapshot (SHA-256)", evaluation.data_snapshot or "Not read yet"),
            ("Code version", evaluation.code_version),
        ],
    )
    result = evaluation.result
    if result is None or evaluation.status != "estimate":
        view["refusal"] = (result or {}).get("refusal")
        return view
    effect = result["effect"]
    charts = evaluation.charts or {}
    unit, difference, observed, expected = _in_units(effect)
    per_stay = unit == "days per stay"
    places = "{:+.2f}" if per_stay else "{:+.1f}"
    view.update(
        unit=unit,
        effect_rows=[
            {
                "measure": "Ratio of bed days per stay" if per_stay else "Rate ratio",
                "estimate": f"{effect['rate_ratio']['estimate']:.3f}",
                "interval": f"{effect['rate_ratio']['low']:.3f} to {effect['rate_ratio']['high']:.3f}",
            },
            {
                "measure": "Change",
                "estimate": f"{effect['percent_change']['estimate']:+.1f}%",
                "interval": f"{effect['percent_change']['low']:+.1f}% to "
                f"{effect['percent_change']['high']:+.1f}%",
            },
            {
                "measure": f"Difference ({unit})",
                "estimate": places.format(difference["estimate"]),
                "interval": f"{places.format(difference['low'])} to "
                f"{places.format(difference['high'])}",
            },
        ],
        interval_kind=effect["interval_kind"],
        cluster=result.get("cluster"),
        clusters=result.get("clusters"),
        observed_rate=f"{observed:,.2f}" if per_stay else f"{observed:,.1f}",
        expected_rate=f"{expected:,.2f}" if per_stay else f"{expected:,.1f}",
        series_chart=charts.get("series", ""),
        series_rows=[
            {
                "period": row["period"],
                "observed": _number(row["observed"]),
                "expected": _number(row["expected"]),
                "band": f"{row['low']:,.1f} to {row['high']:,.1f}" if row["low"] else "",
            }
            for row in counterfactual_band(result)
        ],
        event_chart=charts.get("event_study", ""),
        event_rows=[
            {
                "event": row["event"],
                "estimate": (
                    f"{row['rate_ratio']:.3f}"
                    if "rate_ratio" in row
                    else f"{row.get('att_per_1000', 0):+.1f}"
                ),
                "interval": f"{row['low']:.3f} to {row['high']:.3f}"
                if "rate_ratio" in row
                else f"{row['low']:+.1f} to {row['high']:+.1f}",
            }
            for row in result.get("event_study") or []
        ],
        event_measure=("Ratio" if per_stay else "Rate ratio")
        if (result.get("event_study") or [{}])[0].get("rate_ratio") is not None
        else ("Effect, bed days per 1,000 stays" if per_stay else "Effect per 1,000 person-years"),
        balance=[
            {
                "covariate": COVARIATE_TITLES.get(
                    row["covariate"], row["covariate"].replace("_", " ").capitalize()
                ),
                "before": f"{row['smd_before']:+.3f}",
                "after": f"{row['smd_after']:+.3f}",
                "passes": row["passes"],
            }
            for row in result.get("balance") or []
        ],
        donors=sorted((result.get("donor_weights") or {}).items(), key=lambda kv: -kv[1]),
        diagnostics=[
            {
                "title": DIAGNOSTIC_TITLES.get(d["name"], d["name"].replace("_", " ").capitalize()),
                "status": STATUS_TAG.get(d["status"], (d["status"], "nhsuk-tag--grey"))[0],
                "tag": STATUS_TAG.get(d["status"], (d["status"], "nhsuk-tag--grey"))[1],
                "detail": d["detail"],
            }
            for d in result.get("diagnostics") or []
        ],
        implications=_implications(result.get("implications") or {}, view["outcome"]),
        caveats=result.get("caveats") or [],
        counts=[(k.replace("_", " ").capitalize(), _count(v)) for k, v in result["counts"].items()],
        data=result.get("data") or {},
    )
    return view


def _count(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _implications(imp: dict, outcome: str) -> dict:
    if not imp:
        return {}
    rows = []
    # for length of stay the "events" are the bed days, shown once as bed days
    events = None if "stays" in imp else f"{outcome or 'Events'} avoided"
    for label, key, money in (
        (events, "events_avoided", False),
        ("Bed days avoided", "bed_days_avoided", False),
        ("Cost of bed days avoided", "cost_avoided_bed_days", True),
        ("Cost of admissions avoided", "cost_avoided_admissions", True),
        ("Cost avoided", "cost_avoided", True),
    ):
        if label and key in imp:
            i = imp[key]
            fmt = "£{:,.0f}" if money else "{:,.0f}"
            rows.append(
                {
                    "label": label,
                    "estimate": fmt.format(i["estimate"]),
                    "interval": f"{fmt.format(i['low'])} to {fmt.format(i['high'])}",
                }
            )
    costs = [
        f"{name.replace('_', ' ')}: £{c['value']:,.0f} per {c['unit']} ({c['source']}; {c['status']})"
        for name, c in imp.get("costs_used", {}).items()
    ]
    return {
        "rows": rows,
        "price_year": imp.get("price_year", ""),
        "costs": costs,
        "assumptions": imp.get("assumptions") or [],
    }
