"""The person page: one timeline, filters, paging, audit of every view, refusal with break-glass,
About me versions, and the people search."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from caretrust.access.models import AuditEvent, BreakGlassAccess
from caretrust.people.models import Person
from caretrust.record import services
from caretrust.record.models import AboutMe, Resource, TimelineEvent
from tests.factories import patient_at_demo_practice, person_row, resource_row


@pytest.fixture
def edith(demo_directory) -> Person:
    person = patient_at_demo_practice("Edith", "Smith", date(1941, 3, 2), "TQ1 1AA")
    for day in range(1, 31):  # FHIR resources' lines are read from their rows (ADR 135)
        resource_row(person, "Encounter", when=date(2024, 1, day), summary=f"GP visit {day}")
    TimelineEvent.objects.create(
        person=person,
        date=date(2024, 2, 1),
        sector="social_care",
        source="cld:E06000027",
        kind="social care service",
        summary="Service: home care",
    )
    Resource.objects.create(
        resource_type="Flag",
        logical_id="f1",
        last_updated="2024-01-01T00:00:00Z",
        content={"resourceType": "Flag", "status": "active", "code": {"text": "Lives with a dog"}},
        content_hash="x",
        person=person,
        source="fhir",
        source_id="f1",
        status="active",
    )
    Resource.objects.create(
        resource_type="RelatedPerson",
        logical_id="r1",
        last_updated="2024-01-01T00:00:00Z",
        content={
            "resourceType": "RelatedPerson",
            "name": [{"given": ["Joy"], "family": "Smith"}],
            "relationship": [{"text": "Daughter"}],
        },
        content_hash="y",
        person=person,
        source="fhir",
        source_id="r1",
    )
    return person


def test_person_page_shows_the_record_and_audits_the_read(client, user_for, edith) -> None:
    gp = user_for("gp")
    client.force_login(gp)
    response = client.get(reverse("record:person", args=[edith.ref]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Edith SMITH",
        "943 476 5919",
        "Harbour Medical Practice",
        "Lives with a dog",
        "Joy Smith, Daughter",
        "Service: home care",
        "Page 1 of 2",
    ):
        assert text in html
    event = AuditEvent.objects.get(action="read", person_ref=edith.audit_ref)
    assert event.actor == gp and event.details["basis"] == "legitimate_relationship"


def test_timeline_filters_by_sector_and_pages(client, user_for, edith) -> None:
    client.force_login(user_for("gp"))
    url = reverse("record:person", args=[edith.ref])
    social = client.get(url, {"sector": "social_care"}).content.decode()
    assert "Service: home care" in social and "GP visit 3" not in social
    second = client.get(url, {"page": 2}).content.decode()
    assert "GP visit 1\n" in second or "GP visit 1<" in second or ">GP visit 1 " in second
    assert "GP visit 30" not in second and "GP visit 6" in second
    assert AuditEvent.objects.filter(action="read", person_ref=edith.audit_ref).count() == 2


def test_refused_page_offers_break_glass_which_opens_the_record(client, user_for, edith) -> None:
    nurse = user_for("nurse")
    client.force_login(nurse)
    url = reverse("record:person", args=[edith.ref])
    refused = client.get(url)
    assert refused.status_code == 403
    assert "Use break-glass" in refused.content.decode()
    assert AuditEvent.objects.filter(action="access_denied", person_ref=edith.audit_ref).exists()
    bad = client.post(
        reverse("record:break_glass", args=[edith.ref]), {"justification": "consent", "reason": "x"}
    )
    assert bad.status_code == 403 and "at least 20 characters" in bad.content.decode()
    ok = client.post(
        reverse("record:break_glass", args=[edith.ref]),
        {"justification": "consent", "reason": "She asked me to check"},
    )
    assert ok.status_code == 302
    assert BreakGlassAccess.objects.filter(user=nurse, person=edith).exists()
    assert client.get(url).status_code == 200


def test_about_me_is_versioned_and_editable_by_the_care_team(client, user_for, edith) -> None:
    gp = user_for("gp")
    client.force_login(gp)
    url = reverse("record:about_me", args=[edith.ref])
    client.post(
        url,
        {
            "what_matters": "My garden",
            "communication": "Speak slowly",
            "lives_with": "Alone",
            "carer": "Joy",
        },
    )
    client.post(
        url,
        {
            "what_matters": "My garden and my dog",
            "communication": "Speak slowly",
            "lives_with": "Alone",
            "carer": "Joy",
        },
    )
    versions = list(AboutMe.objects.filter(person=edith).values_list("version", "what_matters"))
    assert versions == [(2, "My garden and my dog"), (1, "My garden")]
    page = client.get(reverse("record:person", args=[edith.ref])).content.decode()
    assert "My garden and my dog" in page and "Version 2" in page
    assert AuditEvent.objects.filter(object_type="record.aboutme").count() == 2


def test_about_me_refused_without_a_relationship(user_for, edith) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_about_me(
            actor=user_for("nurse"),
            person=edith,
            what_matters="x",
            communication="",
            lives_with="",
            carer="",
        )


def test_search_by_name_nhs_number_and_birth_date(client, user_for, edith) -> None:
    client.force_login(user_for("nurse"))
    url = reverse("record:search")
    assert "Edith SMITH" in client.get(url, {"name": "smi ed"}).content.decode()
    assert "Edith SMITH" in client.get(url, {"nhs_number": "943 476 5919"}).content.decode()
    assert "Edith SMITH" in client.get(url, {"birth_date": "02/03/1941"}).content.decode()
    assert "Nobody matches" in client.get(url, {"name": "jones"}).content.decode()
    client.force_login(user_for("analyst"))
    assert client.get(url, {"name": "smith"}).status_code == 403


def test_paging_counts_follow_the_filters_and_the_type_options_list_every_kind(
    client, user_for, edith
) -> None:
    client.force_login(user_for("gp"))
    url = reverse("record:person", args=[edith.ref])
    health = client.get(url, {"sector": "health"}).content.decode()
    assert "Page 1 of 2" in health  # 30 health events, 25 a page
    social = client.get(url, {"sector": "social_care"}).content.decode()
    assert "Page 1 of 1" in social
    # the type filter offers every kind in the record, whatever the sector shown
    assert '<option value="Encounter">Encounter</option>' in social
    unknown = client.get(url, {"type": "Observation"}).content.decode()
    assert "No events to show." in unknown


def test_the_page_shows_records_merged_into_the_person(client, user_for, edith) -> None:
    from caretrust.people.services import merge_people

    other = person_row(given_name="Edie", family_name="Smith", sex="female")
    TimelineEvent.objects.create(
        person=other,
        date=date(2025, 5, 5),
        sector="social_care",
        source="cld:E06000027",
        kind="social care assessment",
        summary="Assessment from the council's record",
    )
    merge_people(actor=None, survivor=edith, merged=other, reason="manual")
    client.force_login(user_for("gp"))
    html = client.get(reverse("record:person", args=[edith.ref])).content.decode()
    assert "Assessment from the council&#39;s record" in html
    assert "This record joins 2 source records" in html
    assert '<option value="social care assessment">' in html


# 20, plus one for whether the user may correct the person's details (ADR 72), plus six for the
# Carers (recorded carers; carers named in an assessment or the portal) and Capacity and consent
# (capacity assessments, best-interests decisions, LPAs) sections (ADR 74), plus three for the
# header's unread messages and notifications and the person's messages section (ADR 71), plus
# one for the Reviews section (ADR 73), plus one for the user's team ids, read once for all the
# header counts (in-tray, caseload, tasks), plus one on PostgreSQL, where the audit chain takes its
# lock in a statement of its own before reading the chain's head (ADR 47), plus one for the
# person's safeguarding concerns, shared by the Safeguarding section and the alert (ADR 83), plus
# two for the Hospital discharge and reablement section (ADR 104: the person's discharges, then
# their reablement episodes).
MAX_QUERIES = 36


def test_a_person_page_costs_the_same_queries_however_long_the_record(
    client, user_for, edith, django_assert_max_num_queries
) -> None:
    """Session, user, person, timeline counts, audit (+ the actor's organisation, + the audit
    chain's head read under its lock), alerts and carers, About me, identifiers, the page of
    events; the hub's sections (open referrals, assessments, carers, capacity, current plan,
    reviews, tasks, messages) and the header's In-tray, Caseload, Messages and Notifications
    counts (ADR 70, 71): no query per event or per resource."""
    client.force_login(user_for("gp"))
    url = reverse("record:person", args=[edith.ref])
    client.get(url)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200
    for day in range(1, 29):
        resource_row(edith, "Observation", when=date(2023, 2, day), summary=f"Observation {day}")
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url, {"page": 2}).status_code == 200
