"""Benchmark `caretrust export cld` and its round trip on a generated place (ADR 87).

    python benchmarks/bench_cld_export.py [--people 100000] [--database URL] [--empty URL]

1. generates a place of `--people` people (ten years to 30 September 2026) as council CLD files;
2. imports the integrated area's file into a fresh PostgreSQL database (`--database`; the few
   rows the generator writes twice by DHSC's unique-event rule are set aside with --skip-invalid);
3. exports the return for 2026-07-01..2026-09-30 (timed, peak memory): every row checked against
   the specification's field rules before the file is written;
4. imports that return into a second, empty database (`--empty`) and exports again (timed);
5. checks the two files are identical after sorting, with equal counts per Event_Type.
Each step is the real command in its own process (peak RSS sampled every 0.2 s). Target for
100,000 people: each export at most 2 minutes and 2 GiB. Results: benchmarks/results/cld_export.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

RESULTS = Path(__file__).parent / "results" / "cld_export.json"
PERIOD = ("2026-07-01", "2026-09-30")


def run(args: list[str], env: dict) -> dict:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "caretrust.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    parent, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            peak = max(peak, parent.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.2)
    output = process.stdout.read()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        print(output[-5000:])
        raise SystemExit(f"{args[:3]} failed")
    return {
        "seconds": round(seconds, 1),
        "peak_rss_gib": round(peak / 2**30, 3),
        "said": [line for line in output.splitlines() if line[:1].isalnum()][-8:],
    }


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def counts(path: Path) -> dict[str, int]:
    with path.open(newline="") as handle:
        return dict(sorted(Counter(row["Event_Type"] for row in csv.DictReader(handle)).items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/cld_db")
    parser.add_argument("--empty", default="postgres://postgres@127.0.0.1:5432/test_cld_db_empty")
    parser.add_argument("--keep", type=Path, help="work in (and keep) this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_cld_"))
    work.mkdir(parents=True, exist_ok=True)
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "caretrust.config.settings.dev",
        "CARETRUST_TODAY": "2026-10-15",
        "CARETRUST_VAR_DIR": str(work / "var"),
    }
    result: dict = {
        "people": args.people,
        "period": PERIOD,
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
        },
        "target": {"export_seconds": 120, "export_peak_rss_gib": 2.0},
    }
    synthetic = work / "synthetic"
    if not (synthetic / "cld").is_dir():
        result["generate"] = run(
            ["generate", "--people", str(args.people), "--comparison-people", "1",
             "--start", "2016-10-01", "--years", "10", "--formats", "cld", "--out", str(synthetic)],
            base_env,
        )  # fmt: skip
    history = max((synthetic / "cld").glob("*.csv"), key=lambda p: p.stat().st_size)
    with history.open() as handle:
        result["history_rows"] = sum(1 for _ in handle) - 1

    first_env = {**base_env, "DATABASE_URL": args.database}
    fresh_database(args.database)
    run(["manage", "migrate", "-v0"], first_env)
    # The generated history has a few events twice by DHSC's unique-event rule (4 in 104,356
    # rows at 100,000 people): kept out as rejects, as a council would.
    result["import_history"] = run(
        ["import", "cld", "--no-link", "--skip-invalid", "--rejects", str(work / "rejects.ndjson"),
         str(history)],
        first_env,
    )  # fmt: skip
    first = work / "first.csv"
    result["export"] = run(
        ["export", "cld", "--from", PERIOD[0], "--to", PERIOD[1], "--output", str(first)],
        first_env,
    )

    empty_env = {**base_env, "DATABASE_URL": args.empty}
    fresh_database(args.empty)
    run(["manage", "migrate", "-v0"], empty_env)
    result["import_return_into_empty_database"] = run(
        ["import", "cld", "--no-link", str(first)], empty_env
    )
    second = work / "second.csv"
    result["export_again"] = run(
        ["export", "cld", "--from", PERIOD[0], "--to", PERIOD[1], "--output", str(second)],
        empty_env,
    )

    lines = [sorted(path.read_text().splitlines()) for path in (first, second)]
    result["rows"] = len(lines[0]) - 1
    result["by_event_type"] = counts(first)
    result["identical_after_sorting"] = lines[0] == lines[1]
    result["equal_counts_per_event_type"] = counts(first) == counts(second)
    result["met_target"] = all(
        result[step]["seconds"] <= 120 and result[step]["peak_rss_gib"] <= 2.0
        for step in ("export", "export_again")
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
