"""Spark local mode beside DuckDB on the same contract data: every indicator (month and year
grains), frailty and risk (benchmarks/bench_population.py's `run`).

    python benchmarks/bench_spark_vs_duckdb.py [--sizes 1000000] [--master local[2]] [--output F]

Data from bench_population's quick generator, one directory per size. The Spark session is
started once, before the timings (its start-up is reported on its own). Done when, at 1 million
people, Spark local mode is within 3x of DuckDB. Results: benchmarks/results/spark_vs_duckdb.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).parent / "results" / "spark_vs_duckdb.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        help="where the JSON goes (small trial runs: not the committed 1 million result)",
    )
    args = parser.parse_args()
    from benchmarks.bench_population import generate, run
    from caretrust.population.backends import make_spark_session

    report: dict = {
        "cpus": os.cpu_count(),
        "master": args.master,
        "driver_memory": args.driver_memory,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "sizes": [],
    }
    start = time.perf_counter()
    session = make_spark_session(args.master, args.driver_memory)
    report["spark_session_start_seconds"] = round(time.perf_counter() - start, 1)
    report["spark_settings"] = {
        key: session.conf.get(key)
        for key in (
            "spark.sql.shuffle.partitions",
            "spark.sql.adaptive.enabled",
            "spark.sql.execution.arrow.pyspark.enabled",
        )
    }
    # local mode keeps each contract table once, opted-out people removed, hash-partitioned on
    # person_id into spark.sql.shuffle.partitions parts (SparkBackend.keep, ADR 0129)
    report["spark_tables_kept"] = "memory and disk, hash-partitioned on person_id"
    with tempfile.TemporaryDirectory() as tmp:
        for people in [int(n) for n in args.sizes.split(",")]:
            data = Path(tmp) / f"p{people}"
            generate(data, people)
            duck = run(data, "duckdb")
            load_between = [round(x, 2) for x in os.getloadavg()]
            spark = run(data, "spark", session=session)
            entry = {
                "people": people,
                "duckdb_seconds": duck["total_seconds"],
                "spark_seconds": spark["total_seconds"],
                "spark_over_duckdb": round(spark["total_seconds"] / duck["total_seconds"], 2),
                "load_average_after_duckdb": load_between,
                "duckdb": duck,
                "spark": spark,
            }
            report["sizes"].append(entry)
            print(json.dumps({k: v for k, v in entry.items() if k not in ("duckdb", "spark")}))
    session.stop()
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
