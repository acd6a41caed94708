"""Import rate of `caretrust import fhir` into PostgreSQL, end to end, sampled across the file.

    python benchmarks/bench_import_rate.py --people 50000 --keep DIR \\
        --code before=/path/to/main/src --code after=src [--database URL] [--template DB]

Generates (or reuses in `--keep`) a synthetic population: `--people` in each of the two areas, so
100,000 people by default, written as FHIR NDJSON by `caretrust.synthetic`. For each `--code`
(a label and the `src` folder of the code to measure, e.g. main's and this branch's, run one after
the other in the same session on the same files), into a fresh PostgreSQL database each time:
1. imports Patient.ndjson (the people index, by NHS number);
2. imports Condition+MedicationRequest.ndjson (the two Bulk Data files one after the other, as
   one file, as benchmarks/bench_ingest.py does);
3. re-imports Patient.ndjson (idempotence: no version added; an update would add the version
   it superseded, ADR 134);
each with the real command in its own process, sampling every half second how far the importer
has read into the file (its file offset, turned into resources read through the line offsets)
and the memory of the importer and of its validating workers. Encounters (29 per person) are left
out as in bench_ingest.py; `--types` adds them. `--limit-seconds` caps a slow run (the rate is
then over the part imported, and the JSON says so). Results: benchmarks/results/import_rate.json.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

RESULTS = Path(__file__).parent / "results" / "import_rate.json"
INTERVALS = 10  # the rate is shown for each tenth of the file's resources


def line_offsets(path: Path) -> list[int]:
    """Byte offset of the end of each line."""
    offsets, position = [], 0
    with path.open("rb") as handle:
        for line in handle:
            position += len(line)
            offsets.append(position)
    return offsets


def _position(process: psutil.Process, path: Path) -> int | None:
    for child in [process, *process.children(recursive=True)]:
        for handle in child.open_files():
            if handle.path == str(path):
                return handle.position
    return None


def run_import(
    path: Path, env: dict, offsets: list[int], boundaries: dict[str, int], limit: float | None
) -> dict:
    """`caretrust import fhir PATH --no-link`, sampled; rate per tenth of the file and per type
    (`boundaries`: resource type → how many lines of the file come before its first line)."""
    command = [sys.executable, "-m", "caretrust.cli", "import", "fhir", str(path), "--no-link"]
    start = time.perf_counter()
    # Its own process group, so a capped run stops its validating workers too (they hold the
    # output pipe open: killing the importer alone left this script waiting for ever).
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    parent = psutil.Process(process.pid)
    samples: list[tuple[float, int]] = []  # (seconds, resources read)
    memory: list[tuple[int, int]] = []  # (resources read, RSS of importer and workers)
    peak_main = peak_total = peak_workers = 0
    capped = False
    total = len(offsets)
    cpu: dict[int, float] = {}  # pid → CPU seconds (user + system) last seen
    backends: list[psutil.Process] = []
    while process.poll() is None:
        try:
            main = parent.memory_info().rss
            children = parent.children(recursive=True)
            workers = sum(c.memory_info().rss for c in children)
            position = _position(parent, path)
            for p in [parent, *children]:
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
            if not backends:
                backends = _backends(env["DATABASE_URL"])
            for b in backends:
                times = b.cpu_times()
                cpu[-b.pid] = times.user + times.system
        except psutil.Error:
            break
        now = time.perf_counter() - start
        peak_main, peak_workers = max(peak_main, main), max(peak_workers, workers)
        peak_total = max(peak_total, main + workers)
        if position is not None:
            samples.append((now, bisect.bisect_right(offsets, position)))
            memory.append((samples[-1][1], main + workers))
        if limit and now > limit:
            capped = True
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.5)
    output = process.communicate()[0].decode(errors="replace")
    seconds = now if capped else time.perf_counter() - start  # a capped run: to the cap
    if process.returncode != 0 and not capped:
        print(output[-5000:])
        raise SystemExit(f"{command} failed")
    read = samples[-1][1] if capped and samples else total
    result: dict = {
        "resources": read,
        "seconds": round(seconds, 1),
        "resources_per_second": round(read / seconds, 1),
        "peak_rss_importer_mib": round(peak_main / 2**20),
        "peak_rss_workers_mib": round(peak_workers / 2**20),
        "peak_rss_total_mib": round(peak_total / 2**20),
    }
    if capped:
        result["capped"] = (
            f"stopped after {limit} s having read {read:,} of {total:,} resources (nothing "
            "committed: the file is one transaction); the rate is over the part read"
        )
    else:
        result["said"] = [line for line in output.splitlines() if line[:1].isalnum()][-3:]
    # CPU seconds used (to the last sample): what the import costs whatever else the machine
    # runs. Worker processes are counted while alive; the backend is PostgreSQL's.
    importer_cpu = sum(v for k, v in cpu.items() if k > 0)
    database_cpu = sum(v for k, v in cpu.items() if k < 0)
    result["cpu_seconds"] = {
        "importer_and_workers": round(importer_cpu, 1),
        "postgresql_backend": round(database_cpu, 1),
        "microseconds_per_resource": round((importer_cpu + database_cpu) / max(read, 1) * 1e6),
    }
    result["rate_across_file"] = _intervals(samples, total, seconds, capped)
    _add_memory(result["rate_across_file"], memory)
    result["rate_per_type"] = _per_type(samples, boundaries, total, seconds, capped)
    return result


def _time_at(samples: list[tuple[float, int]], count: int) -> float | None:
    """When the importer had read `count` resources (linear between samples)."""
    previous = (0.0, 0)
    for seconds, read in samples:
        if read >= count:
            if read == previous[1]:
                return seconds
            share = (count - previous[1]) / (read - previous[1])
            return previous[0] + share * (seconds - previous[0])
        previous = (seconds, read)
    return None


def _intervals(samples, total: int, seconds: float, capped: bool) -> list[dict]:
    """Resources and rate for each tenth of the file. The reader runs a couple of chunks (1,000
    lines) ahead of the writer; the last tenth ends when the command ends (commit included)."""
    out, before_t, before_n = [], 0.0, 0
    for i in range(1, INTERVALS + 1):
        count = round(total * i / INTERVALS)
        at = seconds if (i == INTERVALS and not capped) else _time_at(samples, count)
        if at is None:
            break
        out.append(
            {
                "cumulative_resources": count,
                "cumulative_seconds": round(at, 1),
                "resources_per_second": round((count - before_n) / max(at - before_t, 1e-9), 1),
            }
        )
        before_t, before_n = at, count
    return out


def _add_memory(intervals: list[dict], memory: list[tuple[int, int]]) -> None:
    """The peak RSS of importer and workers while each tenth was read: flat memory shows as the
    same figure from the second tenth on (the first includes the start)."""
    before = 0
    for interval in intervals:
        seen = [rss for read, rss in memory if before < read <= interval["cumulative_resources"]]
        if seen:
            interval["peak_rss_total_mib"] = round(max(seen) / 2**20)
        before = interval["cumulative_resources"]


def _per_type(samples, boundaries: dict[str, int], total: int, seconds: float, capped: bool):
    out = {}
    starts = sorted(boundaries.items(), key=lambda kv: kv[1])
    for n, (name, first) in enumerate(starts):
        last = starts[n + 1][1] if n + 1 < len(starts) else total
        t0 = _time_at(samples, first) if first else 0.0
        t1 = seconds if (last == total and not capped) else _time_at(samples, last)
        if t0 is None or t1 is None:
            continue
        out[name] = {
            "resources": last - first,
            "resources_per_second": round((last - first) / max(t1 - t0, 1e-9), 1),
        }
    return out


def _backends(url: str) -> list[psutil.Process]:
    """PostgreSQL's processes serving the importer (its database, not this script's queries)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url) as conn:
        pids = conn.execute(
            "select pid from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    try:
        return [psutil.Process(pid) for (pid,) in pids]
    except psutil.Error:
        return []


def fresh_database(url: str, template: str | None) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def query(url: str, sql: str):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def measure(label: str, src: Path, args, files: dict) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "DATABASE_URL": args.database,
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    fresh_database(args.database, args.template)
    if not args.template:
        subprocess.run(
            [sys.executable, "-m", "caretrust.cli", "manage", "migrate", "-v0"], env=env, check=True
        )
    commit = subprocess.run(
        ["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out: dict = {"code": f"{src} at {commit}", "load_average_at_start": os.getloadavg()}
    for step, name in (
        ("patients", "patients"),
        ("clinical", "clinical"),
        ("reimport", "patients"),
    ):
        path, offsets, boundaries = files[name]
        # Version rows are the superseded versions (ADR 134): any update adds one, so a
        # re-import that changes nothing adds none.
        before = query(args.database, "select count(*) from record_resourceversion")
        result = run_import(path, env, offsets, boundaries, args.limit_seconds)
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        if step == "reimport":
            result["versions_added"] = (
                query(args.database, "select count(*) from record_resourceversion") - before
            )
        out[step] = result
        print(label, step, {k: v for k, v in result.items() if k not in ("rate_across_file",)})
        if result.get("capped"):
            break
    done = [out[s] for s in ("patients", "clinical") if s in out]
    resources = sum(s["resources"] for s in done)
    seconds = sum(s["seconds"] for s in done)
    out["overall"] = {
        "resources": resources,
        "seconds": round(seconds, 1),
        "resources_per_second": round(resources / seconds, 1),
    }
    if "capped" not in out.get("clinical", {}) and "clinical" in out:
        out["database"] = {
            "resources": query(args.database, "select count(*) from record_resource"),
            "timeline_events": query(args.database, "select count(*) from record_timelineevent"),
            "people": query(args.database, "select count(*) from people_person"),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000, help="people in each of 2 areas")
    parser.add_argument("--types", default="Condition,MedicationRequest", help="besides Patient")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/caretrust_rate")
    parser.add_argument("--template", help="a migrated database to copy (skips migrate)")
    parser.add_argument("--keep", type=Path, required=True, help="generate into (or reuse)")
    parser.add_argument("--code", action="append", required=True, help="label=path/to/src")
    parser.add_argument("--limit-seconds", type=float, help="stop a slow import after this")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    from caretrust.synthetic import SyntheticConfig, write

    work = args.keep
    result: dict = {
        "people": args.people * 2,
        "areas": 2,
        "types": ["Patient", *args.types.split(",")],
        "machine": f"{os.cpu_count()} cores shared by importer, validating worker(s), PostgreSQL "
        "and other users of the machine (see load averages)",
        "note": args.note,
    }
    if not (work / "fhir" / "Patient.ndjson").exists():
        start = time.perf_counter()
        write(SyntheticConfig(people=args.people, seed=11), work, formats=("fhir",))
        result["generate_seconds"] = round(time.perf_counter() - start, 1)
    fhir = work / "fhir"
    patients = fhir / "Patient.ndjson"
    clinical = work / f"{'+'.join(args.types.split(','))}.ndjson"
    if not clinical.exists():
        # Written under another name first: a run stopped while writing it left a cut file
        # that later runs took as made.
        partial = clinical.with_suffix(".partial")
        with partial.open("wb") as out:
            for t in args.types.split(","):
                with (fhir / f"{t}.ndjson").open("rb") as part:
                    shutil.copyfileobj(part, out, 2**24)
        partial.rename(clinical)
    boundaries, first = {}, 0
    for t in args.types.split(","):
        boundaries[t] = first
        with (fhir / f"{t}.ndjson").open("rb") as part:
            first += sum(1 for _ in part)
    files = {
        "patients": (patients, line_offsets(patients), {"Patient": 0}),
        "clinical": (clinical, line_offsets(clinical), boundaries),
    }
    result["files"] = {
        p.name: {"resources": len(o), "bytes": p.stat().st_size} for p, o, _ in files.values()
    }
    result["runs"] = {}
    for spec in args.code:
        label, _, src = spec.partition("=")
        result["runs"][label] = measure(label, Path(src).resolve(), args, files)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v["overall"] for k, v in result["runs"].items()}, indent=2))


if __name__ == "__main__":
    main()
