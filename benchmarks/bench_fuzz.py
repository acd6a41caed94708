"""Fuzz figures for issue 13: seeded, bounded malformed input against the FHIR API (2,000
requests through Django's test client) and both importers (240 files), on SQLite and, when
`--postgres URL` is given, PostgreSQL.

    python benchmarks/bench_fuzz.py [--postgres postgres://postgres@127.0.0.1:5432/test]

Runs tests/fuzz/test_fuzz.py (the same cases the test suite runs; seed in tests/fuzz/cases.py)
with CARETRUST_FUZZ_RESULTS pointing at benchmarks/results/fuzz.json, which then holds per
database: requests, responses by status and class, server errors, tracebacks (a 5xx, or an
exception the FHIR guard turned into a 400), 4xx answers that were not an OperationOutcome; files,
files committed and refused, problems, tracebacks (an importer raising instead of reporting),
problems longer than one line. Figures measured before the fixes are kept under
`before_fixes` (they were taken once, on main at 8b3bb36, by running the same test against
that commit's code).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "fuzz.json"


def run(database_url: str | None) -> int:
    env = {**os.environ, "CARETRUST_FUZZ_RESULTS": str(RESULTS)}
    args = [sys.executable, "-m", "pytest", "tests/fuzz", "-q", "-p", "no:cacheprovider"]
    if database_url:
        env["DATABASE_URL"] = database_url
        args += ["-m", "database"]
    else:
        env.pop("DATABASE_URL", None)
    return subprocess.run(args, cwd=ROOT, env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL for the second run")
    options = parser.parse_args()
    code = run(None)
    if options.postgres:
        code = run(options.postgres) or code
    print(RESULTS.read_text())
    return code


if __name__ == "__main__":
    sys.exit(main())
