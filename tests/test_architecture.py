"""Boundaries from docs/adr/0002: the analytics half runs without Django."""

from __future__ import annotations

import json
import subprocess
import sys

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
