"""Benchmark the person page and FHIR read by id under load, against PostgreSQL.

    python benchmarks/bench_record_load.py [--people 1000000] [--clients 20] [--requests 2000]
        [--database postgres://postgres@127.0.0.1:5432/caretrust_bench] [--reuse]

1. Creates (or, with --reuse, keeps) a PostgreSQL database holding `--people` people, each with
   an NHS number and a few timeline events, loaded with COPY (the load is not what is measured).
2. Starts `caretrust serve` (waitress) on 127.0.0.1 against it.
3. `--clients` concurrent clients: a signed-in GP asking for person pages, and an API client
   reading Patient by id with a bearer token; every request is a real HTTP request with its
   authorisation and audit write.
Budgets (design.md): person page p95 <= 150 ms, FHIR read p95 <= 50 ms.
Results: benchmarks/results/record_load.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

DEMO_PASSWORD = "caretrust-demo"  # the published demo password (README)
RESULTS = Path(__file__).parent / "results" / "record_load.json"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def nhs_numbers(n: int) -> list[str]:
    """Valid (mod-11) numbers from the 999 range reserved for testing."""
    out, prefix = [], 990000000  # 99x: test-only ranges begin with 9
    weights = (10, 9, 8, 7, 6, 5, 4, 3, 2)
    while len(out) < n:
        digits = str(prefix)
        check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            out.append(digits + str(check))
        prefix += 1
    return out


def load(database: str, people: int) -> None:
    import psycopg

    env = {**os.environ, "DATABASE_URL": database}
    base, name = database.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    caretrust = [sys.executable, "-m", "caretrust.cli"]
    subprocess.run([*caretrust, "manage", "migrate", "-v0"], env=env, check=True)
    subprocess.run([*caretrust, "manage", "load_demo"], env=env, check=True)
    with psycopg.connect(database) as conn:
        practice = conn.execute(
            "select id from organisations_organisation where code = 'DEMO-GP1'"
        ).fetchone()[0]
        # the demo loader may already have made a few people
        offset = conn.execute("select coalesce(max(id), 0) from people_person").fetchone()[0]
        rng = random.Random(1)
        numbers = nhs_numbers(people)
        step = 100_000
        for start in range(0, people, step):
            stop = min(start + step, people)
            persons = io.StringIO()
            for i in range(start, stop):
                born = (
                    f"{rng.randint(1925, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                )
                persons.write(
                    f"{offset + i + 1}\t{uuid.uuid4()}\tGiven{i % 997}\tFamily{i % 1009}\t\t{born}\t\\N\t"
                    f"{'female' if i % 2 else 'male'}\t\tTQ{i % 9} {i % 10}AB\t\t{practice}\t"
                    f"bench\tf\t\\N\t1\tf\tnow()\tnow()\n"
                )
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY people_person (id, ref, given_name, family_name, preferred_name, "
                    "birth_date, death_date, sex, address, postcode, phone, gp_practice_id, "
                    "demographics_source, opted_out_of_secondary_use, merged_into_id, version, "
                    "linkage_pending, created_at, updated_at) FROM STDIN"
                ) as copy,
            ):
                copy.write(persons.getvalue().replace("now()", "2026-01-01 00:00:00+00"))
            identifiers = io.StringIO()
            events = io.StringIO()
            for i in range(start, stop):
                identifiers.write(f"{offset + i + 1}\t{NHS_SYSTEM}\t{numbers[i]}\t01\tbench\n")
                for k in range(5):
                    sector = "social_care" if k == 4 else "health"
                    events.write(
                        f"{offset + i + 1}\t20{10 + k}-0{1 + k}-1{k}\t{sector}\tbench\tEncounter\t"
                        f"Visit {k}\n"
                    )
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY people_personidentifier (person_id, system, value, verification, "
                    "source) FROM STDIN"
                ) as copy:
                    copy.write(identifiers.getvalue())
                with cur.copy(
                    "COPY record_timelineevent (person_id, date, sector, source, kind, summary) "
                    "FROM STDIN"
                ) as copy:
                    copy.write(events.getvalue())
            conn.commit()
            print(f"loaded {stop} people", flush=True)
        conn.execute("select setval('people_person_id_seq', (select max(id) from people_person))")
        conn.commit()
        conn.execute("ANALYZE")


def issue_token(database: str) -> str:
    env = {**os.environ, "DATABASE_URL": database}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "caretrust.cli",
            "manage",
            "issue_fhir_token",
            "bench-gp",
            "--organisation",
            "DEMO-GP1",
            "--role",
            "coordinator",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.search(r"token \(shown once, store it safely\): (\S+)", out).group(1)


def refs(database: str, n: int) -> list[str]:
    import psycopg

    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "select ref from people_person tablesample system (1) limit %s", (n,)
        ).fetchall()
    return [str(r[0]) for r in rows]


def signed_in_session(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/sign-in/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/sign-in/",
        data={"username": "gp", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/sign-in/"},
        timeout=30,
    )
    response.raise_for_status()
    return session


def run_load(urls_for, clients: int, per_client: int, make_session) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(number: int) -> None:
        nonlocal errors
        session = make_session()
        mine, bad = [], 0
        for url in urls_for(number, per_client):
            start = time.perf_counter()
            response = session.get(url, timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                bad += 1
            mine.append(elapsed)
        with lock:
            latencies.extend(mine)
            errors += bad

    # warm-up: one request per client
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(seconds, 1),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="per kind, in total")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/caretrust_bench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--load-only", action="store_true", help="load the database and stop")
    args = parser.parse_args()

    load_seconds = None
    if not args.reuse:
        start = time.perf_counter()
        load(args.database, args.people)
        load_seconds = round(time.perf_counter() - start, 1)
        print(f"loaded in {load_seconds} s", flush=True)
        if args.load_only:
            return
    token = issue_token(args.database)
    sample = refs(args.database, 5000)
    env = {**os.environ, "DATABASE_URL": args.database, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "caretrust.cli",
            "serve",
            "--port",
            str(args.port),
            "--threads",
            str(args.threads),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(60):
            try:
                requests.get(f"{base}/about/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(1)
        per_client = max(1, args.requests // args.clients)

        def page_urls(number: int, n: int) -> list[str]:
            rng = random.Random(number)
            return [f"{base}/people/{rng.choice(sample)}/" for _ in range(n)]

        def fhir_urls(number: int, n: int) -> list[str]:
            rng = random.Random(1000 + number)
            return [f"{base}/fhir/Patient/{rng.choice(sample)}" for _ in range(n)]

        def api_session() -> requests.Session:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            return session

        run_load(page_urls, args.clients, 2, lambda: signed_in_session(base))  # warm-up
        page = run_load(page_urls, args.clients, per_client, lambda: signed_in_session(base))
        fhir = run_load(fhir_urls, args.clients, per_client, api_session)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "people_in_database": args.people,
        "database": "PostgreSQL 15 on 127.0.0.1",
        "clients": args.clients,
        "server": f"caretrust serve (waitress, {args.threads} threads), one process",
        "load_seconds": load_seconds,
        "person_page": {**page, "budget_p95_ms": 150, "within_budget": page["p95_ms"] <= 150},
        "fhir_patient_read": {**fhir, "budget_p95_ms": 50, "within_budget": fhir["p95_ms"] <= 50},
        "note": "Every request authorises (GP registration) and writes an audit row. "
        "Client and server share the same 2 cores.",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
