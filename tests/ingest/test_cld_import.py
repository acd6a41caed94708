"""CLD import: DHSC person key and unique-event rules, idempotence, validation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from caretrust.ingest.cld_import import CldImporter
from caretrust.people.models import Person
from caretrust.record.models import SocialCareEvent, TimelineEvent

pytestmark = pytest.mark.django_db
HEADER = [
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "NHS_Number",
    "First_Name",
    "Last_Name",
    "Date_of_Birth",
    "Postcode",
    "Gender",
    "Date_of_Death",
    "Client_Type",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
    "Request_Route_of_Access",
    "Assessment_Type",
    "Service_Type",
    "Service_Component",
    "Unit_Cost",
]


def row(**values) -> dict:
    base = {
        "LA_Code": "E06000027",
        "Reporting_Period_Start_Date": "2024-04-01",
        "Reporting_Period_End_Date": "2024-06-30",
        "LA_Person_Unique_Identifier": "C1",
        "NHS_Number": "9434765919",
        "First_Name": "Edith",
        "Last_Name": "Smith",
        "Date_of_Birth": "02/03/1941",
        "Postcode": "TQ1 1AA",
        "Gender": "2",
        "Client_Type": "Service user",
        "Event_Type": "Service",
        "Event_Reference": "E1",
        "Event_Start_Date": "2024-04-10",
        "Event_End_Date": "",
        "Event_Outcome": "Continuation of support or services",
        "Service_Type": "Long Term Support: Community",
        "Service_Component": "Home Care",
        "Unit_Cost": "25.50",
    }
    base.update(values)
    return base


def write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_events_and_person_keys(tmp_path) -> None:
    path = write(
        tmp_path / "q1.csv",
        [
            row(),
            row(
                Event_Type="Request",
                Event_Reference="E2",
                Event_End_Date="2024-04-10",
                Request_Route_of_Access="Discharge from hospital",
                Event_Outcome="Progress to reablement/ST-Max",
            ),
            # no NHS number: the LA person id is the key
            row(
                NHS_Number="",
                LA_Person_Unique_Identifier="C2",
                First_Name="Alan",
                Event_Reference="E3",
            ),
        ],
    )
    result = CldImporter().import_file(path)
    assert result.committed and result.inserted == 3, result.problems
    assert Person.objects.count() == 2
    request = SocialCareEvent.objects.get(event_reference="E2")
    assert request.request_route_of_access == "discharge_from_hospital"
    assert request.event_outcome == "progress_to_reablement_st_max"
    service = SocialCareEvent.objects.get(event_reference="E1")
    assert service.service_type == "long_term_community" and service.end_date is None
    assert TimelineEvent.objects.filter(sector="social_care").count() == 3
    again = CldImporter().import_file(path)
    assert (again.inserted, again.unchanged) == (0, 3)


def test_open_service_missing_next_quarter_is_closed_at_period_end(tmp_path) -> None:
    CldImporter().import_file(write(tmp_path / "q1.csv", [row()]))
    q2 = row(
        Reporting_Period_Start_Date="2024-07-01",
        Reporting_Period_End_Date="2024-09-30",
        Event_Type="Review",
        Event_Reference="R1",
        Event_Start_Date="2024-07-05",
        Event_End_Date="2024-07-05",
    )
    CldImporter().import_file(write(tmp_path / "q2.csv", [q2]))
    service = SocialCareEvent.objects.get(event_reference="E1")
    assert service.end_date.isoformat() == "2024-06-30" and service.closed_at_period_end


def test_end_dates_cropped_to_death_and_cancelled_excluded(tmp_path) -> None:
    path = write(
        tmp_path / "q.csv",
        [
            row(Date_of_Death="2024-05-01"),
            row(
                Event_Reference="X",
                Event_Type="Assessment",
                Event_End_Date="2024-04-20",
                Assessment_Type="Long term",
                Event_Outcome="Cancelled",
            ),
        ],
    )
    result = CldImporter().import_file(path)
    assert result.inserted == 1
    assert SocialCareEvent.objects.get().end_date.isoformat() == "2024-05-01"


def test_a_bad_row_refuses_the_file_and_names_line_and_column(tmp_path) -> None:
    path = write(
        tmp_path / "bad.csv",
        [
            row(),
            row(NHS_Number="", LA_Person_Unique_Identifier="", Event_Reference="E9"),
            row(Event_Start_Date="31/02/2024", Event_Reference="E10"),
        ],
    )
    result = CldImporter().import_file(path)
    assert not result.committed
    assert [str(p) for p in result.problems] == [
        "bad.csv, line 3, LA_Person_Unique_Identifier: no valid NHS number and no LA person id: "
        "row dropped",
        "bad.csv, line 4, Event_Start_Date: '31/02/2024' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
    ]
    assert not SocialCareEvent.objects.exists() and not Person.objects.exists()
