"""Referral writes: claim once, triage, route, signpost, close; each step audited and shown to the
referrer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from caretrust.access import policy
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services
from caretrust.referrals.models import Referral
from tests.factories import force_update


def test_a_gp_referral_starts_requested_in_the_patients_locality(referral, mrs_jones) -> None:
    assert referral.status == "requested"
    assert referral.locality.code == "torquay"
    assert referral.reference.startswith("R-")
    assert referral.referrer_organisation.code == "DEMO-GP1"
    event = referral.events.get()
    assert (event.from_status, event.to_status) == ("", "requested")
    audit = AuditEvent.objects.get(action="create", object_type="referrals.referral")
    assert audit.person_ref == mrs_jones.audit_ref


def test_required_fields_are_checked(user_for, mrs_jones) -> None:
    with pytest.raises(ValidationError) as error:
        services.submit_professional_referral(
            actor=user_for("gp"), person=mrs_jones, source="gp", reason="fall", consent=True
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.submit_professional_referral(
            actor=user_for("gp"),
            person=mrs_jones,
            source="gp",
            reason="A fall at home last night",
            consent=False,
        )
    assert "consent" in error.value.message_dict
    assert not Referral.objects.exists()


def test_analysts_cannot_refer(user_for, mrs_jones) -> None:
    with pytest.raises(PermissionDenied):
        services.submit_professional_referral(
            actor=user_for("analyst"),
            person=mrs_jones,
            source="gp",
            reason="A fall at home last night",
            consent=True,
        )


def test_the_second_claim_loses_and_is_told_who_has_it(
    user_for, referral, django_user_model
) -> None:
    first = user_for("coordinator")
    second = django_user_model.objects.create_user(
        "coordinator2", first_name="Alex", last_name="Rowe", role="coordinator"
    )
    Team.objects.get(code="torquay-mdt").memberships.create(user=second)
    stale = Referral.objects.get(pk=referral.pk)  # read before the first claim
    services.claim(actor=first, referral=referral)
    with pytest.raises(services.AlreadyClaimed, match="Sam Carter claimed this referral"):
        services.claim(actor=second, referral=stale)
    referral.refresh_from_db()
    assert referral.claimed_by == first and referral.status == "received"
    assert referral.events.filter(to_status="received").count() == 1


def test_co_ordinators_of_another_locality_cannot_claim(
    user_for, referral, django_user_model
) -> None:
    elsewhere = django_user_model.objects.create_user("brixham-coord", role="coordinator")
    Team.objects.get(code="brixham-mdt").memberships.create(user=elsewhere)
    with pytest.raises(PermissionDenied, match="another locality"):
        services.claim(actor=elsewhere, referral=referral)


def test_triage_sets_the_response_standard_and_breaches_show(user_for, referral) -> None:
    coordinator = user_for("coordinator")
    with pytest.raises(ValidationError, match="Claim"):
        services.triage(actor=coordinator, referral=referral, urgency="urgent")
    services.claim(actor=coordinator, referral=referral)
    services.triage(actor=coordinator, referral=referral, urgency="urgent")
    assert referral.due_by == referral.created_at + timedelta(hours=4)
    assert not referral.is_breached(now=referral.created_at + timedelta(hours=3))
    assert referral.is_breached(now=referral.created_at + timedelta(hours=5))
    assert referral.business_status == "Triaged as urgent"


@override_settings(CARETRUST_RESPONSE_STANDARD_HOURS={"urgent": 2})
def test_the_response_standard_is_configurable(user_for, referral) -> None:
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    services.triage(actor=coordinator, referral=referral, urgency="urgent")
    assert referral.due_by - referral.created_at == timedelta(hours=2)


def test_routing_fills_the_in_tray_and_acceptance_gives_the_team_the_record(
    user_for, referral, mrs_jones
) -> None:
    coordinator, ot = user_for("coordinator"), user_for("ot")
    assert not policy.decide(ot, "people.view_record", mrs_jones)
    services.claim(actor=coordinator, referral=referral)
    services.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    # Routed, not accepted: still received, the clock still runs, the team sees the referral only.
    assert referral.status == "received" and referral.responded_at is None
    assert referral.waiting_for_team
    assert policy.decide(ot, "referrals.view", referral).allowed
    assert not policy.decide(ot, "people.view_record", mrs_jones)
    assert not policy.decide(ot, "referrals.progress", referral)
    services.accept(actor=ot, referral=referral, allocate_to=ot)
    assert referral.status == "accepted" and referral.responded_at is not None
    assert referral.allocated_to == ot and referral.accepted_by == ot
    assert policy.decide(ot, "people.view_record", mrs_jones).allowed
    services.record_progress(actor=ot, referral=referral, to_status="in-progress")
    services.record_progress(actor=ot, referral=referral, to_status="completed")
    steps = list(referral.events.values_list("to_status", flat=True))
    assert steps == ["requested", "received", "received", "accepted", "in-progress", "completed"]
    assert AuditEvent.objects.filter(object_id=str(referral.pk), action="update").count() == 5


def test_the_co_ordinator_relationship_ends_when_the_referral_closes(
    user_for, referral, mrs_jones
) -> None:
    coordinator = user_for("coordinator")
    assert policy.decide(coordinator, "people.view_record", mrs_jones).allowed
    services.claim(actor=coordinator, referral=referral)
    services.close(
        actor=coordinator, referral=referral, reason="Already known to the hospital team"
    )
    assert referral.status == "rejected"
    assert referral.status_reason == "Already known to the hospital team"
    assert not policy.decide(coordinator, "people.view_record", mrs_jones)


def test_close_needs_a_reason(user_for, referral) -> None:
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    with pytest.raises(ValidationError, match="reason"):
        services.close(actor=coordinator, referral=referral, reason="")
    referral.refresh_from_db()
    assert referral.status == "received"


def test_signposting_completes_with_the_organisation(user_for, referral) -> None:
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    voluntary = Organisation.objects.get(code="DEMO-VOLUNTARY")
    services.signpost(actor=coordinator, referral=referral, organisation=voluntary)
    assert referral.status == "completed"
    assert referral.business_status == f"Signposted to {voluntary.name}"


def test_a_stale_write_is_refused_not_lost(user_for, referral) -> None:
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    stale = Referral.objects.get(pk=referral.pk)
    services.triage(actor=coordinator, referral=referral, urgency="urgent")
    with pytest.raises(services.ReferralChanged):
        services.triage(actor=coordinator, referral=stale, urgency="routine")
    referral.refresh_from_db()
    assert referral.urgency == "urgent"


def test_other_teams_cannot_progress_a_referral(user_for, referral, django_user_model) -> None:
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    services.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    services.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    outsider = django_user_model.objects.create_user(
        "physio2", role="practitioner", profession="physiotherapist"
    )
    with pytest.raises(PermissionDenied):
        services.record_progress(actor=outsider, referral=referral, to_status="in-progress")


def test_the_waiting_clock_shows_a_breach_for_an_unanswered_referral(referral) -> None:
    # Five hours pass with the urgent referral unanswered (both clocks move back together).
    earlier = timezone.now() - timedelta(hours=5)
    force_update(
        Referral.objects.filter(pk=referral.pk),
        created_at=earlier,
        due_by=earlier + timedelta(hours=4),
    )
    referral.refresh_from_db()
    assert referral.is_breached()
