"""Benchmark caretrust.population: all indicators + frailty + risk scores.

    .venv/bin/python benchmarks/bench_population.py [--data DIR] [--people 3000000]

Without --data it generates a contract directory: via caretrust.synthetic when that package is
installed, otherwise with the quick vectorised generator below (10 years of events, realistic-ish
rates; not a model of anything). DuckDB runs the full population; Spark local mode runs a
100,000-person sample. Results go to benchmarks/results/population.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

END = dt.date(2024, 3, 31)
START = dt.date(2014, 4, 1)
DAYS = (END - START).days


def _dates(offsets: np.ndarray) -> pa.Array:
    base = np.datetime64(START, "D")
    return pa.array((base + offsets.astype("timedelta64[D]")).astype("datetime64[D]"))


def generate(directory: Path, n: int, seed: int = 1) -> None:
    """Quick vectorised contract data: people, conditions, prescriptions, encounters, CLD."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    age0 = rng.integers(0, 100, n)
    birth = np.datetime64(START, "D") - (age0 * 365.25 + rng.integers(0, 365, n)).astype(
        "timedelta64[D]"
    )
    dies = rng.random(n) < 0.08 + 0.004 * np.maximum(age0 - 60, 0)
    death = np.where(dies, rng.integers(0, DAYS, n), -1)
    ids = np.char.add("P", np.char.zfill(np.arange(n).astype(str), 7))
    areas = np.array(["torbay", "comparison_1", "comparison_2"])[rng.integers(0, 3, n)]
    loc = rng.integers(0, 4, n).astype(str)
    death_col = pa.array(
        np.where(
            dies, np.datetime64(START, "D") + death.astype("timedelta64[D]"), np.datetime64("NaT")
        ).astype("datetime64[D]")
    )
    pq.write_table(
        pa.table(
            {
                "person_id": ids,
                "nhs_number": pa.nulls(n, pa.string()),
                "sex": np.where(rng.random(n) < 0.51, "female", "male"),
                "birth_date": pa.array(birth.astype("datetime64[D]")),
                "death_date": death_col,
                "area": areas,
                "locality": np.char.add(np.char.add(areas, "_"), loc),
                "gp_practice": np.char.add(
                    "L8", np.char.zfill(rng.integers(0, 400, n).astype(str), 4)
                ),
                "postcode": pa.nulls(n, pa.string()),
                "lives_alone": rng.random(n) < 0.3,
                "has_unpaid_carer": rng.random(n) < 0.1,
                "opted_out": rng.random(n) < 0.05,
            }
        ),
        directory / "people.parquet",
    )
    old = np.clip(age0 - 40, 0, None)

    def who(rate_per_person: np.ndarray) -> np.ndarray:
        counts = rng.poisson(rate_per_person)
        return np.repeat(np.arange(n), counts)

    from caretrust.population.frailty import codelist

    codes = codelist().code.to_numpy()
    c = who(0.5 + old / 8)
    pq.write_table(
        pa.table(
            {
                "person_id": ids[c],
                "code_system": np.full(len(c), "http://snomed.info/sct"),
                "code": codes[rng.integers(0, len(codes), len(c))],
                "display": pa.nulls(len(c), pa.string()),
                "onset_date": _dates(rng.integers(-3650, DAYS, len(c))),
            }
        ),
        directory / "conditions.parquet",
    )
    r = who(old / 3)
    pq.write_table(
        pa.table(
            {
                "person_id": ids[r],
                "drug_class": np.char.add("02", rng.integers(1, 13, len(r)).astype(str)),
                "issue_date": _dates(rng.integers(0, DAYS, len(r))),
            }
        ),
        directory / "prescriptions.parquet",
    )
    e = who(0.3 + old / 25)
    start = rng.integers(0, DAYS, len(e))
    kind = np.array(["gp", "ae", "emergency_admission", "elective_admission"])[
        rng.choice(4, len(e), p=[0.5, 0.25, 0.15, 0.1])
    ]
    admitted = np.isin(kind, ["emergency_admission", "elective_admission"])
    los = np.where(admitted, rng.geometric(0.2, len(e)) - 1, 0)
    dx = np.array(["I500", "S720", "J44", "E115", "K35", "R69"])[rng.integers(0, 6, len(e))]
    dest = np.array(["home", "home_with_reablement", "residential_care", "died", "other"])[
        rng.choice(5, len(e), p=[0.75, 0.08, 0.05, 0.04, 0.08])
    ]
    dest_code = np.select(
        [dest == "home", dest == "died", dest == "residential_care"], ["19", "79", "54"], "29"
    )
    pq.write_table(
        pa.table(
            {
                "person_id": ids[e],
                "encounter_id": np.char.add("E", np.arange(len(e)).astype(str)),
                "kind": kind,
                "start_date": _dates(start),
                "end_date": _dates(start + los),
                "primary_diagnosis": pa.array(np.where(admitted, dx, None)),
                "external_cause": pa.array(np.where(admitted & (dx == "S720"), "W19", None)),
                "is_transfer": rng.random(len(e)) < 0.03,
                "discharge_destination": pa.array(np.where(admitted, dest, None)),
                "discharge_destination_code": pa.array(np.where(admitted, dest_code, None)),
            }
        ),
        directory / "encounters.parquet",
    )
    s = who(np.where(age0 > 64, 0.15, 0.01))
    s = np.repeat(s, 3)
    step = np.tile([0, 1, 2], len(s) // 3)
    req = np.repeat(rng.integers(0, DAYS - 200, len(s) // 3), 3)
    offsets = req + step * rng.integers(0, 60, len(s))
    etype = np.array(["request", "assessment", "service"])[step]
    stype = np.array(["long_term_community", "long_term_residential", "long_term_nursing"])[
        rng.choice(3, len(s), p=[0.7, 0.2, 0.1])
    ]
    n_s = len(s)
    pq.write_table(
        pa.table(
            {
                "person_id": ids[s],
                "event_id": np.char.add("S", np.arange(n_s).astype(str)),
                "la_code": np.full(n_s, "E06000027"),
                "event_type": etype,
                "start_date": _dates(offsets),
                "end_date": _dates(
                    np.where(step == 2, offsets + rng.integers(30, 900, n_s), offsets)
                ),
                "client_type": np.full(n_s, "service_user"),
                "request_route_of_access": pa.nulls(n_s, pa.string()),
                "assessment_type": pa.nulls(n_s, pa.string()),
                "eligible_needs_identified": pa.nulls(n_s, pa.bool_()),
                "service_type": pa.array(np.where(step == 2, stype, None)),
                "service_component": pa.nulls(n_s, pa.string()),
                "delivery_mechanism": pa.nulls(n_s, pa.string()),
                "unit_cost": pa.nulls(n_s, pa.float64()),
                "cost_frequency_unit_type": pa.nulls(n_s, pa.string()),
                "planned_units_per_week": pa.nulls(n_s, pa.float64()),
                "event_outcome": pa.nulls(n_s, pa.string()),
            }
        ),
        directory / "social_care_events.parquet",
    )


def sample(source: Path, target: Path, n: int) -> None:
    import duckdb

    target.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        f"create table ids as select person_id from '{source}/people.parquet' "
        f"order by hash(person_id) limit {n}"
    )
    for name in ("people", "conditions", "prescriptions", "encounters", "social_care_events"):
        con.execute(
            f"copy (select * from '{source}/{name}.parquet' semi join ids using (person_id))"
            f" to '{target}/{name}.parquet' (format parquet)"
        )


class PeakRss:
    """Peak resident memory of this process and its children (Spark's JVM), sampled."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    def _total(self) -> int:
        try:
            import psutil
        except ImportError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        me = psutil.Process(os.getpid())
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def __enter__(self):
        def loop():
            while not self._stop.wait(0.2):
                self.peak = max(self.peak, self._total())

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())


def run(data: Path, backend: str, **options) -> dict:
    from caretrust.population import connect
    from caretrust.population.frailty import frailty_scores
    from caretrust.population.indicators import INDICATORS, Scope, compute_indicator
    from caretrust.population.risk import stratify

    timings: dict[str, float] = {}
    with PeakRss() as rss:
        t0 = time.perf_counter()
        ds = connect(data, backend, **options)
        rows = 0
        for grain, start in (("month", dt.date(2021, 4, 1)), ("year", START)):
            scope = Scope(start=start, end=END, level="area", grain=grain)
            for ind in INDICATORS:
                t = time.perf_counter()
                rows += len(compute_indicator(ds, ind, scope))
                timings[f"{ind.id}/{grain}"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        frail = ds.execute(frailty_scores(ds, END))
        timings["frailty"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        result = stratify(ds, END)
        timings["risk"] = round(time.perf_counter() - t, 2)
        total = time.perf_counter() - t0
    return {
        "backend": backend,
        "total_seconds": round(total, 1),
        "indicator_rows": rows,
        "frailty_people": len(frail),
        "risk_people_scored": len(result.scores),
        "risk_auc_test": round(result.metrics.auc, 4),
        "peak_rss_gib": round(rss.peak / 2**30, 2),
        "step_seconds": timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path)
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--spark-sample", type=int, default=100_000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "population.json"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="caretrust-bench-"))
    report: dict = {"machine": {"cpus": os.cpu_count()}, "started": dt.datetime.now().isoformat()}
    data = args.data
    if data is None:
        data = work / "full"
        t = time.perf_counter()
        generate(data, args.people)
        report["generated"] = {
            "people": args.people,
            "years": 10,
            "seconds": round(time.perf_counter() - t, 1),
            "generator": "bench_population.generate",
        }
    sizes = {p.stem: pq.ParquetFile(p).metadata.num_rows for p in data.glob("*.parquet")}
    report["rows"] = sizes
    report["duckdb"] = run(data, "duckdb")
    print(json.dumps(report["duckdb"], indent=1))
    if not args.skip_spark:
        small = work / "sample"
        sample(data, small, args.spark_sample)
        report["spark_local_sample"] = {"people": args.spark_sample, **run(small, "spark")}
        print(json.dumps(report["spark_local_sample"], indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
