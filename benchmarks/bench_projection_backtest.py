"""Back-test of the Plan ahead projection (issue #23, "Done when"), per area, on generated places.

    .venv/bin/python benchmarks/bench_projection_backtest.py [--people 100000] [--seeds 7 8 9]

For each seed it generates a ten-year place with caretrust.synthetic (the integrated area and one
comparison area, ``--people`` each) whose later years drift in a way the model is not told: the
generator's unannounced trend change (``TrendChange()``, from year 5) in emergency and care-home
admissions. The integrated area also gets the planted integration effects, switched on at the start
of year ``--fit-years`` + 1 so that the fitted years are before integration; the admissions effect
reaches the people frail by the eFI the record shows (``IntegrationEffects(recorded_frailty=True)``,
ADR 0102; ``--simulation-frailty`` plants it on the generator's own count instead, its default).

For each area the projection is fitted on the first ``--fit-years`` full years (baseline = the last
of them; the year before gives frailty transitions) and projects the rest:

- comparison area: ``BACKTEST_SCENARIO`` (demography, estimation uncertainty, the no-lever
  non-demographic growth prior), no levers;
- integrated area: the same plus the planted effects from ``truth/effects.json`` as levers
  (their point values: the back-test asks whether the projection machinery carries known effects
  through, not whether we can guess them).

Score: share of setting-years whose observed value lies in [P10, P90] (target 70%–90%) and the
median of (P90 − P10) ÷ P50 (target ≤ 0.5, i.e. ±25%). Results go to
benchmarks/results/projection_backtest.json with the full table of setting-years.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path


def planted_levers(effects: dict) -> str:
    """The planted effects of truth/effects.json as scenario levers (TOML), each with its source."""
    size = {e["name"]: e["size"] for e in effects["effects"]}
    admissions = 1.0 + size["emergency_admissions"]
    diversion = 1.0 - size["care_home_admissions_diverted_to_home_care"]
    stay = 1.0 + size["emergency_length_of_stay"]
    source = "truth/effects.json of the generated place (planted effect, given as a lever)"
    return f"""
[levers.frail_admission_avoidance]
interval = [{admissions:g}, {admissions:g}]
source = "{source}: emergency admissions of frail 65+"

[levers.care_home_diversion]
interval = [{diversion:g}, {diversion:g}]
source = "{source}: care-home admissions diverted to home care"

[levers.length_of_stay]
interval = [{stay:g}, {stay:g}]
source = "{source}: emergency length of stay"
"""


def run_seed(args: argparse.Namespace, seed: int, tmp: Path) -> dict:
    from caretrust.population import connect
    from caretrust.population.projection import backtest
    from caretrust.population.projection.backtest import (
        BACKTEST_SCENARIO,
        CLOSED_COHORT,
        with_levers,
    )
    from caretrust.synthetic import SyntheticConfig, write
    from caretrust.synthetic.config import IntegrationEffects, TrendChange

    start = dt.date(2015, 4, 1)
    config = SyntheticConfig(
        people=args.people,
        comparison_people=args.people,
        years=args.years,
        seed=seed,
        start=start,
        integration=IntegrationEffects(
            start=start.replace(year=start.year + args.fit_years),
            recorded_frailty=not args.simulation_frailty,
        ),
        trend_change=TrendChange(),
        initial_stock=not args.no_initial_stock,
    )
    data = tmp / f"place_{seed}"
    started = time.perf_counter()
    write(config, data, formats=("parquet",))
    generated = time.perf_counter() - started
    effects = json.loads((data / "truth" / "effects.json").read_text(encoding="utf-8"))
    ds = connect(data, threads=2)
    base = BACKTEST_SCENARIO
    if args.growth is not None:  # a sensitivity run: another non-demographic growth interval
        lo, hi = args.growth
        growth = f"""
[levers.non_demographic_growth]
interval = [{lo:g}, {hi:g}]
source = "sensitivity run of the back-test benchmark (--growth)"
"""
        base = with_levers(CLOSED_COHORT, growth, f"growth [{lo:g}, {hi:g}]")
    integrated = with_levers(base, planted_levers(effects), "planted effects")
    out: dict = {
        "seed": seed,
        "generated_seconds": round(generated, 1),
        "config": {
            "people_per_area": args.people,
            "years": args.years,
            "start": start.isoformat(),
            "integration_start": effects["start"],
            "trend_change": effects["trend_change"],
            "initial_stock": config.initial_stock,
            "effect_on_recorded_frailty": config.integration.recorded_frailty,
        },
        "areas": {},
    }
    for area, scenario in (("comparison_1", base), ("torbay", integrated)):
        started = time.perf_counter()
        result = backtest(
            ds, args.fit_years, scenario=scenario, seed=seed, runs=args.runs, area=area
        )
        frame = result.frame.assign(
            observed_over_p50=lambda f: (f.observed / f.p50).round(3),
            relative_width=lambda f: ((f.p90 - f.p10) / f.p50).round(3),
        )
        out["areas"][area] = {
            "scenario": scenario.name,
            "baseline_year": result.baseline_year,
            "setting_years": len(frame),
            "inside": int(frame.inside.sum()),
            "share_inside_80": round(result.coverage, 3),
            "median_relative_width": round(result.median_relative_width, 3),
            "by_setting": {
                row.Index: {"inside": int(row.inside), "years": int(row.years)}
                for row in frame.groupby("setting", sort=False)
                .agg(inside=("inside", "sum"), years=("year", "count"))
                .itertuples()
            },
            "table": [
                {
                    k: (round(v, 1) if k in ("observed", "p10", "p50", "p90") else v)
                    for k, v in row.items()
                    if k != "inside"
                }
                | {"inside": bool(row["inside"])}
                for row in frame.to_dict(orient="records")
            ],
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(
            f"seed {seed} {area}: {out['areas'][area]['share_inside_80']:.0%} inside, "
            f"median width {out['areas'][area]['median_relative_width']:.2f}",
            flush=True,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--fit-years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--no-initial-stock", action="store_true")
    parser.add_argument(
        "--simulation-frailty",
        action="store_true",
        help="plant the admissions effect on the simulation's own frailty (the generator's "
        "default), not on the eFI the record shows",
    )
    parser.add_argument(
        "--growth",
        type=float,
        nargs=2,
        metavar=("LO", "HI"),
        help="sensitivity: non-demographic growth interval instead of NHP's [1, 1.02]",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/projection_backtest.json")
    )
    args = parser.parse_args()
    report: dict = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "target": {"share_inside_80": [0.70, 0.90], "median_relative_width_at_most": 0.5},
        "fit_years": args.fit_years,
        "runs": args.runs,
        "people_per_area": args.people,
        "non_demographic_growth": args.growth or [1.0, 1.02],
        "initial_stock": not args.no_initial_stock,
        "effect_on_recorded_frailty": not args.simulation_frailty,
        "seeds": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench_backtest_") as tmp:
        for seed in args.seeds:
            report["seeds"].append(run_seed(args, seed, Path(tmp)))
    summary = {}
    for area in ("comparison_1", "torbay"):
        rows = [s["areas"][area] for s in report["seeds"]]
        inside = sum(r["inside"] for r in rows)
        total = sum(r["setting_years"] for r in rows)
        summary[area] = {
            "share_inside_80": round(inside / total, 3),
            "median_relative_width_by_seed": [r["median_relative_width"] for r in rows],
            "share_inside_80_by_seed": [r["share_inside_80"] for r in rows],
        }
    report["summary"] = summary
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
