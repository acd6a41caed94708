"""A practitioner sees a person's record only with a legitimate relationship or break-glass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from caretrust.access import policy, relationships
from caretrust.access.models import AuditEvent, BreakGlassAccess
from caretrust.access.services import break_glass, review_break_glass
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from tests.factories import person_row


@pytest.fixture
def mrs_smith(demo_directory) -> Person:
    return person_row(
        given_name="Edith",
        family_name="Smith",
        birth_date=date(1941, 3, 2),
        sex=Person.Sex.FEMALE,
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )


def test_the_gp_practice_has_a_relationship_with_its_patients(user_for, mrs_smith) -> None:
    decision = policy.decide(user_for("gp"), "people.view_record", mrs_smith)
    assert decision.allowed
    assert decision.basis == "legitimate_relationship"
    assert "GP practice" in decision.reason


def test_without_a_relationship_access_is_refused_with_what_to_do(user_for, mrs_smith) -> None:
    decision = policy.decide(user_for("nurse"), "people.view_record", mrs_smith)
    assert not decision.allowed
    assert "break-glass" in decision.reason


def test_analysts_never_see_identifiable_records(user_for, mrs_smith) -> None:
    assert not policy.decide(user_for("analyst"), "people.view_record", mrs_smith)


def test_break_glass_opens_access_is_audited_and_reviewed(user_for, mrs_smith) -> None:
    nurse, privacy = user_for("nurse"), user_for("privacy")
    access = break_glass(
        actor=nurse,
        person=mrs_smith,
        justification="public_interest",
        reason="Safeguarding concern raised by the ambulance crew",
    )
    decision = policy.decide(nurse, "people.view_record", mrs_smith)
    assert decision.allowed and decision.basis == "break_glass"
    event = AuditEvent.objects.get(action="break_glass")
    assert event.person_ref == mrs_smith.audit_ref
    assert event.reason == "Safeguarding concern raised by the ambulance crew"

    review_break_glass(actor=privacy, access=access, outcome="appropriate", notes="Checked.")
    access.refresh_from_db()
    assert access.reviewed_by == privacy
    with pytest.raises(ValidationError):
        review_break_glass(actor=privacy, access=access, outcome="appropriate")


def test_break_glass_expires(user_for, mrs_smith) -> None:
    nurse = user_for("nurse")
    access = break_glass(
        actor=nurse, person=mrs_smith, justification="consent", reason="She asked me to look"
    )
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert relationships.active_break_glass(nurse, mrs_smith) is None
    assert not policy.decide(nurse, "people.view_record", mrs_smith)


def test_break_glass_needs_a_reason_and_an_allowed_role(user_for, mrs_smith) -> None:
    with pytest.raises(ValidationError, match="reason"):
        break_glass(actor=user_for("nurse"), person=mrs_smith, justification="consent", reason="x")
    with pytest.raises(PermissionDenied):
        break_glass(
            actor=user_for("analyst"),
            person=mrs_smith,
            justification="consent",
            reason="I would like to see it",
        )
    assert not BreakGlassAccess.objects.exists()
    assert not AuditEvent.objects.filter(action="break_glass").exists()
