"""A carer recorded for Edith, with a record of their own; their assessment decided under reg 3;
their own support plan agreed; every state change audited; wrong moves refused, nothing changed."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access import policy, relationships
from caretrust.access.models import AuditEvent
from caretrust.carers import selectors, services
from caretrust.carers.eligibility import ABLE, OUTCOMES
from caretrust.carers.models import CarersAssessment
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from tests.factories import assessment_row, person_row


@pytest.fixture
def edith(demo_directory) -> Person:
    return person_row(
        given_name="Edith",
        family_name="Smith",
        birth_date=date(1941, 4, 18),
        sex="female",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )


@pytest.fixture
def susan(edith, user_for):
    return services.record_carer(
        actor=user_for("gp"),
        person=edith,
        name="Susan Smith",
        relationship="daughter",
        hours_caring_per_week=35,
        own_record=services.CarersOwnRecord("Susan", "Smith", date(1968, 2, 1), "tq1 3aa"),
    )


@pytest.fixture
def torquay_team(edith, user_for):
    """Edith referred by her GP and accepted by the Torquay team: its social worker and OT have a
    relationship with her."""
    from caretrust.organisations.models import Team
    from caretrust.referrals import services as referrals

    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=edith,
        source="gp",
        reason="Daughter is exhausted.",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    return referral


def _all_recorded(actor, assessment, **changes):
    fields = {
        "needs_from_caring": True,
        "health_at_risk": False,
        "significant_impact": True,
        "what_matters": "Keeping my job at the library",
    }
    outcomes = {code: (ABLE, "") for code in OUTCOMES} | {
        "work_education": ("needs_assistance", "Late for work three times this month")
    }
    return services.record_findings(
        actor=actor, assessment=assessment, outcomes=outcomes, **(fields | changes)
    )


def test_a_carer_gets_a_record_of_their_own(susan, edith, user_for) -> None:
    assert susan.carer_person is not None
    assert susan.carer_person.given_name == "Susan"
    assert susan.carer_person.postcode == "TQ1 3AA"
    assert AuditEvent.objects.filter(
        object_type="carers.carer", object_id=str(susan.pk), action="create"
    ).exists()
    # The new person's record is created through the people index, audited there too.
    assert AuditEvent.objects.filter(
        object_type="people.person", object_id=str(susan.carer_person.pk), action="create"
    ).exists()


def test_assessment_decided_then_plan_agreed(request, susan, user_for, edith) -> None:
    sw = user_for("socialworker")
    gp = user_for("gp")
    # The social worker has no relationship with Edith yet (no referral to her team): refused.
    with pytest.raises(PermissionDenied):
        services.start_assessment(actor=sw, carer=susan)
    assessment = services.start_assessment(actor=gp, carer=susan)
    assert services.start_assessment(actor=gp, carer=susan) == assessment  # one draft at a time
    # The assessor now has a relationship with the carer's own record.
    assert relationships.legitimate_relationship(gp, susan.carer_person)

    with pytest.raises(ValidationError, match="Decide the carer's eligibility"):
        services.agree_support_plan(actor=gp, assessment=assessment)

    services.record_findings(actor=gp, assessment=assessment, needs_from_caring=True)
    # A GP may assess but not decide (council policy: social workers and OTs) ...
    with pytest.raises(PermissionDenied, match="social worker or an occupational therapist"):
        services.decide(actor=gp, assessment=assessment)
    # ... nor may a social worker outside Edith's team. The Torquay team takes Edith on.
    with pytest.raises(PermissionDenied):
        services.decide(actor=sw, assessment=assessment)
    request.getfixturevalue("torquay_team")
    with pytest.raises(ValidationError, match="Managing and maintaining nutrition"):
        services.decide(actor=sw, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.eligible is None

    _all_recorded(gp, assessment)
    assessment = services.decide(actor=sw, assessment=assessment)
    assert assessment.status == "decided" and assessment.eligible is True
    assert assessment.decided_by == sw
    with pytest.raises(ValidationError, match="already recorded"):
        services.decide(actor=sw, assessment=assessment)
    with pytest.raises(ValidationError, match="cannot change"):
        _all_recorded(gp, assessment, health_at_risk=True)

    services.save_support_plan(actor=gp, assessment=assessment, goals="Keep working")
    with pytest.raises(ValidationError, match="Add the support"):
        services.agree_support_plan(actor=gp, assessment=assessment)
    services.save_support_plan(
        actor=gp,
        assessment=assessment,
        goals="Keep working\nA day off each week",
        new_line=services.SupportLine(
            kind="cared_for",
            description="Day centre for Edith on Wednesdays",
            provider="Torbay day services",
            frequency_text="Weekly",
            start=date(2026, 12, 9),
        ),
    )
    plan = services.agree_support_plan(actor=gp, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.status == "plan_agreed"
    assert plan.goal_list == ["Keep working", "A day off each week"]
    with pytest.raises(ValidationError, match="no longer change"):
        services.save_support_plan(actor=gp, assessment=assessment, goals="Other")

    moves = [
        e.details["status"]
        for e in AuditEvent.objects.filter(
            object_type="carers.carersassessment", object_id=str(assessment.pk)
        ).order_by("id")
        if "status" in e.details and isinstance(e.details["status"], list)
    ]
    assert moves == [["draft", "decided"], ["decided", "plan_agreed"]]


def test_a_care_worker_without_relationship_cannot_see_the_carer(susan, user_for) -> None:
    nurse = user_for("nurse")  # no referral, not the GP practice
    assert not policy.decide(nurse, "carers.view", susan)
    assert not policy.decide(user_for("analyst"), "carers.view", susan)
    assert policy.decide(user_for("gp"), "carers.view", susan)


def test_person_page_lists_recorded_carers_and_those_named_elsewhere(
    edith, susan, user_for
) -> None:

    assessment_row(
        person=edith, started_by=user_for("gp"), has_carer=True, carer_name="Tom Neighbour"
    )
    rows = selectors.carers_of(edith, viewer=user_for("gp"))
    texts = [r.text for r in rows]
    assert texts[0] == "Susan Smith"
    assert rows[0].href.endswith(f"/carers/{susan.uuid}/")
    assert "Start a carer's assessment for Susan Smith" in texts
    assert "Tom Neighbour (named in the joint assessment)" in texts


def test_cld_events_for_carers(susan, user_for, torquay_team) -> None:
    gp = user_for("ot")
    assessment = services.start_assessment(actor=gp, carer=susan)
    _all_recorded(gp, assessment)
    services.decide(actor=gp, assessment=assessment)
    assessment.refresh_from_db()
    services.save_support_plan(
        actor=gp,
        assessment=assessment,
        goals="Keep working",
        new_line=services.SupportLine(kind="direct", description="Carer's break grant"),
    )
    services.agree_support_plan(actor=gp, assessment=assessment)
    day = assessment.decided_on
    events = list(selectors.cld_events(day, day))
    assert [e["Event_Type"] for e in events] == ["Assessment", "Service"]
    assert events[0]["Eligible_Needs_Identified"] == "Yes"
    assert events[0]["Adult_1_Linked_Person_ID"] == str(susan.person.ref)
    assert events[1]["Service_Type"] == "Unpaid Carer Support: Direct to Unpaid Carer"
    assert list(selectors.cld_events(date(2000, 1, 1), date(2000, 3, 31))) == []
    assert CarersAssessment.objects.get(pk=assessment.pk).status == "plan_agreed"
