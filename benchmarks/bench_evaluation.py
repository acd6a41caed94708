"""Coverage of the evaluation designs over seeds: planted effects and null scenario.

For each seed, generate a small place (integrated area + one comparison area, optionally donor
areas), write it to a temporary directory, run the chosen designs on each chosen outcome and
record whether the 95% CI of the ratio covers the truth. The truth is read from the place's own
truth/effects.json (``prepare.planted_rate_ratio``): emergency admissions of frail people 65+
(1 + planted relative change), care home admissions (1 - share diverted to home care) and
emergency length of stay in bed days per stay (1 + planted relative change); 1 in the null
scenario.

    .venv/bin/python benchmarks/bench_evaluation.py --seeds 20 --people 6000 --years 8 \
        --outcomes emergency_admissions,care_home_admissions,emergency_length_of_stay

Writes benchmarks/results/evaluation_coverage.json (sizes, seeds, per-run estimates, coverage,
timings). Keep places small: this is about coverage, not scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import tempfile
import time
from pathlib import Path

from caretrust.population import connect
from caretrust.population.evaluation import EvaluationSpec, evaluate
from caretrust.population.evaluation.prepare import OUTCOMES, planted_rate_ratio
from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

DEFAULT_OUTCOMES = "emergency_admissions,care_home_admissions,emergency_length_of_stay"


def run_one(seed: int, scenario: str, args, designs: list[str], outcomes: list[str]) -> list[dict]:
    start = dt.date(args.start_year, 4, 1)
    effects = (
        IntegrationEffects.null(start)
        if scenario == "null"
        else IntegrationEffects(
            start=start,
            emergency_admissions_frail_65_plus=args.effect,
            residential_to_home_care_shift=args.care_home_shift,
            length_of_stay=args.los_effect,
        )
    )
    config = SyntheticConfig(
        people=args.people,
        comparison_people=args.people,
        donor_areas=args.donors,
        donor_people=args.donor_people or args.people,
        years=args.years,
        seed=seed,
        integration=effects,
        prescriptions=False,
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write(config, Path(tmp) / "place", formats=("parquet",))
        generate_s = time.perf_counter() - t0
        ds = connect(Path(tmp) / "place")
        planted = json.loads((Path(tmp) / "place" / "truth" / "effects.json").read_text())
        for design in designs:
            for outcome in outcomes:
                truth = planted_rate_ratio(planted, OUTCOMES[outcome])
                rows.append(
                    _evaluate_one(ds, design, outcome, truth, seed, scenario, start, args)
                    | {"generate_seconds": round(generate_s, 2)}
                )
    return rows


def _evaluate_one(ds, design, outcome, truth, seed, scenario, start, args) -> dict:
    t1 = time.perf_counter()
    comparisons = ("comparison_1",) if design == "matched_did" else ()
    result = evaluate(
        ds,
        EvaluationSpec(
            design=design, start=start, outcome=outcome, seed=seed,
            comparison_areas=comparisons, pre_years=args.pre_years,
        ),
    )  # fmt: skip
    row = {
        "seed": seed,
        "scenario": scenario,
        "design": design,
        "outcome": outcome,
        "truth_rate_ratio": truth,
        "status": result.status,
        "refusal": result.refusal,
        "evaluate_seconds": round(time.perf_counter() - t1, 2),
    }
    if result.effect is not None and truth is not None:
        rr = result.effect.rate_ratio
        row.update(
            estimate=rr.estimate,
            low=rr.low,
            high=rr.high,
            covers=bool(rr.low <= truth <= rr.high),
            excludes_one=bool(rr.high < 1 or rr.low > 1),
            log_half_width=(math.log(rr.high) - math.log(rr.low)) / 2,
            diagnostics={d.name: d.status for d in result.diagnostics},
        )
    return row


def summarise(rows: list[dict]) -> dict:
    """Per design, outcome and scenario: coverage of the truth (null: of no effect), the share
    of intervals excluding no effect, and the mean half-width (ratio and log scale)."""
    out = {}
    keys = sorted(
        {(r["design"], r.get("outcome", "emergency_admissions"), r["scenario"]) for r in rows}
    )
    for key in keys:
        chosen = [
            r for r in rows
            if (r["design"], r.get("outcome", "emergency_admissions"), r["scenario"]) == key
        ]  # fmt: skip
        runs = [r for r in chosen if "covers" in r]
        if not runs:
            continue
        estimates = sorted(r["estimate"] for r in runs)
        out[f"{key[0]}/{key[1]}/{key[2]}"] = {
            "runs": len(runs),
            "refused": sum(1 for r in chosen if r["status"] != "estimate"),
            "coverage": sum(r["covers"] for r in runs) / len(runs),
            "share_excluding_one": sum(r["excludes_one"] for r in runs) / len(runs),
            "mean_estimate": sum(estimates) / len(estimates),
            "median_estimate": estimates[len(estimates) // 2],
            "truth_rate_ratio": runs[0]["truth_rate_ratio"],
            "mean_ci_width": sum(r["high"] - r["low"] for r in runs) / len(runs),
            # half the 95% interval of the ratio, i.e. +/- this many points of % change / 100
            "mean_ci_half_width": sum(r["high"] - r["low"] for r in runs) / len(runs) / 2,
            "mean_log_half_width": sum((math.log(r["high"]) - math.log(r["low"])) / 2 for r in runs)
            / len(runs),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--people", type=int, default=6000, help="people per area")
    parser.add_argument("--donors", type=int, default=0, help="donor areas (synthetic control)")
    parser.add_argument("--donor-people", type=int, default=0)
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--start-year", type=int, default=2019)
    parser.add_argument("--pre-years", type=int, default=3)
    parser.add_argument("--effect", type=float, default=-0.15, help="emergency admissions")
    parser.add_argument("--care-home-shift", type=float, default=0.20, help="share diverted")
    parser.add_argument("--los-effect", type=float, default=-0.15, help="length of stay")
    parser.add_argument(
        "--outcomes", default=DEFAULT_OUTCOMES, help=f"comma-separated (default {DEFAULT_OUTCOMES})"
    )
    parser.add_argument("--designs", default="matched_did,staggered")
    parser.add_argument("--scenarios", default="planted,null")
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/evaluation_coverage.json")
    )
    args = parser.parse_args()
    designs = args.designs.split(",")
    outcomes = args.outcomes.split(",")
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        parser.error(f"unknown outcomes {sorted(unknown)}; choose from {sorted(OUTCOMES)}")
    rows, t0 = [], time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for scenario in args.scenarios.split(","):
            rows += run_one(seed, scenario, args, designs, outcomes)
            done = [r for r in rows if "covers" in r]
            print(
                f"seed {seed} {scenario}: "
                + ", ".join(
                    f"{r['design']}/{r['outcome']} {r.get('estimate', float('nan')):.3f} "
                    f"[{r.get('low', float('nan')):.3f}, {r.get('high', float('nan')):.3f}]"
                    for r in rows[-len(designs) * len(outcomes) :]
                )
                + f"  ({len(done)} runs, {time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        # written after every seed, so a stopped run still leaves its results
        _write(args, designs, outcomes, rows, t0, complete=seed == args.first_seed + args.seeds - 1)
    print(json.dumps(summarise(rows), indent=1))


def _write(
    args, designs: list[str], outcomes: list[str], rows: list[dict], t0: float, complete: bool
) -> None:
    seeds_done = len({r["seed"] for r in rows})
    result = {
        "benchmark": "evaluation coverage over seeds",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "complete": complete,
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "note": "2 cores shared with other work; timings are wall-clock under that load",
        },
        "parameters": {
            "seeds_requested": args.seeds,
            "seeds_done": seeds_done,
            "first_seed": args.first_seed,
            "people_per_area": args.people,
            "areas": 2 + args.donors,
            "donor_people": args.donor_people or args.people,
            "years": args.years,
            "integration_start": f"{args.start_year}-04-01",
            "pre_years": args.pre_years,
            "planted_effect": args.effect,
            "planted_care_home_shift": args.care_home_shift,
            "planted_length_of_stay": args.los_effect,
            "designs": designs,
            "outcomes": {name: OUTCOMES[name].definition() for name in outcomes},
            "cohort": "aged 65+ with 5+ coded eFI deficits on the index date",
        },
        "summary": summarise(rows),
        "total_seconds": round(time.perf_counter() - t0, 1),
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
