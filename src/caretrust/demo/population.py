"""The demo's synthetic place, loaded through the same commands an operator would run:
generate → import FHIR → import CLD (with linkage) → export Parquet → score risk and publish
indicators. Runs once per var/ folder; a marker file records what was loaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEMO_LOCALITIES = "torquay,paignton,brixham"
# Practice i serves locality i mod 3, so GP1 and GP2 are Torquay's as in the demo directory.
DEMO_PRACTICES = "DEMO-GP1,DEMO-GP3,DEMO-GP4,DEMO-GP2"
DEMO_AREA = "torbay"
# The Evaluation page's data (ADR 80): the imported place above is Torbay alone, so the demo writes
# a second synthetic place with a comparison area and 12 donor areas, integration from this date.
EVALUATION_START = "2019-04-01"


def _caretrust(*args: str | Path) -> None:
    command = [sys.executable, "-m", "caretrust.cli", *map(str, args)]
    print(f"$ caretrust {' '.join(map(str, args[:3]))} …", flush=True)
    subprocess.run(command, check=True, env=os.environ.copy())  # noqa: S603 (our own CLI)


def _today() -> str:
    return os.environ.get("CARETRUST_TODAY") or time.strftime("%Y-%m-%d")


def _simulate_national_check(submitted: Path, returned: Path, share: float = 0.054) -> None:
    """Stands in for NHS England's service in the demo: it returns the numbers submitted less
    about 5.4% (the national opt-out rate is of that order), chosen by a hash so the same
    numbers are always removed."""
    import hashlib

    lines = submitted.read_text().splitlines()
    kept = [
        n
        for n in lines[1:]
        if int(hashlib.sha256(n.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF >= share
    ]
    returned.write_text("\n".join([lines[0], *kept]) + "\n")


def prepare(var_dir: Path, *, people: int, years: int = 10, seed: int = 7) -> dict:
    """Load the demo population unless this var/ folder already has it."""
    root = var_dir / "demo"
    marker = root / "population.json"
    if marker.exists():
        return json.loads(marker.read_text())
    synthetic, extract = root / "synthetic", var_dir / "analytics" / "extract"
    shutil.rmtree(synthetic, ignore_errors=True)
    started = time.monotonic()
    _caretrust(
        "generate",
        "--people", people,
        "--comparison-people", 1,
        "--years", years,
        "--seed", seed,
        "--out", synthetic,
        "--localities", DEMO_LOCALITIES,
        "--practices", DEMO_PRACTICES,
    )  # fmt: skip
    _caretrust("import", "fhir", synthetic / "fhir")
    _caretrust("import", "cld", *sorted((synthetic / "cld").glob("*.csv")))
    # The extract is a secondary use (ADR 87): submit the NHS numbers to the National Data
    # Opt-out check and import what it returns, cleared today.
    submitted, returned = root / "ndop-submitted.csv", root / "ndop-returned.csv"
    _caretrust("export", "ndop-submission", submitted)
    _simulate_national_check(submitted, returned)
    _caretrust("import", "ndop", returned, "--cleared-on", _today())
    shutil.rmtree(extract, ignore_errors=True)
    _caretrust("export", "parquet", extract, "--area", DEMO_AREA)
    _caretrust("outcomes", "refresh", "--data", extract)
    evaluation = var_dir / "analytics" / "evaluation"
    shutil.rmtree(evaluation, ignore_errors=True)
    _caretrust(
        "generate",
        "--people", 20_000,
        "--comparison-people", 20_000,
        "--donor-areas", 12,
        "--donor-people", 3_000,
        "--years", 8,
        "--start", "2015-04-01",
        "--integration-start", EVALUATION_START,
        "--localities", DEMO_LOCALITIES,
        "--seed", seed,
        "--no-prescriptions",
        "--formats", "parquet",
        "--out", evaluation,
    )  # fmt: skip
    facts = {
        "people": people,
        "years": years,
        "seed": seed,
        "seconds": round(time.monotonic() - started),
    }
    marker.write_text(json.dumps(facts))
    return facts
