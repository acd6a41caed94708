"""Issue #18's "done when" on THE DEMO PLACE (ADR 87): export the CLD return → `caretrust import
cld` into an empty database → export again gives identical files after sorting, with equal counts
per `Event_Type`.

The demo place is loaded as `caretrust demo` loads it (`caretrust.web.commands.demo` →
`caretrust.demo.population.prepare` → `caretrust.demo.scenario.load_demo_scenario`): the demo
directory, the synthetic place generated with the demo's settings (people, years, seed,
localities, practices), its people (FHIR Patients) and the councils' CLD files imported through
the same commands, then Edith's story. Left out, as they do not feed the CLD return: the FHIR
encounters and conditions (the health record; most of the demo's import time), the pooled budget,
the National Data Opt-out check (the return is a statutory duty the opt-out does not apply to,
records.md), the Parquet extract with risk scores (they only choose who the story's waiting
referrals are for) and the evaluation's second place.

Two quarters make the round trip: the one with the most events (the councils' imported history)
and the one of Edith's story, told today through caretrust's own services."""

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
from caretrust.portal.demo import EDITH_NHS_NUMBER

LA = "E06000027"  # Torbay, the demo's council


def _ok(said) -> None:
    assert said.exit_code == 0, (said.output, said.exception)


def _quarter(period_end: date) -> tuple[date, date]:
    """The quarter ending on `period_end` (the last day of March, June, September or December)."""
    return period_end.replace(month=period_end.month - 2, day=1), period_end


def _this_quarter() -> tuple[date, date]:
    from caretrust import clock

    today = clock.today()
    last_month = (today.month - 1) // 3 * 3 + 3
    following = date(today.year + last_month // 12, last_month % 12 + 1, 1)
    return _quarter(following - timedelta(days=1))


def _export(runner: CliRunner, period: tuple[date, date], path: Path) -> list[dict[str, str]]:
    """`caretrust export cld` for the period, for Torbay (the demo's council); the rows."""
    dates = ["--from", period[0].isoformat(), "--to", period[1].isoformat()]
    _ok(runner.invoke(app, ["export", "cld", *dates, "--output", str(path), "--la-code", LA]))
    return _rows(path)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
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
    # The people only: encounters and conditions are not a source of CLD events or person fields.
    patients = str(synthetic / "fhir" / "Patient.ndjson")
    _ok(runner.invoke(app, ["import", "fhir", patients, "--rejects", rejects]))
    cld_files = sorted(str(p) for p in (synthetic / "cld").glob("*.csv"))
    _ok(runner.invoke(app, ["import", "cld", *cld_files, "--rejects", rejects]))
    assert load_demo_scenario()
    loaded = time.monotonic() - started

    # The quarter in which the demo has the most events (the councils' reporting periods), and
    # the quarter of Edith's story, told today through caretrust's own services (requests,
    # assessments and plan services from the record rather than from an imported file).
    busiest = (
        SocialCareEvent.objects.exclude(reporting_period_end=None)
        .values("reporting_period_end")
        .annotate(n=Count("pk"))
        .order_by("-n", "reporting_period_end")
        .first()
    )
    quarters = {"busiest": _quarter(busiest["reporting_period_end"]), "story": _this_quarter()}
    exported = {}
    for name, period in quarters.items():
        exported[name] = _export(runner, period, tmp_path / f"{name}-first.csv")
        by_type = Counter(r["Event_Type"] for r in exported[name])
        assert {"Request", "Assessment", "Service"} <= set(by_type), (name, by_type)
    assert EDITH_NHS_NUMBER in {r["NHS_Number"] for r in exported["story"]}

    for name, period in quarters.items():
        call_command("flush", interactive=False, verbosity=0)  # an empty database
        assert not Person.objects.exists() and not SocialCareEvent.objects.exists()
        first, second = tmp_path / f"{name}-first.csv", tmp_path / f"{name}-second.csv"
        _ok(runner.invoke(app, ["import", "cld", str(first), "--rejects", rejects]))
        assert SocialCareEvent.objects.count() == len(exported[name]), name
        again = _export(runner, period, second)

        by_type = Counter(r["Event_Type"] for r in exported[name])
        assert Counter(r["Event_Type"] for r in again) == by_type, name
        lines = [sorted(path.read_text().splitlines()) for path in (first, second)]
        assert lines[0] == lines[1], name
        print(
            f"\nDemo place CLD, {name} quarter {period[0]}..{period[1]}: {len(again)} rows, "
            f"{dict(sorted(by_type.items()))}"
        )
    print(f"Loaded in {loaded:.0f} s; all in {time.monotonic() - started:.0f} s")
