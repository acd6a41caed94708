"""The person and her authorised carer see her plan, her visits and who looked at her record;
nobody else's."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.careplans import services as careplans
from caretrust.organisations.models import Organisation, Team
from caretrust.people.models import Person
from caretrust.portal import services
from caretrust.portal.demo import EDITH_NHS_NUMBER
from caretrust.referrals import services as referrals
from tests.factories import person_row


@pytest.fixture
def edith(demo_directory) -> Person:
    return Person.objects.with_nhs_number(EDITH_NHS_NUMBER).get()


@pytest.fixture
def edith_plan(user_for, edith, decide_eligible):
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=edith,
        source="gp",
        reason="Fell at home, lives alone.",
        what_matters="To stay at home with my cat",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    plan = careplans.create_plan(actor=coordinator, person=edith, referral=referral)
    careplans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=2,
        per="day",
        start=timezone.localdate(),
        funding_stream="council",
    )
    plan.refresh_from_db()
    decide_eligible(edith)
    careplans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    audit.record_read(actor=user_for("ot"), obj=plan, person_ref=edith.audit_ref)
    return plan


def test_edith_sees_her_plan_visits_and_who_looked(client, user_for, edith_plan) -> None:
    client.force_login(user_for("edith"))
    page = client.get("/").content.decode()
    assert "Your care" in page
    assert "To stay at home with my cat" in page
    assert "Home care" in page and "Coastline Home Care Ltd" in page
    assert "You may be asked to pay towards it" in page
    assert "Who is visiting" in page and "Home care visit" in page
    assert "Tom Hughes, Occupational therapist, Bayside Health and Care NHS Trust" in page
    assert "looked at your record" in page


def test_her_daughter_sees_it_as_authorised_carer(client, user_for, edith_plan) -> None:
    client.force_login(user_for("susan"))
    page = client.get("/my-care/").content.decode()
    assert "Edith’s care" in page and "as their daughter" in page
    assert "Home care" in page


def test_nobody_else_can_use_the_portal_rule(user_for, edith, demo_directory) -> None:
    other = person_row(given_name="Someone", family_name="Else")
    assert policy.decide(user_for("edith"), "portal.view_own_care", edith).allowed
    assert not policy.decide(user_for("edith"), "portal.view_own_care", other)
    assert not policy.decide(user_for("nurse"), "portal.view_own_care", edith)
    # Portal accounts never reach staff records.
    assert not policy.decide(user_for("edith"), "people.view_record", edith)


def test_revoking_a_carer_ends_access(user_for, edith) -> None:
    susan = user_for("susan")
    account = susan.portal_account
    services.revoke_carer(actor=user_for("edith"), account=account)
    assert not policy.decide(susan, "portal.view_own_care", edith)
    services.authorise_carer(
        actor=user_for("edith"), person=edith, carer=susan, carer_relationship="daughter"
    )
    assert policy.decide(susan, "portal.view_own_care", edith).allowed


def test_a_person_cannot_authorise_a_carer_for_someone_else(user_for, edith) -> None:
    other = person_row(given_name="Someone", family_name="Else")
    with pytest.raises(ValidationError):
        services.authorise_carer(
            actor=user_for("edith"), person=other, carer=user_for("susan"), carer_relationship="x"
        )
    with pytest.raises(PermissionDenied):
        services.authorise_carer(
            actor=user_for("nurse"), person=edith, carer=user_for("susan"), carer_relationship="x"
        )
