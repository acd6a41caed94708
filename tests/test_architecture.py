"""Boundaries from docs/adr/0002: the analytics half runs without Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DJANGO_FREE = [
    "caretrust.contract",
    "caretrust.population",
    "caretrust.population.indicators",
    "caretrust.population.spc",
    "caretrust.population.frailty",
    "caretrust.population.risk",
    "caretrust.population.projection",
    "caretrust.population.simulation",
    "caretrust.synthetic",
    "caretrust.funding.charging",
    "caretrust.funding.pooled",
]

# One interpreter imports each module in turn and reports any Django module loaded after it.
PROBE = """
import importlib, json, sys
report = {}
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
    report[name] = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
print(json.dumps(report))
"""


def test_analytics_modules_import_no_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(DJANGO_FREE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {name: loaded for name, loaded in report.items() if loaded} == {}
    assert set(report) == set(DJANGO_FREE)


def test_import_contracts_hold() -> None:
    """The layer and independence rules in pyproject.toml [tool.importlinter] (ADR 75): a new
    import that tangles two areas, or points upward, fails here with the chain that does it."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stdout + result.stderr
