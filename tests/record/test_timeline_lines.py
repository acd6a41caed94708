"""A person's timeline as served (ADR 135): FHIR resources' lines are read from their `Resource`
rows, social care events' and caretrust's own from `TimelineEvent` rows, one timeline of both,
newest first, filtered and counted together."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from caretrust.fhir.services import delete_stored
from caretrust.ingest.cld_import import CldImporter
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.people.models import Person
from caretrust.record import selectors
from caretrust.record.models import Resource, TimelineEvent
from tests.factories import patient_at_demo_practice, person_row, resource_row
from tests.ingest.test_cld_import import row as cld_row
from tests.ingest.test_cld_import import write as write_cld
from tests.ingest.test_fhir_import import NHS, condition, patient, write_ndjson

pytestmark = pytest.mark.django_db


@pytest.fixture
def edith(demo_directory) -> Person:
    """Edith Smith at the demo GP practice (whose GP may read her record), with her NHS number:
    the importers link what they bring to her."""
    return patient_at_demo_practice("Edith", "Smith", date(1941, 3, 2), "TQ1 1AA", NHS)


def import_fhir(tmp_path, name: str, resources: list[dict]):
    result = FhirImporter(workers=0).import_file(write_ndjson(tmp_path / name, resources))
    assert result.committed and not result.problems, result.problems
    return result


def page_of(client, user_for, person: Person, **query) -> str:
    client.force_login(user_for("gp"))
    response = client.get(reverse("record:person", args=[person.ref]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_an_imported_condition_is_on_the_timeline_page(tmp_path, client, user_for, edith):
    import_fhir(tmp_path, "all.ndjson", [patient(), condition()])
    stored = Resource.objects.get(resource_type="Condition", logical_id="c1")
    assert stored.person == edith and stored.has_line
    assert (stored.sector, stored.summary) == ("health", "Atrial fibrillation")
    # no row of its own: the line is the resource's, and the Patient (the person) has none
    assert not TimelineEvent.objects.exists()
    assert Resource.objects.get(resource_type="Patient").sector == ""

    html = page_of(client, user_for, edith)
    row = (
        '<td class="nhsuk-table__cell">1 May 2020</td><td class="nhsuk-table__cell">Health</td>'
        '<td class="nhsuk-table__cell">Condition</td>'
        '<td class="nhsuk-table__cell">Atrial fibrillation</td>'
        '<td class="nhsuk-table__cell">fhir</td>'
    )
    assert row in html
    assert '<option value="Condition">Condition</option>' in html
    assert "Page 1 of 1" in html
    assert row in page_of(client, user_for, edith, type="Condition", sector="health")
    assert "No events to show." in page_of(client, user_for, edith, sector="social_care")
    assert "No events to show." in page_of(client, user_for, edith, type="Patient")
    assert selectors.timeline_counts([edith.pk]) == {("health", "Condition"): 1}


def test_a_newer_version_from_the_source_changes_the_line(tmp_path, edith) -> None:
    import_fhir(tmp_path, "a.ndjson", [patient(), condition()])
    newer = {
        **condition(),
        "meta": {"lastUpdated": "2025-01-01T00:00:00Z"},
        "code": {"text": "Heart failure"},
        "onsetDateTime": "2021-02-03",
    }
    assert import_fhir(tmp_path, "b.ndjson", [newer]).updated == 1
    lines = list(selectors.timeline([edith.pk]))
    assert [(line.date, line.kind, line.summary) for line in lines] == [
        (date(2021, 2, 3), "Condition", "Heart failure")
    ]


def test_a_resource_before_its_patient_gets_its_line_when_the_patient_comes(
    tmp_path, client, user_for, edith
):
    """Late subjects: the Condition is held (quarantined, on nobody's timeline) until the
    Patient it names is imported, then it is on the person's timeline page."""
    import_fhir(tmp_path, "Condition.ndjson", [condition()])
    held = Resource.objects.get(resource_type="Condition")
    assert held.person is None and held.quarantined and not held.has_line
    assert "Atrial fibrillation" not in page_of(client, user_for, edith)
    import_fhir(tmp_path, "Patient.ndjson", [patient()])
    assert "Atrial fibrillation" in page_of(client, user_for, edith)
    assert selectors.timeline_counts([edith.pk]) == {("health", "Condition"): 1}


def test_a_fhir_delete_takes_the_line_off_the_timeline(tmp_path, client, user_for, edith):
    import_fhir(tmp_path, "all.ndjson", [patient(), condition(), condition(cid="c2")])
    assert selectors.timeline_counts([edith.pk]) == {("health", "Condition"): 2}
    gone = Resource.objects.get(logical_id="c2")
    delete_stored(actor=user_for("gp"), row=gone)
    assert [line.resource_id for line in selectors.timeline([edith.pk])] == [
        Resource.objects.get(logical_id="c1").pk
    ]
    assert selectors.timeline_counts([edith.pk]) == {("health", "Condition"): 1}
    # and it stays off when a later import looks for resources waiting for their person
    import_fhir(tmp_path, "more.ndjson", [condition(cid="c3", subject="Patient/nobody")])
    assert selectors.timeline_counts([edith.pk]) == {("health", "Condition"): 1}
    assert "Page 1 of 1" in page_of(client, user_for, edith)


def test_social_care_events_and_fhir_resources_interleave_by_date(
    tmp_path, client, user_for, edith
):
    services = [
        cld_row(Event_Reference="E1", Event_Start_Date="2021-06-01"),
        cld_row(
            Event_Reference="E2",
            Event_Type="Assessment",
            Event_Start_Date="2019-03-04",
            Event_End_Date="2019-03-20",
            Assessment_Type="Long Term Support Review",
            Service_Type="",
            Service_Component="",
            Event_Outcome="No change in package",
            Unit_Cost="",
        ),
    ]
    result = CldImporter().import_file(write_cld(tmp_path / "cld.csv", services))
    assert result.committed and result.inserted == 2, result.problems
    import_fhir(
        tmp_path,
        "fhir.ndjson",
        [
            patient(),
            condition(),  # 1 May 2020
            {**condition(cid="c2"), "onsetDateTime": "2022-07-08", "code": {"text": "Fall"}},
        ],
    )
    lines = list(selectors.timeline([edith.pk]))
    assert [(line.date, line.sector) for line in lines] == [
        (date(2022, 7, 8), "health"),
        (date(2021, 6, 1), "social_care"),
        (date(2020, 5, 1), "health"),
        (date(2019, 3, 4), "social_care"),
    ]
    assert [line.resource_id is None for line in lines] == [False, True, False, True]
    assert [line.event_id is None for line in lines] == [True, False, True, False]
    # the page pages through both together, newest first
    selectors_page = selectors.timeline_page(
        edith, [edith.pk], viewer=user_for("gp"), sector="", kind="", page=2, per_page=3
    )
    assert [line.date for line in selectors_page.events] == [date(2019, 3, 4)]
    assert selectors_page.events.paginator.num_pages == 2
    html = page_of(client, user_for, edith)
    assert html.index("8 July 2022") < html.index("1 June 2021") < html.index("1 May 2020")
    assert html.index("1 May 2020") < html.index("4 March 2019")
    counts = selectors.timeline_counts([edith.pk])
    assert counts[("health", "Condition")] == 2 and sum(counts.values()) == 4
    social = page_of(client, user_for, edith, sector="social_care")
    assert "Fall" not in social and "4 March 2019" in social and "1 June 2021" in social


def test_a_line_of_each_kind_on_the_same_date_and_the_filters(edith) -> None:
    """On one date the `TimelineEvent` lines come first, then resources' (newest row first);
    a kind filters both (a resource's kind is its type), and counts add up across both."""
    first = resource_row(edith, "Encounter", when=date(2024, 5, 5), summary="Seen at home")
    second = resource_row(edith, "Encounter", when=date(2024, 5, 5), summary="Seen again")
    event = TimelineEvent.objects.create(
        person=edith,
        date=date(2024, 5, 5),
        sector="integrated",
        source="caretrust",
        kind="Referral received",
        summary="Referral received from the GP",
    )
    # the same kind in both: one option, one count
    TimelineEvent.objects.create(
        person=edith,
        date=date(2024, 1, 1),
        sector="health",
        source="bench",
        kind="Encounter",
        summary="An Encounter event",
    )
    lines = list(selectors.timeline([edith.pk]))
    assert [(line.event_id, line.resource_id) for line in lines[:3]] == [
        (event.pk, None),
        (None, second.pk),
        (None, first.pk),
    ]
    assert [line.summary for line in selectors.timeline([edith.pk], kind="Encounter")] == [
        "Seen again",
        "Seen at home",
        "An Encounter event",
    ]
    assert [line.kind for line in selectors.timeline([edith.pk], sector="integrated")] == [
        "Referral received"
    ]
    assert selectors.timeline_counts([edith.pk]) == {
        ("health", "Encounter"): 3,
        ("integrated", "Referral received"): 1,
    }
    assert len(selectors.timeline([edith.pk])) == 4


def test_the_timeline_page_costs_two_queries(edith, user_for, django_assert_num_queries) -> None:
    """The counts and the page: one query each, with both kinds of line (plus the read's
    audit row, whose queries depend on the database: asserted by the person page's test)."""
    for day in range(1, 29):
        resource_row(edith, "Observation", when=date(2023, 2, day), summary=f"Observation {day}")
        TimelineEvent.objects.create(
            person=edith,
            date=date(2023, 3, day),
            sector="social_care",
            source="cld",
            kind="social care service",
            summary=f"Service {day}",
        )
    with django_assert_num_queries(1):
        counts = selectors.timeline_counts([edith.pk])
    assert counts == {("health", "Observation"): 28, ("social_care", "social care service"): 28}
    lines = selectors.timeline([edith.pk])
    with django_assert_num_queries(1):
        page = lines[20:40]
    assert [line.summary for line in page] == [
        *(f"Service {day}" for day in range(8, 0, -1)),
        *(f"Observation {day}" for day in range(28, 16, -1)),
    ]


def test_a_merged_persons_resources_show_on_the_survivors_timeline_until_unmerged(
    user_for, edith
) -> None:
    from caretrust.people import services as people_services
    from caretrust.people.selectors import record_people_ids

    other = person_row(given_name="Edie", family_name="Smith", sex="female")
    mine = resource_row(edith, "Encounter", when=date(2024, 1, 1), summary="Edith's visit")
    theirs = resource_row(other, "Condition", when=date(2024, 1, 2), summary="Edie's condition")
    admin = user_for("admin")
    merge = people_services.merge_people(actor=admin, survivor=edith, merged=other, reason="manual")
    merged = [line.resource_id for line in selectors.timeline(record_people_ids(edith))]
    assert merged == [theirs.pk, mine.pk]
    people_services.unmerge(actor=admin, merge=merge, reason="two different people")
    assert [line.resource_id for line in selectors.timeline(record_people_ids(edith))] == [mine.pk]
    assert [line.resource_id for line in selectors.timeline(record_people_ids(other))] == [
        theirs.pk
    ]
