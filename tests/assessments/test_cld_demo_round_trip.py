"""Issue #18's "done when" on THE DEMO PLACE (ADR 87): export the CLD return → `caretrust import
cld` into an empty database → export again gives identical files after sorting, with equal counts
per `Event_Type`.

The demo place is loaded as `caretrust demo` loads it (`caretrust.web.commands.demo` →
`caretrust.demo.population.prepare` → `caretrust.demo.scenario.load_demo_scenario`): the demo
directory, the synthetic place generated with the demo's settings (people, years, seed,
localities, practices), its FHIR records and the councils' CLD files imported through the same
commands (of the FHIR records, the people only), then Edith's story. Left out, as they do not feed the CLD return: the National Data
Opt-out check (the return is a statutory duty the opt-out does not apply to, records.md), the
Parquet extract with risk scores (they only choose who the story's waiting referrals are for)
and the evaluation's second place."""

from __future__ import annotations

import csv
import inspect
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caretrust.cli import app


def _ok(said) -> None:
    assert said.exit_code == 0, (said.output, said.exception)


def _quarter(period_end: date) -> tuple[date, date]:
    """The quarter ending on `period_end` (the last day of March, June, September or December)."""
    return period_end.replace(month=period_end.month - 2, day=1), period_end


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db(transaction=True)
def test_the_demo_place_round_trips_through_an_empty_database(demo_directory, tmp_path) -> None:
    from django.core.management import call_command
    from django.db.models import Count

    from caretrust.demo.population import DEMO_LOCALITIES, DEMO_PRACTICES, prepare
    from caretrust.demo.scenario import load_demo_scenario
    from caretrust.people.models import Person
    from caretrust.record.models import SocialCareEvent
    from caretrust.web.commands import demo

    started = time.monotonic()
    runner = CliRunner()
    defaults = inspect.signature(prepare).parameters
    synthetic = tmp_path / "synthetic"
    _ok(
        runner.invoke(
            app,
            [
                "generate",
                "--people", str(inspect.signature(demo).parameters["people"].default.default),
                "--comparison-people", "1",
                "--years", str(defaults["years"].default),
                "--seed", str(defaults["seed"].default),
                "--out", str(synthetic),
                "--localities", DEMO_LOCALITIES,
                "--practices", DEMO_PRACTICES,
                "--formats", "fhir,cld",
            ],
        )
    )  # fmt: skip
    rejects = str(tmp_path / "rejects.ndjson")
    # Only the people: the demo's encounters and conditions (most of its import time) are the
    # health record, not a source of CLD events or of the person fields the return carries.
    patients = str(synthetic / "fhir" / "Patient.ndjson")
    _ok(runner.invoke(app, ["import", "fhir", patients, "--rejects", rejects]))
    cld_files = sorted(str(p) for p in (synthetic / "cld").glob("*.csv"))
    _ok(runner.invoke(app, ["import", "cld", *cld_files, "--rejects", rejects]))
    load_demo_scenario()
    loaded = time.monotonic() - started

    # The quarter in which the demo has the most events (the councils' reporting periods).
    busiest = (
        SocialCareEvent.objects.exclude(reporting_period_end=None)
        .values("reporting_period_end")
        .annotate(n=Count("pk"))
        .order_by("-n", "reporting_period_end")
        .first()
    )
    period_start, period_end = _quarter(busiest["reporting_period_end"])
    assert period_end - period_start < timedelta(days=92)
    la = "E06000027"  # Torbay, the demo's council
    period = ["--from", period_start.isoformat(), "--to", period_end.isoformat()]
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _ok(runner.invoke(app, ["export", "cld", *period, "--output", str(first), "--la-code", la]))
    first_rows = _rows(first)
    by_type = Counter(r["Event_Type"] for r in first_rows)
    assert {"Request", "Assessment", "Service"} <= set(by_type), by_type

    call_command("flush", interactive=False, verbosity=0)  # an empty database
    assert not Person.objects.exists() and not SocialCareEvent.objects.exists()
    _ok(runner.invoke(app, ["import", "cld", str(first), "--rejects", rejects]))
    assert SocialCareEvent.objects.count() == len(first_rows)
    _ok(runner.invoke(app, ["export", "cld", *period, "--output", str(second), "--la-code", la]))

    assert Counter(r["Event_Type"] for r in _rows(second)) == by_type
    lines = [sorted(path.read_text().splitlines()) for path in (first, second)]
    assert lines[0] == lines[1]
    print(
        f"\nDemo place CLD {period_start}..{period_end}: {len(first_rows)} rows "
        f"{dict(sorted(by_type.items()))}; loaded in {loaded:.0f} s, "
        f"all in {time.monotonic() - started:.0f} s"
    )
