"""Profile "My work" and the team in-tray in-process, one request at a time (issue #15, ADR 128).

    python benchmarks/profile_my_work.py --database postgres://postgres@127.0.0.1:5432/DB \
        [--requests 200] [--source before=/path/to/old/src --source after=src] [--output ...]

Not a load test: no server, no think time, no other users. Against the database
`bench_my_work.py --load-only` builds (1 million people, 50,000 open referrals), Django's test
client requests each page as the benchmark's users (`nurse`, a practitioner of the Torquay team;
`coordinator`) with the settings `caretrust serve` uses (DEBUG off), and reports per request:
wall and web-process CPU time (mean, median), SQL statements (CaptureQueriesContext), model
instances built (post_init signals), and the functions with the most own time under cProfile.

Each `--source` (label=path of a `src` directory) runs in a child process of its own with that
code first on its path, one after the other on the same database, so "before" and "after" are
measured in one run on the same data. Every request is real: authorised, its header counted and
its reads appended to the audit chain. Results: benchmarks/results/my_work_profile.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "my_work_profile.json"
PAGES = (
    ("my_work_practitioner", "nurse", "/"),
    ("my_work_coordinator", "coordinator", "/"),
    ("in_tray", "nurse", "/referrals/in-tray/"),
)


def measure(database: str, requests: int, top: int) -> dict:
    os.environ["DATABASE_URL"] = database
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caretrust.config.settings.dev")
    import django

    django.setup()
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import caretrust
    from caretrust.organisations.models import User

    instances = [0]

    def count_instance(sender, **kwargs) -> None:
        instances[0] += 1

    results: dict = {"code": str(Path(caretrust.__file__).parent.parent), "pages": {}}
    for page, username, path in PAGES:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))

        def get(client=client, path=path, username=username) -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} as {username}: HTTP {response.status_code}")

        for _ in range(10):  # warm-up: templates compiled, connection open, caches filled
            get()
        walls, cpus = [], []
        for _ in range(requests):
            wall, cpu = time.perf_counter(), time.process_time()
            get()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        with CaptureQueriesContext(connection) as captured:
            get()
        queries = captured.captured_queries  # now: the next request's start empties the log
        post_init.connect(count_instance)
        instances[0] = 0
        get()
        post_init.disconnect(count_instance)
        profiler = cProfile.Profile()
        profiled = max(20, requests // 4)
        profiler.enable()
        for _ in range(profiled):
            get()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(top)
        own = []
        for line in text.getvalue().splitlines():
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[1].replace(".", "", 1).isdigit():
                calls = int(parts[0].split("/")[0])
                own.append(
                    {
                        "ms_per_request": round(float(parts[1]) * 1000 / profiled, 2),
                        "calls_per_request": round(calls / profiled, 1),
                        "function": parts[5].replace(str(ROOT), "").replace(sys.prefix, "venv"),
                    }
                )
        results["pages"][page] = {
            "user": username,
            "path": path,
            "requests": requests,
            "wall_ms_mean": round(statistics.fmean(walls), 2),
            "wall_ms_median": round(statistics.median(walls), 2),
            "web_cpu_ms_mean": round(statistics.fmean(cpus), 2),
            "web_cpu_ms_median": round(statistics.median(cpus), 2),
            "sql_statements": len(queries),
            "statements": [f"{q['time']} s: {q['sql'][:200]}" for q in queries],
            "model_instances": instances[0],
            "top_own_time": own,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--top", type=int, default=25, help="functions listed from cProfile")
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        help="label=path of a src directory, measured in turn (default: this checkout)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        json.dump(measure(args.database, args.requests, args.top), sys.stdout)
        return
    sources = [s.split("=", 1) for s in args.source] or [["this", str(ROOT / "src")]]
    runs = {}
    for label, src in sources:
        print(f"{label}: {src} ...", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--child", "--database", args.database]
        command += ["--requests", str(args.requests), "--top", str(args.top)]
        env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
        out = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(f"{label} failed:\n{out.stderr[-4000:]}")
        runs[label] = json.loads(out.stdout)
        for page, figures in runs[label]["pages"].items():
            print(
                f"  {page}: wall {figures['wall_ms_mean']} ms (median {figures['wall_ms_median']}),"
                f" web CPU {figures['web_cpu_ms_mean']} ms, {figures['sql_statements']} statements,"
                f" {figures['model_instances']} model instances",
                file=sys.stderr,
                flush=True,
            )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    result = {
        "benchmark": "My work and the team in-tray in-process, one request at a time (profile)",
        "commit": commit,
        "database": args.database.rsplit("/", 1)[1],
        "settings": "caretrust.config.settings.dev, DEBUG off, Django test client",
        "load_average": os.getloadavg(),
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
