"""The joint assessment: done once, contributed to by two organisations, decided with reasons,
and exported as a valid FHIR QuestionnaireResponse."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access.models import AuditEvent
from caretrust.assessments import fhir, services
from caretrust.assessments.eligibility import OUTCOMES
from tests.factories import routed_referral


@pytest.fixture
def routed(user_for):
    return routed_referral(what_matters="Staying in my own home with my cat.")


def test_one_assessment_with_two_organisations_and_a_decision(user_for, routed) -> None:
    ot, sw = user_for("ot"), user_for("socialworker")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    assert services.start_assessment(actor=sw, person=routed.person) == assessment  # done once
    routed.refresh_from_db()
    assert routed.status == "in-progress"
    assert assessment.what_matters == "Staying in my own home with my cat."

    services.contribute(
        actor=ot, assessment=assessment, section="therapy", text="Cannot get in the bath safely."
    )
    services.contribute(
        actor=sw,
        assessment=assessment,
        section="social_care",
        text="Not eating well since the fall.",
    )
    assessment = services.record_findings(
        actor=ot,
        assessment=assessment,
        expected_version=assessment.version,
        impairment=True,
        impairment_details="Heart failure; fall with bruising",
        outcomes={
            "hygiene": ("needs_assistance", "bath"),
            "home_safety": ("endangers_safety", "stairs"),
        },
    )
    assessment = services.record_findings(
        actor=sw,
        assessment=assessment,
        expected_version=assessment.version,
        significant_impact=True,
        needs_fluctuate=False,
        outcomes={
            **{code: ("able", "") for code in OUTCOMES if code not in ("hygiene", "home_safety")},
            "nutrition": ("needs_assistance", ""),
        },
    )
    decided = services.decide_eligibility(
        actor=sw, assessment=assessment, expected_version=assessment.version
    )
    assert decided.eligible is True and decided.status == "completed"
    assert "Condition 2 met: unable to achieve 3" in decided.decision_reasons
    orgs = {c.organisation.code for c in decided.contributions.all()}
    assert orgs == {"DEMO-TRUST", "DEMO-COUNCIL"}
    assert AuditEvent.objects.filter(object_type="assessments.assessment").count() == 6


def test_a_stale_save_is_a_conflict_not_a_lost_update(user_for, routed) -> None:
    ot, sw = user_for("ot"), user_for("socialworker")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    read_version = assessment.version
    services.record_findings(
        actor=ot, assessment=assessment, expected_version=read_version, health_needs="OT view"
    )
    with pytest.raises(services.AssessmentChanged) as conflict:
        services.record_findings(
            actor=sw, assessment=assessment, expected_version=read_version, health_needs="SW view"
        )
    assert conflict.value.assessment.health_needs == "OT view"


def test_deciding_needs_conditions_1_and_3(user_for, routed) -> None:
    ot = user_for("ot")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    with pytest.raises(ValidationError, match="impairment"):
        services.decide_eligibility(
            actor=ot, assessment=assessment, expected_version=assessment.version
        )


def test_practitioners_without_a_relationship_cannot_contribute(
    user_for, routed, django_user_model
) -> None:
    outsider = django_user_model.objects.create_user(
        "ot2", role="practitioner", profession="occupational_therapist"
    )
    with pytest.raises(PermissionDenied):
        services.start_assessment(actor=outsider, person=routed.person)


def test_questionnaire_response_is_valid_fhir(user_for, routed) -> None:
    ot, sw = user_for("ot"), user_for("socialworker")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    services.contribute(
        actor=sw, assessment=assessment, section="carer", text="Daughter visits daily."
    )
    services.contribute(
        actor=ot, assessment=assessment, section="therapy", text="Needs a perching stool."
    )
    assessment = services.record_findings(
        actor=ot,
        assessment=assessment,
        expected_version=assessment.version,
        impairment=True,
        significant_impact=True,
        has_carer=True,
        carer_name="Susan Smith",
        needs_fluctuate=False,
        outcomes={
            **{code: ("able", "") for code in OUTCOMES},
            "hygiene": ("needs_assistance", ""),
            "toilet": ("significantly_longer", ""),
        },
    )
    assessment = services.decide_eligibility(
        actor=sw, assessment=assessment, expected_version=assessment.version
    )
    qr = fhir.to_fhir(assessment)
    data = qr.model_dump(mode="json", exclude_none=True)
    assert data["resourceType"] == "QuestionnaireResponse" and data["status"] == "completed"
    assert data["subject"]["reference"] == f"Patient/{routed.person.ref}"
    assert data["basedOn"][0]["reference"] == f"ServiceRequest/{routed.uuid}"
    care_act = next(i for i in data["item"] if i["linkId"] == "care-act")
    outcomes = next(i for i in care_act["item"] if i["linkId"] == "care-act.outcomes")
    assert [i["linkId"] for i in outcomes["item"]] == [f"outcome.{code}" for code in OUTCOMES]
    decision = next(i for i in data["item"] if i["linkId"] == "decision")
    assert decision["item"][0]["answer"][0]["valueBoolean"] is True
    assert len(data["extension"]) == 2
