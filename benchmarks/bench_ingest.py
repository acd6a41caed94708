"""Benchmark `caretrust import fhir|cld` into PostgreSQL and `caretrust export parquet`.

    python benchmarks/bench_ingest.py [--people 10000] [--types Patient,Condition,Encounter,
        MedicationRequest] [--database postgres://postgres@127.0.0.1:5432/caretrust_ingest]

Generates a synthetic population (`--people` in each of the two areas) as FHIR NDJSON and CLD
CSV, imports it into a fresh PostgreSQL database with the real commands (each in its own process,
so peak RSS is the importer's own), exports it back to Parquet, then re-imports the same files to
show idempotence. Memory flatness: the peak RSS of importing the first 1/4 of the largest file is
compared with importing all of it. Results: benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "ingest.json"


def run(args: list[str], env: dict) -> tuple[float, float, str]:
    """(seconds, peak RSS GiB of this child, output) for `python -m caretrust.cli ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "MAXRSS_KB=%M", sys.executable, "-m", "caretrust.cli", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0,):
        print(done.stdout[-3000:], done.stderr[-3000:])
        raise SystemExit(f"{args} failed")
    rss_kb = max(
        [int(line.split("=")[1]) for line in done.stderr.splitlines() if "MAXRSS_KB=" in line]
        or [before]
    )
    return seconds, rss_kb / 2**20, done.stdout


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def count(url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000, help="people in each area")
    parser.add_argument("--types", default="Patient,Condition,Encounter,MedicationRequest")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/caretrust_ingest")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    from caretrust.synthetic import SyntheticConfig, write

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    # DEBUG off as in production: with it on Django keeps the last 9,000 SQL statements.
    env = {**os.environ, "DATABASE_URL": args.database, "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    result: dict = {"people_per_area": args.people, "types": args.types.split(",")}
    try:
        start = time.perf_counter()
        write(SyntheticConfig(people=args.people, seed=11), work, formats=("fhir", "cld"))
        result["generate_seconds"] = round(time.perf_counter() - start, 1)
        files = [work / "fhir" / f"{t}.ndjson" for t in result["types"]]
        lines = {f.stem: sum(1 for _ in f.open("rb")) for f in files}
        result["resources_in_files"] = lines
        result["fhir_bytes"] = sum(f.stat().st_size for f in files)

        fresh_database(args.database)
        run(["manage", "migrate", "-v0"], env)
        seconds, rss, _ = run(["import", "fhir", *map(str, files), "--no-link"], env)
        total = sum(lines.values())
        result["fhir_import"] = {
            "resources": total,
            "seconds": round(seconds, 1),
            "resources_per_second": round(total / seconds, 1),
            "peak_rss_gib": round(rss, 3),
            "people_in_index": count(args.database, "select count(*) from people_person"),
        }
        cld = sorted((work / "cld").glob("*.csv"))
        rows = sum(sum(1 for _ in f.open("rb")) - 1 for f in cld)
        seconds, rss, _ = run(["import", "cld", *map(str, cld)], env)
        result["cld_import_with_linkage"] = {
            "rows": rows,
            "seconds": round(seconds, 1),
            "rows_per_second": round(rows / seconds, 1),
            "peak_rss_gib": round(rss, 3),
            "merged_by_linkage": count(
                args.database, "select count(*) from people_merge where reason = 'linkage'"
            ),
            "pairs_for_review": count(args.database, "select count(*) from people_linkcandidate"),
        }
        seconds, rss, _ = run(["import", "fhir", *map(str, files), "--no-link"], env)
        result["fhir_reimport_idempotent"] = {
            "seconds": round(seconds, 1),
            "resources_per_second": round(total / seconds, 1),
            "resources_after": count(args.database, "select count(*) from record_resource"),
            "versions_after": count(args.database, "select count(*) from record_resourceversion"),
        }
        seconds, rss, out = run(["export", "parquet", str(work / "export")], env)
        result["export_parquet"] = {
            "seconds": round(seconds, 1),
            "peak_rss_gib": round(rss, 3),
            "output": out.strip().splitlines(),
        }
        # Memory flatness: a quarter of the largest file, then all of it, into empty databases.
        largest = max(files, key=lambda f: f.stat().st_size)
        quarter = work / f"quarter-{largest.name}"
        with largest.open("rb") as source, quarter.open("wb") as target:
            for number, line in enumerate(source):
                if number >= lines[largest.stem] // 4:
                    break
                target.write(line)
        flat = {}
        for label, path in (("quarter", quarter), ("full", largest)):
            fresh_database(args.database)
            run(["manage", "migrate", "-v0"], env)
            seconds, rss, _ = run(["import", "fhir", str(path), "--no-link"], env)
            flat[label] = {"bytes": path.stat().st_size, "peak_rss_gib": round(rss, 3)}
        result["memory_flatness"] = {"file": largest.name, **flat}
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
