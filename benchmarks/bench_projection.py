"""Benchmark `caretrust project`: baseline preparation on DuckDB, then 256 runs × 20 years.

    .venv/bin/python benchmarks/bench_projection.py [--data DIR] [--people 100000] [--runs 256]

Without --data it generates a place with caretrust.synthetic (--people in the integrated area and
as many in one comparison area, 6 years). The budget (shared/design.md §5) is a ≤ 5 min baseline
and ≤ 2 min of runs for 3 million people on 2 cores. Runs work on the aggregated baseline cells
(area × sex × age band × frailty × setting), whose number does not grow with people, so the run
time measured here is the run time at 3 million; the baseline is a handful of grouped scans and is
reported per million people. Results go to benchmarks/results/projection.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=256)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/projection.json"))
    args = parser.parse_args()

    from caretrust.population import connect
    from caretrust.population.projection import load_scenario, prepare_baseline, run_projection

    report: dict = {
        "machine": {"cpus": os.cpu_count()},
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory(prefix="bench_projection_") as tmp:
        data = args.data
        if data is None:
            from caretrust.synthetic import SyntheticConfig, write

            data = Path(tmp) / "place"
            config = SyntheticConfig(people=args.people, comparison_people=args.people, years=6)
            started = time.perf_counter()
            write(config, data, formats=("parquet",))
            report["generated"] = {
                "people": config.total_people,
                "years": config.years,
                "seconds": round(time.perf_counter() - started, 1),
                "generator": "caretrust.synthetic",
            }
        ds = connect(data, threads=args.threads)
        started = time.perf_counter()
        baseline = prepare_baseline(ds)
        baseline_seconds = time.perf_counter() - started
        people = int(baseline.population.sum())
        scenario = load_scenario("src/caretrust/population/data/scenarios/integrated_care.toml")
        started = time.perf_counter()
        result = run_projection(scenario, baseline, seed=1, runs=args.runs, years=args.years)
        run_seconds = time.perf_counter() - started
    cells = int((baseline.band_population() > 0).sum())
    report.update(
        {
            "baseline": {
                "year": baseline.year,
                "people_alive_at_start": people,
                "seconds": round(baseline_seconds, 1),
                "seconds_per_million_people": round(baseline_seconds / people * 1e6, 1),
                "budget_seconds_at_3m": 300,
            },
            "runs": {
                "runs": args.runs,
                "years": args.years,
                "populated_cells": cells,
                "cell_settings": int(baseline.activity.size),
                "seconds": round(run_seconds, 1),
                "budget_seconds": 120,
                "note": "runs operate on cells, not people: the same at 3 million people",
            },
            "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
            "principal_final_year": {
                row.setting: round(float(row.principal), 1)
                for row in result.to_frame().query("year == @result.years[-1]").itertuples()
            },
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
