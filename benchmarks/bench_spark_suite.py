"""How long the suite's Spark tests take together (issue #21: under 5 minutes).

    .venv/bin/python benchmarks/bench_spark_suite.py

Runs `pytest -m spark` (one process, as the tests share one Spark session) with a JUnit report and
writes the wall time, pytest's own total and each test's time to
benchmarks/results/spark_suite.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "spark_suite.json"
BUDGET_SECONDS = 300


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "spark.xml"
        load_before = [round(x, 2) for x in os.getloadavg()]
        started = time.perf_counter()
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "spark"]
        subprocess.run([*command, f"--junitxml={report}", "tests"], cwd=ROOT, check=True)
        wall = time.perf_counter() - started
        suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    tests = sorted(
        (
            {
                "test": f"{case.get('classname')}::{case.get('name')}",
                "seconds": float(case.get("time", 0)),
            }
            for case in suite.iter("testcase")
        ),
        key=lambda row: -row["seconds"],
    )
    out = {
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before},
        "tests": len(tests),
        "failures": int(suite.get("failures", 0)) + int(suite.get("errors", 0)),
        "wall_seconds": round(wall, 1),
        "pytest_seconds": float(suite.get("time", 0)),
        "budget_seconds": BUDGET_SECONDS,
        "within_budget": wall <= BUDGET_SECONDS,
        "slowest": tests[:10],
    }
    RESULTS.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("tests", "wall_seconds", "within_budget")}))


if __name__ == "__main__":
    main()
