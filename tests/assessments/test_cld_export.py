"""`caretrust export cld` (ADR 87): the statutory CLD return from the record, checked against the
specification's field rules before it is written, and the round trip export → import into an
empty database → export giving the same file."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from caretrust import clock
from caretrust.assessments import cld_events
from caretrust.assessments.cld_events import CldEvent
from caretrust.assessments.cld_export import (
    COLUMNS,
    RULES,
    VALUE_SETS,
    InvalidReturn,
    export_cld,
    field_problems,
)

SPEC = (Path(__file__).parents[2] / "docs/reference/cld-specification.md").read_text()
LA = "E06000027"  # Torbay
Q3 = (date(2026, 7, 1), date(2026, 9, 30))


def _spec_list(field: str) -> set[str]:
    match = re.search(re.escape(f"`{field}`") + r" \(([^)]*)\)", SPEC)
    assert match, field
    return {v.strip().strip('"').rstrip("…").strip().lower() for v in match.group(1).split(",")}


def _spec_service_types() -> set[str]:
    block = " ".join(
        SPEC.split("Service_Type (Release 2):", 1)[1].split("Event_Outcome", 1)[0].split()
    )
    values = set()
    for group in block.rstrip(".").split(";"):
        name, items = group.split(":", 1)
        values |= {f"{name.strip()}: {item.strip()}".lower() for item in items.split("|")}
    return values


def _spec_outcomes() -> set[str]:
    block = SPEC.split("Event_Outcome (Release 2):", 1)[1].split("DHSC rules", 1)[0]
    return {v.strip().rstrip(".").lower() for v in " ".join(block.split()).split(";")}


def test_the_value_sets_from_the_specification_are_its_own() -> None:
    """Every set marked `spec = true` in data/cld_fields.toml is exactly the specification's."""
    from_spec = {
        "Event_Type": _spec_list("Event_Type"),
        "Assessment_Type": _spec_list("Assessment_Type"),
        "Cost_Frequency_Unit_Type": _spec_list("Cost_Frequency_Unit_Type"),
        "Service_Type": _spec_service_types(),
        "Event_Outcome": _spec_outcomes(),
    }
    marked = {name for name, values in VALUE_SETS.items() if values.from_specification}
    assert marked == set(from_spec)
    for name, expected in from_spec.items():
        assert {v.lower() for v in VALUE_SETS[name].values} == expected, name
    # The sets the specification does not list are the selector's flagged unconfirmed ones.
    for name, values in cld_events.UNCONFIRMED_VALUES.items():
        assert set(VALUE_SETS[name].values) == set(values), name
    spec_fields = set(re.findall(r"`([A-Za-z0-9_]+)`", SPEC))
    # Date_of_Birth and Postcode are named in words ("date of birth, postcode") in records.md.
    assert set(COLUMNS) - spec_fields == {"Date_of_Birth", "Postcode"}
    assert len(RULES) == len(COLUMNS)


def _good_row(**changes: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        LA_Code=LA,
        Reporting_Period_Start_Date="2026-07-01",
        Reporting_Period_End_Date="2026-09-30",
        LA_Person_Unique_Identifier="TB-1",
        NHS_Number="9434765919",
        Client_Type="Service user",
        Event_Type="Review",
        Event_Reference="R1",
        Event_Start_Date="2026-08-01",
        Event_End_Date="2026-08-01",
        Event_Outcome="Continuation of support or services",
        Review_Reason="Planned",
    )
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"Review_Reason": ""}, "Review_Reason", "missing: required for a Review"),
        ({"Event_End_Date": ""}, "Event_End_Date", "missing: required for a Review"),
        ({"Event_Outcome": "Sorted"}, "Event_Outcome", "'Sorted' is not one of"),
        ({"NHS_Number": "9434765918"}, "NHS_Number", "is not a valid NHS number"),
        ({"Event_Start_Date": "01/08/2026"}, "Event_Start_Date", "is not a date"),
        ({"Unit_Cost": "12.5p"}, "Unit_Cost", "is not an amount like 12.50"),
        ({"Event_End_Date": "2026-10-02"}, "Event_End_Date", "reported in the period it ended"),
        ({"Event_End_Date": "2026-07-31"}, "Event_End_Date", "is before Event_Start_Date"),
        ({"LA_Code": ""}, "LA_Code", "missing: required"),
    ],
)
def test_each_field_rule_names_the_field(changes, field, reason) -> None:
    assert field_problems(_good_row()) == []
    problems = field_problems(_good_row(**changes))
    assert any(f == field and reason in why for f, why in problems), problems


def test_only_a_service_may_be_open_ended() -> None:
    service = _good_row(
        Event_Type="Service",
        Event_End_Date="",
        Review_Reason="",
        Service_Type="Long term support: Community",
    )
    assert field_problems(service) == []
    ended = {**service, "Event_End_Date": "2026-08-20", "Event_Outcome": ""}
    assert ("Event_Outcome", "missing: required for a Service that ended") in field_problems(ended)
    assert ("Service_Type", "missing: required for a Service") in field_problems(
        {**service, "Service_Type": ""}
    )


@pytest.fixture
def mary(user_for, decide_eligible, settings):
    """Mary (pathways.md: hospital discharge to home): referred from hospital on 3 August 2026,
    found eligible, a plan with council home care from 5 August and reablement 4-30 August,
    reviewed on 20 September."""
    from caretrust.careplans import services as plans
    from caretrust.entitlements.services import record_reablement_outcome, start_reablement
    from caretrust.organisations.models import Organisation
    from caretrust.reviews import services as reviews
    from caretrust.reviews.models import Review
    from tests.factories import force_update, make_person, routed_referral

    settings.CARETRUST_TODAY = "2026-08-03"
    person = make_person(nhs_number="9434765919", postcode="TQ1 1AA")
    referral = routed_referral(person=person, source="hospital_discharge")
    from caretrust.referrals.models import Referral

    # A referral's receipt time is the wall clock's, not the settable clock's: put it on the
    # story's day (test set-up, not a change of state).
    force_update(Referral.objects.filter(pk=referral.pk), created_at=clock.now())
    from caretrust.assessments import services as assessments

    # The request concludes when an assessment starts from it.
    assessments.start_assessment(actor=user_for("ot"), person=person, referral=referral)
    decide_eligible(person)
    coordinator = user_for("coordinator")
    plan = plans.create_plan(actor=coordinator, person=person, referral=referral)
    plans.update_plan(
        actor=coordinator, plan=plan, expected_version=plan.version, goals=["Stay home"]
    )
    plan.refresh_from_db()
    episode = start_reablement(
        actor=coordinator,
        person=person,
        start=date(2026, 8, 4),
        end=date(2026, 8, 30),
        goal="Walk to the shop again",
    )
    provider = Organisation.objects.get(code="DEMO-HOMECARE")
    for kind, start, end in (
        ("home_care", date(2026, 8, 5), None),
        ("reablement", date(2026, 8, 4), date(2026, 8, 30)),
    ):
        plans.add_service(
            actor=coordinator,
            plan=plan,
            expected_version=plan.version,
            kind=kind,
            provider_organisation=provider,
            start=start,
            end=end,
            funding_stream="council" if kind == "home_care" else "reablement",
        )
        plan.refresh_from_db()
    plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    settings.CARETRUST_TODAY = "2026-09-20"
    # Reablement ended as planned on 30 August and Mary went on with her home care: the STS002a
    # sequel is long-term support (pathways.md §8); until it is recorded the episode is open.
    record_reablement_outcome(
        actor=coordinator, episode=episode, outcome="long_term", ended_on=date(2026, 8, 30)
    )
    reviews.record_review(
        actor=user_for("socialworker"),
        review=Review.objects.get(plan=plan),
        done_on=date(2026, 9, 20),
        method="face_to_face",
        participants="Mary",
        person_took_part=True,
        outcomes_met="partially",
    )
    settings.CARETRUST_TODAY = "2026-10-15"
    return person


def test_a_failing_row_stops_the_return_and_names_row_and_field(mary, monkeypatch, tmp_path):
    """Any source's bad row (here one registered by a later pathway area) is named with its
    field, and no file is written."""

    def careless(person_ids, start, end):
        yield CldEvent(
            mary.pk,
            {
                "Event_Type": "Review",
                "Event_Reference": "BAD-1",
                "Event_Start_Date": "2026-09-01",
                "Event_End_Date": "2026-09-01",
                "Event_Outcome": "Sorted",
            },
        )

    monkeypatch.setitem(cld_events._sources, "zz_careless", careless)
    out = tmp_path / "cld.csv"
    with pytest.raises(InvalidReturn) as refused:
        export_cld(*Q3, output=out, la_code=LA)
    problems = {(p.event, p.field) for p in refused.value.result.problems}
    assert problems == {("Review BAD-1", "Event_Outcome"), ("Review BAD-1", "Review_Reason")}
    assert "row " in str(refused.value) and "Review_Reason: missing" in str(refused.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_return_reports_each_event_once_with_the_person_key(mary, tmp_path) -> None:
    result = export_cld(*Q3, output=tmp_path / "cld.csv", la_code=LA)
    rows = _rows(tmp_path / "cld.csv")
    assert list(rows[0]) == COLUMNS
    assert result.by_event_type == {"Assessment": 1, "Request": 1, "Review": 1, "Service": 2}
    assert {r["NHS_Number"] for r in rows} == {"9434765919"}
    assert {r["LA_Person_Unique_Identifier"] for r in rows} == {str(mary.ref)}
    by_type = {(r["Event_Type"], r["Service_Component"]): r for r in rows}
    reablement = by_type[("Service", "Reablement")]
    assert reablement["Service_Type"] == "Short term support: ST-Max"
    assert reablement["Event_End_Date"] == "2026-08-30"
    assert reablement["Event_Outcome"] == "Progress to support planning or services"
    assert by_type[("Request", "")]["Request_Route_of_Access"] == "Discharge from Hospital"
    assert by_type[("Review", "")]["Review_Outcomes_Achieved"] == "Partially Achieved"


def _synthetic_cld(path: Path) -> str:
    """A council's CLD history for a small generated place (the demo's generator), one LA."""
    from caretrust.synthetic import SyntheticConfig, generate

    place = generate(
        SyntheticConfig(
            people=4_000,
            comparison_people=50,
            years=5,
            start=date(2021, 10, 1),
            seed=5,
            prescriptions=False,
        )
    )
    rows = place.cld.to_pylist()
    la = Counter(r["LA_Code"] for r in rows).most_common(1)[0][0]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            if row["LA_Code"] == la:
                writer.writerow({k: "" if v is None else str(v) for k, v in row.items()})
    return la


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_export_import_into_an_empty_database_export_gives_the_same_file(
    mary, tmp_path, settings
) -> None:
    """The issue's round trip, on a place like the demo's: the council's CLD history imported,
    plus Mary's events from caretrust's own records."""
    from django.core.management import call_command

    from caretrust.ingest.cld_import import CldImporter
    from caretrust.people.models import Person
    from caretrust.record.models import SocialCareEvent

    la = _synthetic_cld(tmp_path / "history.csv")
    history = CldImporter().import_file(tmp_path / "history.csv")
    assert history.committed, history.problems[:3]
    first = export_cld(*Q3, output=tmp_path / "first.csv", la_code=la)
    assert first.rows > 60 and set(first.by_event_type) == {
        "Assessment",
        "Request",
        "Review",
        "Service",
    }

    call_command("flush", interactive=False, verbosity=0)  # an empty database
    assert not Person.objects.exists() and not SocialCareEvent.objects.exists()
    imported = CldImporter().import_file(tmp_path / "first.csv")
    assert imported.committed and imported.inserted == first.rows, imported.problems[:3]
    second = export_cld(*Q3, output=tmp_path / "second.csv", la_code=la)

    assert second.by_event_type == first.by_event_type
    lines = [sorted((tmp_path / f).read_text().splitlines()) for f in ("first.csv", "second.csv")]
    assert lines[0] == lines[1]
    # Money and codes kept exactly (Decimal text, the specification's spelling).
    costs = [r["Unit_Cost"] for r in _rows(tmp_path / "second.csv") if r["Unit_Cost"]]
    assert costs and all(Decimal(c).as_tuple().exponent == -2 for c in costs)

    # Idempotent by file hash: the same file again changes nothing.
    again = CldImporter().import_file(tmp_path / "first.csv")
    assert again.inserted == 0 and SocialCareEvent.objects.count() == first.rows


def test_the_command_writes_the_return_or_names_the_failing_rows(mary, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from caretrust.cli import app

    runner = CliRunner()
    out = tmp_path / "return.csv"
    args = ["export", "cld", "--from", "2026-07-01", "--to", "2026-09-30", "--output", str(out)]
    said = runner.invoke(app, [*args, "--la-code", LA])
    assert said.exit_code == 0, said.output
    assert "every row valid" in said.output and "Service: 2" in said.output
    out.unlink()

    def careless(person_ids, start, end):
        yield CldEvent(mary.pk, {"Event_Type": "Request", "Event_Reference": "BAD-2"})

    monkeypatch.setitem(cld_events._sources, "zz_careless", careless)
    refused = runner.invoke(app, [*args, "--la-code", LA])
    assert refused.exit_code == 1 and not out.exists()
    assert "(Request BAD-2): Event_Start_Date: missing: required" in refused.output


def test_an_open_service_ends_with_a_death(mary, tmp_path, settings) -> None:
    """DHSC: end dates are cropped to the date of death (records.md); the open home care ends
    on the day Mary died, as "NFA: Deceased". An event that would end before the period is in
    an earlier return."""
    from caretrust.people.models import Person
    from tests.factories import force_update

    force_update(Person.objects.filter(pk=mary.pk), death_date=date(2026, 9, 25))
    export_cld(*Q3, output=tmp_path / "cld.csv", la_code=LA)
    home_care = next(
        r for r in _rows(tmp_path / "cld.csv") if r["Service_Component"] == "Home Care"
    )
    assert (home_care["Event_End_Date"], home_care["Event_Outcome"]) == (
        "2026-09-25",
        "NFA: Deceased",
    )
    force_update(Person.objects.filter(pk=mary.pk), death_date=date(2026, 8, 10))
    later = export_cld(
        date(2026, 10, 1), date(2026, 12, 31), output=tmp_path / "q4.csv", la_code=LA
    )
    assert later.rows == 0 and later.left_out_died_before == 1


def test_a_service_the_import_closed_at_a_period_end_is_written_as_ended(
    demo_directory, tmp_path, settings
) -> None:
    """DHSC: open services missing from the next period are closed at period end (records.md);
    the council did not say how it ended, so the return says "for other reason"."""
    from caretrust.ingest.cld_import import CldImporter

    settings.CARETRUST_TODAY = "2026-10-15"
    header = (
        "LA_Code,Reporting_Period_Start_Date,Reporting_Period_End_Date,"
        "LA_Person_Unique_Identifier,Client_Type,Event_Type,Event_Reference,Event_Start_Date,"
        "Event_End_Date,Event_Outcome,Service_Type,Request_Route_of_Access\n"
    )
    history = tmp_path / "history.csv"
    history.write_text(
        header + f"{LA},2026-04-01,2026-06-30,C1,Service user,Service,S1,2026-05-01,,,"
        "Long Term Support: Community,\n"
        + f"{LA},2026-07-01,2026-09-30,C2,Service user,Request,Q1,2026-07-02,2026-07-03,"
        "NFA: Information and advice or signposting,,Community\n"
    )
    assert CldImporter().import_file(history).committed
    export_cld(date(2026, 4, 1), date(2026, 6, 30), output=tmp_path / "q2.csv", la_code=LA)
    (service,) = _rows(tmp_path / "q2.csv")
    assert (service["Event_End_Date"], service["Event_Outcome"]) == (
        "2026-06-30",
        "NFA: Support ended for other reason",
    )
    export_cld(*Q3, output=tmp_path / "q3.csv", la_code=LA)
    (request,) = _rows(tmp_path / "q3.csv")
    assert request["Request_Route_of_Access"] == "Community / Other Route"  # the spec's spelling
