"""Benchmark FHIR Bulk Data `$export` (ADR 117) for 100,000 people, against PostgreSQL.

    python benchmarks/bench_bulk_export.py [--people 100000] [--conditions 2]
        [--database postgres://postgres@127.0.0.1:5432/bulk20_bench] [--port 8772] [--reuse]

1. Creates (or, with --reuse, keeps) a PostgreSQL database with the demo directory and
   `--people` people registered at DEMO-GP1, each with an NHS number and `--conditions` stored
   Conditions, loaded with INSERT ... SELECT and COPY (not measured). One in 20 has opted out of
   secondary use (left out of the system-level export).
2. Issues two static-token clients: the practice's coordinator (Patient level: it sees every
   person registered there) and an analyst's client approved for pseudonymised secondary use
   (system level), and records a National Data Opt-out check that clears everyone.
3. Starts `caretrust serve` (one process; the background job runs in its embedded worker thread)
   and, for each level: kicks off `$export`, polls the status URL until the manifest comes, and
   downloads every file. Measures the time to the manifest, the download time, and the peak RSS of
   the server process (sampled every 0.1 s, before and during the export).
Results: benchmarks/results/bulk_export.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).parent))
from bench_record_load import NHS_SYSTEM, fresh_demo_database, nhs_numbers

RESULTS = Path(__file__).parent / "results" / "bulk_export.json"


def load(database: str, people: int, per_person: int) -> None:
    """The demo directory, then `people` people at DEMO-GP1 (INSERT ... SELECT), their NHS
    numbers (COPY) and `per_person` Conditions each."""
    import psycopg

    fresh_demo_database(database)
    with psycopg.connect(database) as conn:
        practice = conn.execute(
            "select id from organisations_organisation where code = 'DEMO-GP1'"
        ).fetchone()[0]
        offset = conn.execute("select coalesce(max(id), 0) from people_person").fetchone()[0]
        conn.execute(
            """
            insert into people_person (id, ref, given_name, family_name, preferred_name,
                birth_date, sex, address, postcode, phone, gp_practice_id, demographics_source,
                opted_out_of_secondary_use, version, linkage_pending, ethnicity, created_at,
                updated_at)
            select %(offset)s + g, md5(g::text || 'bulk')::uuid, 'Given' || (g %% 997),
                'Family' || (g %% 1009), '', date '1930-01-01' + (g %% 25000),
                case when g %% 2 = 0 then 'female' else 'male' end, g || ' Bench Street',
                'TQ' || (g %% 9) || ' ' || (g %% 10) || 'AB', '01803 ' || g, %(practice)s,
                'bench', g %% 20 = 0, 1, false, '', now(), now()
            from generate_series(1, %(people)s) as g
            """,
            {"offset": offset, "people": people, "practice": practice},
        )
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY people_personidentifier (person_id, system, value, verification, source, "
                "data_quality) FROM STDIN"
            ) as copy,
        ):
            for i, number in enumerate(nhs_numbers(people)):
                copy.write_row((offset + i + 1, NHS_SYSTEM, number, "01", "bench", ""))
        conn.execute("select setval('people_person_id_seq', (select max(id) from people_person))")
        conn.commit()
        conn.execute(
            """
            insert into record_resource (resource_type, logical_id, version_id, last_updated,
                content, content_hash, person_id, source, source_id, source_version, status,
                date, subject_reference, identifier_index, unresolved, quarantined,
                rejected_reason)
            select 'Condition', 'c' || p.id || '-' || k, 1, now(),
                jsonb_build_object('resourceType', 'Condition',
                    'subject', jsonb_build_object('reference', 'Patient/' || p.ref),
                    'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object(
                        'system', 'http://snomed.info/sct', 'code', '49436004',
                        'display', 'Atrial fibrillation'))),
                    'onsetDateTime', '2020-01-0' || (k + 1)),
                md5(p.id::text || k::text), p.id, 'bench', 'c' || p.id || '-' || k, '',
                'active', date '2020-01-01' + k, 'Patient/' || p.ref, '', '[]'::jsonb, false, ''
            from people_person p, generate_series(0, %(n)s - 1) as k
            where p.demographics_source = 'bench'
            """,
            {"n": per_person},
        )
        conn.commit()
        conn.execute("ANALYZE")


def manage(database: str, *args: str) -> str:
    return caretrust(database, "manage", *args)


def caretrust(database: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run(
        [sys.executable, "-m", "caretrust.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def token(database: str, name: str, organisation: str, role: str) -> str:
    out = manage(database, "issue_fhir_token", name, "--organisation", organisation, "--role", role)
    return re.search(r"token \(shown once, store it safely\): (\S+)", out).group(1)


class PeakRss:
    """The highest RSS of a process and its children, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def now(self) -> int:
        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def _sample(self) -> None:
        while not self.stopped.wait(0.1):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> PeakRss:
        self.peak = self.now()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()


def export(base: str, path: str, bearer: str, pid: int) -> dict:
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {bearer}",
            "Prefer": "respond-async",
            "Accept": "application/fhir+json",
        }
    )
    before = PeakRss(pid).now()
    with PeakRss(pid) as rss:
        started = time.perf_counter()
        kick = session.get(f"{base}/fhir/{path}", timeout=60)
        assert kick.status_code == 202, kick.text
        status_url = kick.headers["Content-Location"]
        polls = 0
        while True:
            status = session.get(status_url, timeout=60)
            polls += 1
            if status.status_code == 200:
                break
            assert status.status_code == 202, status.text
            time.sleep(0.5)
        manifest_seconds = time.perf_counter() - started
        manifest = status.json()
        downloaded = 0
        started_download = time.perf_counter()
        for output in manifest["output"]:
            with session.get(output["url"], stream=True, timeout=600) as response:
                response.raise_for_status()
                for chunk in response.iter_content(1 << 20):
                    downloaded += len(chunk)
        download_seconds = time.perf_counter() - started_download
    return {
        "level": path,
        "seconds_to_manifest": round(manifest_seconds, 1),
        "seconds_to_download": round(download_seconds, 1),
        "status_polls": polls,
        "output": [{"type": o["type"], "count": o["count"]} for o in manifest["output"]],
        "bytes": downloaded,
        "server_rss_before_mb": round(before / 2**20, 1),
        "server_rss_peak_mb": round(rss.peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--conditions", type=int, default=2, help="per person")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bulk20_bench")
    parser.add_argument("--port", type=int, default=8772)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_seconds = None
    if not args.reuse:
        started = time.perf_counter()
        load(args.database, args.people, args.conditions)
        load_seconds = round(time.perf_counter() - started, 1)
        print(f"loaded in {load_seconds} s", flush=True)
    gp = token(args.database, "bench-export-gp", "DEMO-GP1", "coordinator")
    analyst = token(args.database, "bench-export-icb", "DEMO-GP1", "analyst")
    manage(args.database, "approve_secondary_use", "bench-export-icb", "--approval", "bench")
    # A system-level export needs a current National Data Opt-out check (ADR 87): the bench's
    # stands in for the national service by clearing every number submitted.
    numbers = Path("/tmp/bulk20_bench_ndop.txt")
    caretrust(args.database, "export", "ndop-submission", str(numbers))
    caretrust(args.database, "import", "ndop", str(numbers), "--cleared-on", time.strftime("%F"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "CARETRUST_BULK_EXPORT_DIR": "/tmp/bulk20_bench_exports",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "caretrust.cli", "serve", "--port", str(args.port)], env=env
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(60):
            try:
                requests.get(f"{base}/about/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(1)
        runs = [
            export(base, "Patient/$export", gp, server.pid),
            export(base, "$export", analyst, server.pid),
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "benchmark": "FHIR Bulk Data $export (ADR 117)",
        "people": args.people,
        "conditions_per_person": args.conditions,
        "database": "PostgreSQL (local)",
        "server": "caretrust serve (one process, waitress; the job in its embedded worker thread)",
        "load_seconds": load_seconds,
        "runs": runs,
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "note": "shared with other work; PostgreSQL, the server and the client on one machine",
        },
        "date": time.strftime("%Y-%m-%d"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
