"""A full person-level evaluation at scale: time and peak memory on DuckDB (budget 5 min, 8 GiB).

    .venv/bin/python benchmarks/bench_evaluation_scale.py --people 1500000 --keep var/eval3m

Generates a place of `--people` in the integrated area and the same in the comparison area
(3 million people in all by default, with the planted effects), then runs the matched
difference-in-differences design (`matched_did`: cohort, propensity score and matching, balance,
person-years, Poisson difference-in-differences with person-clustered errors, event study,
placebo start date, common support, E-value) for the chosen outcome in a fresh process, the way
`caretrust evaluate` runs it. The evaluation's wall time and its process's peak resident memory
(DuckDB's buffers included: they live in the same process) are what the budget is about;
generating the place is timed apart. Results: benchmarks/results/evaluation_scale.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "evaluation_scale.json"
BUDGET_SECONDS = 300
BUDGET_GIB = 8.0


def generate(args: argparse.Namespace, place: Path) -> dict:
    from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

    config = SyntheticConfig(
        people=args.people,
        comparison_people=args.people,
        years=args.years,
        seed=args.seed,
        integration=IntegrationEffects(start=dt.date(args.start_year, 4, 1)),
        prescriptions=False,
    )
    started = time.perf_counter()
    write(config, place, formats=("parquet",))
    return {"seconds": round(time.perf_counter() - started, 1), "people": 2 * args.people}


def evaluate_in_this_process(place: Path, outcome: str, start: dt.date, pre_years: int) -> dict:
    """Run one evaluation; print a JSON line with its steps, timings and result."""
    from caretrust.population import connect
    from caretrust.population.evaluation import EvaluationSpec, evaluate

    started = time.perf_counter()
    steps: list[dict] = []

    def step(message: str) -> None:
        steps.append({"step": message, "at_seconds": round(time.perf_counter() - started, 2)})

    result = evaluate(
        connect(place),
        EvaluationSpec("matched_did", start=start, outcome=outcome, pre_years=pre_years),
        step,
    )
    seconds = time.perf_counter() - started
    truth = json.loads((place / "truth" / "effects.json").read_text())
    effect = result.effect
    return {
        "outcome": outcome,
        "status": result.status,
        "refusal": result.refusal,
        "seconds": round(seconds, 1),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "steps": steps,
        "estimate": None if effect is None else effect.rate_ratio.estimate,
        "low": None if effect is None else effect.rate_ratio.low,
        "high": None if effect is None else effect.rate_ratio.high,
        "planted": _planted(truth, outcome),
        "counts": result.counts,
        "diagnostics": {d.name: d.status for d in result.diagnostics},
        "headline": result.headline,
    }


def _planted(truth: dict, outcome: str) -> float | None:
    from caretrust.population.evaluation.prepare import OUTCOMES, planted_rate_ratio

    return planted_rate_ratio(truth, OUTCOMES[outcome])


def _earlier_generation(args: argparse.Namespace) -> dict | None:
    """Reusing a place: keep the generation timing the earlier run of this size recorded."""
    if not args.output.exists():
        return None
    earlier = json.loads(args.output.read_text())
    return earlier.get("generated") if earlier.get("people") == 2 * args.people else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_500_000, help="people in each area")
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--start-year", type=int, default=2019)
    # 4 years before the start: enough for the placebo start date, so no diagnostic is skipped
    parser.add_argument("--pre-years", type=int, default=4)
    parser.add_argument(
        "--outcomes",
        default="emergency_admissions,care_home_admissions,emergency_length_of_stay",
    )
    parser.add_argument("--keep", type=Path, help="where the place is written (kept)")
    parser.add_argument("--reuse", action="store_true", help="use the place already in --keep")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one evaluation, in its own process
    args = parser.parse_args()
    start = dt.date(args.start_year, 4, 1)
    if args.child:
        print(json.dumps(evaluate_in_this_process(args.keep, args.child, start, args.pre_years)))
        return
    place = args.keep or Path("var") / f"eval_scale_{args.people}"
    generated = _earlier_generation(args) if args.reuse else generate(args, place)
    runs = []
    for outcome in args.outcomes.split(","):
        command = [sys.executable, __file__, "--child", outcome, "--keep", str(place)]
        command += ["--start-year", str(args.start_year), "--pre-years", str(args.pre_years)]
        started = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        run["process_seconds"] = round(time.perf_counter() - started, 1)
        run["within_budget"] = (
            run["seconds"] <= BUDGET_SECONDS and run["peak_rss_gib"] <= BUDGET_GIB
        )
        runs.append(run)
        print(json.dumps({k: run[k] for k in ("outcome", "seconds", "peak_rss_gib", "estimate")}))
    out = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "people": 2 * args.people,
        "areas": {"integrated": args.people, "comparison": args.people},
        "years": args.years,
        "seed": args.seed,
        "backend": "duckdb",
        "design": "matched_did",
        "pre_years": args.pre_years,
        "collapsed_cells": (
            "none across people: the difference-in-differences runs on one row per person and "
            "period (before, after), the event study and placebo on one row per person and year"
        ),
        "budget": {"seconds": BUDGET_SECONDS, "peak_rss_gib": BUDGET_GIB},
        "generated": generated,
        "runs": runs,
    }
    args.output.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
