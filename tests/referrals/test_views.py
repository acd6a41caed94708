"""Referral pages through the Django test client: forms, duplicate check, worklist, claim."""

from __future__ import annotations

import pytest

from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Organisation, Team
from caretrust.people.models import Person
from caretrust.referrals.models import Referral
from tests.factories import person_row

FORM = {
    "source": "gp",
    "given_name": "Mary",
    "family_name": "Jones",
    "birth_date": "1941-05-12",
    "sex": "female",
    "postcode": "tq11aa",
    "reason": "Fell at home, lives alone, heart failure.",
    "lives_alone": "yes",
    "requested_urgency": "urgent",
    "consent": "on",
}


@pytest.fixture
def gp_client(client, user_for):
    client.force_login(user_for("gp"))
    return client


def _form(**changes) -> dict:
    practice = Organisation.objects.get(code="DEMO-GP1")
    return {**FORM, "gp_practice": str(practice.pk), **changes}


def test_missing_fields_show_an_error_summary(gp_client) -> None:
    response = gp_client.post("/referrals/new/", {"source": "gp"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter their last name" in html and 'href="#family_name"' in html
    assert "Confirm the person agrees" in html
    assert not Referral.objects.exists()


def test_a_new_person_is_added_and_the_referrer_gets_a_reference(gp_client) -> None:
    response = gp_client.post("/referrals/new/", _form())
    referral = Referral.objects.get()
    assert response.url == f"/referrals/{referral.reference}/sent/"
    assert referral.person.postcode == "TQ1 1AA"
    page = gp_client.get(response.url).content.decode()
    assert referral.reference in page
    status = gp_client.get(f"/referrals/{referral.reference}/").content.decode()
    assert "Sent: waiting for a co-ordinator" in status


def test_a_possible_duplicate_must_be_chosen(gp_client, mrs_jones) -> None:
    people_before = Person.objects.count()
    response = gp_client.post("/referrals/new/", _form(given_name="M"))
    assert "This person may already be known" in response.content.decode()
    assert not Referral.objects.exists()
    gp_client.post("/referrals/new/", _form(given_name="M", person_choice=str(mrs_jones.ref)))
    assert Referral.objects.get().person == mrs_jones
    assert Person.objects.count() == people_before


def test_a_posted_ref_outside_the_matches_is_ignored(gp_client, mrs_jones) -> None:
    stranger = person_row(given_name="Other", family_name="Person")
    response = gp_client.post(
        "/referrals/new/", _form(given_name="M", person_choice=str(stranger.ref))
    )
    assert "This person may already be known" in response.content.decode()
    assert not Referral.objects.exists()


def test_worklist_claim_and_the_loser_sees_who_has_it(
    client, user_for, referral, django_user_model
) -> None:
    other = django_user_model.objects.create_user(
        "coordinator2", first_name="Alex", last_name="Rowe", role="coordinator"
    )
    Team.objects.get(code="torquay-mdt").memberships.create(user=other)
    client.force_login(other)
    page = client.get("/referrals/worklist/").content.decode()
    assert referral.reference in page and "Mary JONES" in page
    client.force_login(user_for("coordinator"))
    client.post(f"/referrals/{referral.reference}/claim/")
    client.force_login(other)
    response = client.post(f"/referrals/{referral.reference}/claim/", follow=True)
    assert "Sam Carter claimed this referral" in response.content.decode()


def test_worklist_filters_and_sorts(client, user_for, referral, mrs_jones) -> None:
    client.force_login(user_for("coordinator"))
    assert referral.reference in client.get("/referrals/worklist/?urgency=urgent").content.decode()
    assert (
        referral.reference
        not in client.get("/referrals/worklist/?urgency=routine").content.decode()
    )
    assert referral.reference not in client.get("/referrals/worklist/?view=mine").content.decode()
    assert client.get("/referrals/worklist/?sort=waiting").status_code == 200


def test_triage_route_through_pages_and_the_gp_sees_each_step(client, user_for, referral) -> None:
    client.force_login(user_for("coordinator"))
    client.post(f"/referrals/{referral.reference}/claim/")
    client.post(f"/referrals/{referral.reference}/triage/", {"urgency": "urgent"})
    team = Team.objects.get(code="torquay-mdt")
    bad = client.post(f"/referrals/{referral.reference}/route/", {})
    assert "Choose a locality team or a practitioner" in bad.content.decode()
    client.post(f"/referrals/{referral.reference}/route/", {"route_to": f"team:{team.pk}"})
    referral.refresh_from_db()
    assert referral.status == "received" and referral.waiting_for_team
    client.force_login(user_for("gp"))
    page = client.get(f"/referrals/{referral.reference}/").content.decode()
    assert "Routed to Torquay locality team" in page and "Triaged as urgent" in page
    assert "waiting for them to accept" in page
    assert AuditEvent.objects.filter(action="read", object_id=str(referral.pk)).exists()


def test_other_professionals_cannot_see_the_referral(client, user_for, referral) -> None:
    client.force_login(user_for("finance"))
    assert client.get(f"/referrals/{referral.reference}/").status_code == 403


def test_public_self_referral_and_status_page(client, demo_directory) -> None:
    locality = Team.objects.get(code="torquay-mdt").locality
    response = client.post(
        "/referrals/ask-for-help/",
        {
            "source": "family",
            "given_name": "Edna",
            "family_name": "Brown",
            "birth_date": "1938-01-02",
            "sex": "female",
            "postcode": "TQ2 5XY",
            "locality": str(locality.pk),
            "reason": "Mum is not coping at home since Dad died.",
            "referrer_name": "Jane Brown",
            "referrer_contact": "07700 900123",
            "consent": "on",
        },
    )
    referral = Referral.objects.get()
    assert referral.person is None and referral.subject_details["family_name"] == "Brown"
    assert not Person.objects.filter(family_name="Brown").exists()
    assert response.url.endswith(f"{referral.reference}/{referral.status_token}/")
    page = client.get(response.url).content.decode()
    assert "Sent: waiting for a co-ordinator" in page
    assert client.get(f"/referrals/status/{referral.reference}/wrong/").status_code == 404


def test_co_ordinator_confirms_who_a_self_referral_is_about(
    client, user_for, demo_directory
) -> None:
    from caretrust.people.intake import PersonDetails
    from caretrust.referrals import services

    referral = services.submit_self_referral(
        actor=None,
        source="self",
        subject=PersonDetails("Edna", "Brown", None, postcode="TQ2 5XY"),
        referrer_name="Edna Brown",
        referrer_contact="07700 900123",
        reason="I keep falling and cannot get upstairs.",
        consent=True,
        locality=Team.objects.get(code="torquay-mdt").locality,
    )
    client.force_login(user_for("coordinator"))
    client.post(f"/referrals/{referral.reference}/claim/")
    client.post(f"/referrals/{referral.reference}/confirm-person/", {"person_choice": "new"})
    referral.refresh_from_db()
    assert referral.person.family_name == "Brown"


def test_urgency_sort_puts_urgent_then_soon_then_routine(user_for, mrs_jones) -> None:
    from caretrust.referrals import services
    from caretrust.referrals.selectors import WorklistQuery, worklist

    for urgency in ("routine", "urgent", "soon"):
        services.submit_professional_referral(
            actor=user_for("gp"),
            person=mrs_jones,
            source="gp",
            reason="A fall at home last night",
            requested_urgency=urgency,
            consent=True,
        )
    rows = worklist(user_for("coordinator"), WorklistQuery(sort="urgency"))
    assert [r.urgency for r in rows] == ["urgent", "soon", "routine"]
