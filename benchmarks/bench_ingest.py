"""Benchmark `caretrust import fhir|cld` into PostgreSQL and `caretrust export parquet` at scale.

    python benchmarks/bench_ingest.py [--people 500000] [--database URL] [--keep DIR]

Generates a synthetic population (`--people` in each of the two areas, so 1M people by default)
as FHIR NDJSON and CLD CSV, then, each step with the real command in its own process:
1. imports every Patient (the people index, by NHS number) into a fresh PostgreSQL database;
2. imports their Conditions and MedicationRequests as ONE multi-GB NDJSON file (the two Bulk Data
   files one after the other), sampling the importer's memory every second against how far into
   the file it has read: the memory-flatness proof;
3. imports the councils' CLD files, with Splink linkage of people without an NHS number;
4. re-imports the Patient file (idempotence: nothing inserted or updated);
5. exports the linked record to Parquet (the analytics store).
Encounters (about 28 per person, 14 GB at 1M people) are left out of the 1M run: at the measured
rate they alone would take hours on 2 cores; their rate is the same code path (`--types` adds
them). Results: benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

RESULTS = Path(__file__).parent / "results" / "ingest.json"


def run(args: list[str], env: dict, watch: Path | None = None) -> dict:
    """Run `python -m caretrust.cli ARGS`; seconds, peak RSS (the importer and its validating
    worker) and, with `watch`, a memory sample every second against bytes of `watch` read."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "caretrust.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    parent = psutil.Process(process.pid)
    samples, peak_main, peak_total = [], 0, 0
    size = watch.stat().st_size if watch else 0
    while process.poll() is None:
        try:
            main = parent.memory_info().rss
            children = sum(c.memory_info().rss for c in parent.children(recursive=True))
            read = _position(parent, watch) if watch else 0
        except psutil.Error:
            break
        peak_main, peak_total = max(peak_main, main), max(peak_total, main + children)
        if watch:
            samples.append(
                {
                    "seconds": round(time.perf_counter() - start),
                    "file_read_fraction": round(min(read / size, 1.0), 3),
                    "importer_rss_mib": round(main / 2**20),
                    "worker_rss_mib": round(children / 2**20),
                }
            )
        time.sleep(1)
    output = process.stdout.read()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        print(output[-5000:])
        raise SystemExit(f"{args} failed")
    result = {
        "seconds": round(seconds, 1),
        "peak_rss_importer_gib": round(peak_main / 2**30, 3),
        "peak_rss_with_workers_gib": round(peak_total / 2**30, 3),
        # the command's own sentences (the summary table is drawn in box characters)
        "said": [line for line in output.splitlines() if line[:1].isalnum()][-6:],
    }
    if watch:
        result["memory_samples"] = samples
    return result


def _position(process: psutil.Process, path: Path) -> int:
    """How far the process has read into `path` (its file offset; 0 before it opens it)."""
    for child in [process, *process.children(recursive=True)]:
        for handle in child.open_files():
            if handle.path == str(path):
                return handle.position
    return 0


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def query(url: str, sql: str):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def lines_in(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def concatenate(parts: list[Path], target: Path) -> None:
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as source:
                shutil.copyfileobj(source, out, 2**24)


def flatness(samples: list[dict]) -> dict:
    """Peak memory over the first and the last quarter of the file read (samples after the
    importer has finished reading, when the file offset is gone, are left out)."""
    last_read = max(range(len(samples)), key=lambda i: samples[i]["file_read_fraction"], default=0)
    reading = samples[: last_read + 1]

    def peak(low: float, high: float) -> int:
        inside = [s["importer_rss_mib"] for s in reading if low <= s["file_read_fraction"] < high]
        return max(inside, default=0)

    first, last = peak(0.0, 0.25), peak(0.75, 1.01)
    return {
        "importer_peak_rss_mib_first_quarter_of_file": first,
        "importer_peak_rss_mib_last_quarter_of_file": last,
        "growth_mib": last - first,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500_000, help="people in each of 2 areas")
    parser.add_argument("--types", default="Condition,MedicationRequest", help="besides Patient")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/caretrust_ingest")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = parser.parse_args()
    from caretrust.synthetic import SyntheticConfig, write

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    # DEBUG off as in production: with it on Django keeps the last 9,000 SQL statements.
    env = {**os.environ, "DATABASE_URL": args.database, "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    result: dict = {
        "people_per_area": args.people,
        "areas": 2,
        "machine": f"{os.cpu_count()} cores, shared by importer, validating worker and PostgreSQL",
    }
    try:
        if not (work / "fhir" / "Patient.ndjson").exists():
            start = time.perf_counter()
            write(SyntheticConfig(people=args.people, seed=11), work, formats=("fhir", "cld"))
            result["generate_seconds"] = round(time.perf_counter() - start, 1)
        fhir = work / "fhir"
        patients = fhir / "Patient.ndjson"
        clinical = work / f"{'+'.join(args.types.split(','))}.ndjson"
        if not clinical.exists():
            concatenate([fhir / f"{t}.ndjson" for t in args.types.split(",")], clinical)
        counts = {"Patient": lines_in(patients), "clinical": lines_in(clinical)}
        result["files"] = {
            patients.name: {"resources": counts["Patient"], "bytes": patients.stat().st_size},
            clinical.name: {"resources": counts["clinical"], "bytes": clinical.stat().st_size},
        }

        fresh_database(args.database)
        run(["manage", "migrate", "-v0"], env)
        step = run(["import", "fhir", str(patients), "--no-link"], env)
        step["resources_per_second"] = round(counts["Patient"] / step["seconds"], 1)
        step["people_in_index"] = query(args.database, "select count(*) from people_person")
        result["import_patients"] = step

        step = run(["import", "fhir", str(clinical), "--no-link"], env, watch=clinical)
        step["resources_per_second"] = round(counts["clinical"] / step["seconds"], 1)
        step["memory_flatness"] = flatness(step["memory_samples"])
        every = max(1, len(step["memory_samples"]) // 200)  # keep the JSON readable
        step["memory_samples"] = step["memory_samples"][::every]
        result["import_clinical_multi_gb_ndjson"] = step

        cld = sorted((work / "cld").glob("*.csv"))
        rows = sum(lines_in(f) - 1 for f in cld)
        step = run(["import", "cld", *map(str, cld)], env)
        step["rows"] = rows
        step["rows_per_second"] = round(rows / step["seconds"], 1)
        step["merged_by_linkage"] = query(
            args.database, "select count(*) from people_merge where reason = 'linkage'"
        )
        step["pairs_for_review"] = query(args.database, "select count(*) from people_linkcandidate")
        result["import_cld_with_linkage"] = step

        before = query(args.database, "select count(*) from record_resourceversion")
        step = run(["import", "fhir", str(patients), "--no-link"], env)
        step["resources_per_second"] = round(counts["Patient"] / step["seconds"], 1)
        step["versions_added"] = (
            query(args.database, "select count(*) from record_resourceversion") - before
        )
        result["reimport_patients_idempotent"] = step

        # The extract is a secondary use: it needs a current National Data Opt-out check (ADR
        # 87). Here the national service is taken to clear every number submitted.
        run(["export", "ndop-submission", str(work / "ndop.csv")], env)
        run(
            ["import", "ndop", str(work / "ndop.csv"), "--cleared-on", date.today().isoformat()],
            env,
        )
        step = run(["export", "parquet", str(work / "export")], env)
        result["export_parquet"] = step

        result["database"] = {
            "people": query(args.database, "select count(*) from people_person"),
            "resources": query(args.database, "select count(*) from record_resource"),
            "timeline_events": query(args.database, "select count(*) from record_timelineevent"),
            "social_care_events": query(
                args.database, "select count(*) from record_socialcareevent"
            ),
            "size_gib": round(
                query(args.database, "select pg_database_size(current_database())") / 2**30, 2
            ),
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    shown = {k: v for k, v in result.items() if k != "import_clinical_multi_gb_ndjson"}
    print(json.dumps(shown, indent=2))
    print(json.dumps(result["import_clinical_multi_gb_ndjson"]["memory_flatness"], indent=2))


if __name__ == "__main__":
    main()
