"""Benchmark the synthetic population generator (issue 4; design.md budgets).

    python benchmarks/bench_synthetic.py [--people 3000000] [--fhir-people 1000000]

Stage 1 writes `--people` people (half integrated area, half comparison) x 10 years as Parquet;
stage 2 writes FHIR NDJSON and CLD CSV for `--fhir-people`. Each stage runs in its own process
so its peak RSS is its own. Budget for stage 1: 10 minutes and 8 GiB. Results go to
benchmarks/results/synthetic.json; the generated files are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "synthetic.json"
BUDGET_SECONDS, BUDGET_RSS_GIB = 600, 8


def run_stage(people: int, formats: str, out: Path) -> dict:
    from caretrust.synthetic import SyntheticConfig, write

    half = people // 2
    config = SyntheticConfig(people=people - half, comparison_people=half)
    start = time.perf_counter()
    stats = write(config, out, formats.split(","))
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "people": stats.people,
        "years": config.years,
        "formats": formats.split(","),
        "seconds_total": round(seconds, 1),
        "seconds_by_step": {k: round(v, 1) for k, v in stats.seconds.items()},
        "peak_rss_gib": round(peak_kib / 2**20, 2),
        "rows": stats.rows,
        "events_by_type": stats.events_by_type,
        "bytes": {k: v for k, v in stats.bytes.items() if k in formats.split(",")},
    }


def in_subprocess(people: int, formats: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench-synthetic-"))
    try:
        command = [sys.executable, __file__, "--stage", formats, "--people", str(people),
                   "--out", str(out / "data")]  # fmt: skip
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--fhir-people", type=int, default=1_000_000)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.people, args.stage, args.out)))
        return
    parquet = in_subprocess(args.people, "parquet")
    parquet["within_budget"] = (parquet["seconds_total"] <= BUDGET_SECONDS
                                and parquet["peak_rss_gib"] <= BUDGET_RSS_GIB)  # fmt: skip
    sources = in_subprocess(args.fhir_people, "fhir,cld")
    results = {"parquet": parquet, "fhir_and_cld": sources,
               "budget": {"seconds": BUDGET_SECONDS, "peak_rss_gib": BUDGET_RSS_GIB}}  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
