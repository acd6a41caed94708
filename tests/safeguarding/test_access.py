"""Safeguarding records follow a stricter rule than the general record (ADR 83): those with a
role in the concern, and the person's current care relationships; never break-glass, never the
other relationships that open the general record. Every read and every refusal is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.urls import reverse

from caretrust.access import policy, relationships
from caretrust.access.models import AuditEvent
from caretrust.access.services import break_glass
from caretrust.organisations.models import Organisation, Team, TeamMembership, User
from caretrust.safeguarding import services

from .conftest import details

pytestmark = pytest.mark.django_db


@pytest.fixture
def concern(referral, user_for):
    return services.raise_concern(
        actor=user_for("nurse"), person=referral.person, details=details()
    )


@pytest.fixture
def stranger(demo_directory):
    """A Brixham OT: no relationship with Ada."""
    user = User.objects.create(
        username="brixham-ot",
        role="practitioner",
        profession="occupational_therapist",
        organisation=Organisation.objects.get(code="DEMO-TRUST"),
        password=make_password("x"),
    )
    TeamMembership.objects.create(team=Team.objects.get(code="brixham-mdt"), user=user)
    return user


@pytest.fixture
def discussed(stranger):
    """A kind of relationship that opens the general record but is not a care relationship (as
    an MDT discussion or assessing the person's carer): registered for the test, then removed."""
    name = "test_general_only"

    def provider(user, person):
        return "discussed the person" if user.pk == stranger.pk else None

    relationships.register_provider(
        name, provider, lambda user: Q(pk__gt=0) if user.pk == stranger.pk else None
    )
    yield stranger
    relationships._providers.pop(name)
    relationships._filters.pop(name)


def test_the_people_with_a_role_and_the_care_team_see_it(concern, user_for) -> None:
    for name, basis in [
        ("nurse", "role_in"),  # raised it
        ("socialworker", "role_in"),  # in the responsible team
        ("ot", "legitimate_relationship"),  # the referral was routed to and accepted by her team
        ("gp", "legitimate_relationship"),  # Ada is registered at the GP's practice
    ]:
        decision = policy.decide(user_for(name), "safeguarding.view", concern)
        assert decision.allowed and decision.basis == basis, name


def test_break_glass_opens_the_record_but_not_safeguarding(concern, stranger) -> None:
    break_glass(
        actor=stranger,
        person=concern.person,
        justification="public_interest",
        reason="Called by her neighbour about bruising; need her contacts now.",
    )
    assert policy.decide(stranger, "people.view_record", concern.person).allowed
    assert not policy.decide(stranger, "safeguarding.view", concern).allowed


def test_no_relationship_sees_nothing(concern, stranger, user_for) -> None:
    assert not policy.decide(stranger, "safeguarding.view", concern).allowed
    # Roles outside direct care never do, whatever their relationship.
    for name in ("finance", "analyst", "privacy", "admin"):
        assert not policy.decide(user_for(name), "safeguarding.view", concern).allowed


def test_a_general_relationship_that_is_not_care_is_not_enough(concern, discussed) -> None:
    assert policy.decide(discussed, "people.view_record", concern.person).allowed
    decision = policy.decide(discussed, "safeguarding.view", concern)
    assert not decision.allowed
    assert "Break-glass does not open them" in decision.reason


def test_the_page_refuses_and_audits_the_refusal(client, concern, stranger) -> None:
    client.force_login(stranger)
    response = client.get(reverse("safeguarding:concern", args=[concern.uuid]))
    assert response.status_code == 403
    refused = AuditEvent.objects.filter(action="access_denied", actor=stranger).get()
    assert refused.details["action"] == "safeguarding.view"
    assert refused.person_ref == concern.person.audit_ref


def test_every_read_is_audited_with_its_basis(client, concern, user_for) -> None:
    ot = user_for("ot")
    client.force_login(ot)
    response = client.get(reverse("safeguarding:concern", args=[concern.uuid]))
    assert response.status_code == 200
    read = AuditEvent.objects.filter(
        action="read", actor=ot, object_type="safeguarding.concern"
    ).get()
    assert read.details["basis"] == "legitimate_relationship"


def test_the_alert_shows_to_relationships_not_to_break_glass(client, concern, stranger, user_for):
    person_page = reverse("record:person", args=[concern.person.ref])
    client.force_login(user_for("ot"))
    assert (
        "Safeguarding: a safeguarding concern awaiting an s42 decision"
        in client.get(person_page).content.decode()
    )
    break_glass(
        actor=stranger,
        person=concern.person,
        justification="consent",
        reason="She asked me to look at her care plan today.",
    )
    client.force_login(stranger)
    page = client.get(person_page).content.decode()
    assert "Safeguarding: a safeguarding concern" not in page
    assert "Concern raised" not in page  # no link to the record either
