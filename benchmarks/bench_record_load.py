"""Benchmark the person page and FHIR read by id under load, against PostgreSQL.

    python benchmarks/bench_record_load.py [--people 1000000] [--clients 20] [--requests 2000]
        [--think 1.0] [--processes 2] [--threads 8]
        [--database postgres://postgres@127.0.0.1:5432/caretrust_bench] [--reuse]

1. Creates (or, with --reuse, keeps) a PostgreSQL database holding `--people` people, each with
   an NHS number and a few timeline events, loaded with COPY (the load is not what is measured).
2. Starts `caretrust serve --processes P --threads T` on 127.0.0.1 against it.
3. Two load models, each for both kinds of request (a signed-in GP asking for person pages; an API
   client reading Patient by id with a bearer token; every request is a real HTTP request with its
   authorisation and audit write):
   - **users with think time** (what the budget is about): `--clients` users, each waiting an
     exponentially distributed think time (mean `--think` s, seeded per user) after each response.
     A mean of 1 s is far busier than a person reading a record (tens of seconds between pages),
     so 20 such users stand for many more real ones.
   - **saturation** (zero think time, closed loop): the same clients send the next request as soon
     as the last one returns. It finds the maximum throughput; its latency is mostly queueing
     (latency ~ clients / throughput), not what one user waits.
   Sessions sign in before the clock starts (a sign-in hashes a password: seconds of CPU).
Client, server and PostgreSQL share the machine's cores; the result records the CPU each used.
Budgets (design.md): person page p95 <= 150 ms, FHIR read p95 <= 50 ms.
Results: benchmarks/results/record_load.json.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil
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


def fresh_demo_database(database: str) -> None:
    """Drop and create `database`, migrate it and load the demo directory (shared by benchmarks)."""
    import psycopg

    env = {**os.environ, "DATABASE_URL": database}
    base, name = database.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    caretrust = [sys.executable, "-m", "caretrust.cli"]
    subprocess.run([*caretrust, "manage", "migrate", "-v0"], env=env, check=True)
    subprocess.run([*caretrust, "manage", "load_demo"], env=env, check=True)


def load(database: str, people: int) -> None:
    import psycopg

    fresh_demo_database(database)
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


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def cpu_seconds(process: psutil.Process) -> float:
    """CPU time of a process and its children (gunicorn's workers)."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def database_cpu_seconds(name: str) -> float:
    """CPU time of the PostgreSQL backends serving database `name` (their titles name it)."""
    total = 0.0
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(f" {name} " in part for part in p.info["cmdline"] or []):
                times = p.cpu_times()
                total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def busy_cpu_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def run_load(
    urls_for, sessions: list, per_client: int, think: float, seed: int, server, database: str
) -> dict:
    """Each client: request, then (if `think`) an exponential think time; latency per request."""
    clients = len(sessions)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def worker(number: int) -> None:
        nonlocal errors
        session = sessions[number]
        rng = random.Random(seed * 1000 + number)
        urls = urls_for(number, per_client)
        mine, bad = [], 0
        ready.wait()
        if think:  # arrive at random, not all at once
            time.sleep(rng.expovariate(1 / think))
        for url in urls:
            start = time.perf_counter()
            try:
                ok = session.get(url, timeout=30).status_code == 200
            except requests.RequestException:  # counted, never a silently lost client
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            bad += not ok
            mine.append(elapsed)
            if think:
                time.sleep(rng.expovariate(1 / think))
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    server_cpu, client_cpu = cpu_seconds(server), time.process_time()
    database_cpu, busy = database_cpu_seconds(database), busy_cpu_seconds()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    server_cpu, client_cpu = cpu_seconds(server) - server_cpu, time.process_time() - client_cpu
    database_cpu = database_cpu_seconds(database) - database_cpu
    other_cpu = busy_cpu_seconds() - busy - server_cpu - client_cpu - database_cpu
    cores = (os.cpu_count() or 1) * seconds
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(seconds, 1),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        # where the cores went: per request, and as a share of all the machine's cores
        "cpu_ms_per_request": {
            "web_server": round(server_cpu * 1000 / len(latencies), 1),
            "postgresql": round(database_cpu * 1000 / len(latencies), 1),
            "load_client": round(client_cpu * 1000 / len(latencies), 1),
        },
        "cpu_share_of_all_cores": {
            "web_server": round(server_cpu / cores, 2),
            "postgresql": round(database_cpu / cores, 2),
            "load_client": round(client_cpu / cores, 2),
            "other_work_on_the_machine": round(max(other_cpu, 0.0) / cores, 2),
        },
    }


def budget(figures: dict, p95_ms: int) -> dict:
    return {**figures, "budget_p95_ms": p95_ms, "within_budget": figures["p95_ms"] <= p95_ms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="per kind and run, in total")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/caretrust_bench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--processes", type=int, default=2, help="web server processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--load-only", action="store_true", help="load the database and stop")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    database_name = args.database.rsplit("/", 1)[1]

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
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # each server thread keeps its connection for the whole run (the default, 60 s, would
        # reconnect now and then), so the PostgreSQL backends' CPU can be counted
        "DB_CONN_MAX_AGE": "900",
    }
    serve = [
        "caretrust",
        "serve",
        "--port",
        str(args.port),
        "--processes",
        str(args.processes),
        "--threads",
        str(args.threads),
    ]
    server = subprocess.Popen([sys.executable, "-m", "caretrust.cli", *serve[1:]], env=env)
    base = f"http://127.0.0.1:{args.port}"
    load_average = os.getloadavg()
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

        gps = [signed_in_session(base) for _ in range(args.clients)]
        apis = [api_session() for _ in range(args.clients)]
        process = psutil.Process(server.pid)
        run_load(
            page_urls, gps, 3, 0, 9, process, database_name
        )  # warm-up: every thread, both kinds
        run_load(fhir_urls, apis, 3, 0, 9, process, database_name)
        runs = {}
        for name, think in (("users_with_think_time", args.think), ("saturation", 0.0)):
            print(f"{name}...", flush=True)
            runs[name] = {
                "person_page": budget(
                    run_load(page_urls, gps, per_client, think, 1, process, database_name), 150
                ),
                "fhir_patient_read": budget(
                    run_load(fhir_urls, apis, per_client, think, 2, process, database_name), 50
                ),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "people_in_database": args.people,
        "database": "PostgreSQL 15 on 127.0.0.1",
        "server": f"{' '.join(serve)} ("
        + (
            f"gunicorn, {args.processes} gthread workers x {args.threads} threads)"
            if args.processes > 1
            else f"waitress, {args.threads} threads, one process)"
        ),
        "machine": {
            "cores": os.cpu_count(),
            "note": "The load client (one Python process, a thread per client), the web server "
            "and PostgreSQL all share these cores: the figures include the client's own cost. "
            "Other work on the machine is not stopped; the load average before the runs says "
            "how much there was.",
            "load_average_before": [round(x, 2) for x in load_average],
        },
        "server_environment": {"DEBUG": "false", "DB_CONN_MAX_AGE": "900"},
        "load_seconds": load_seconds,
        "load_models": {
            "users_with_think_time": f"{args.clients} users, closed loop, each waiting an "
            f"exponential think time (mean {args.think} s, seeded) after each response: the "
            "budget's 20 concurrent users. 1 s is much busier than a person reading a record.",
            "saturation": f"{args.clients} clients, closed loop, zero think time: the maximum "
            "throughput. Latency here is mostly queueing (about clients / throughput), not a "
            "user's wait; budgets are shown for completeness.",
        },
        "requests_per_kind_and_run": per_client * args.clients,
        **runs,
        "max_requests_per_second": {
            "person_page": runs["saturation"]["person_page"]["requests_per_second"],
            "fhir_patient_read": runs["saturation"]["fhir_patient_read"]["requests_per_second"],
        },
        "note": "Every request authorises (GP registration) and writes an audit row. Budgets "
        "(design.md section 5) are p95 with 20 concurrent users: the users_with_think_time run.",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
