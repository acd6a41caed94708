"""The fixes of issue #16: an outcome not assessed is never "able", and who may decide
eligibility is council policy held as data, enforced through the access policy."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.assessments import eligibility, services
from caretrust.assessments.models import EligibilityDecider
from caretrust.organisations.models import Organisation, Team, TeamMembership
from caretrust.referrals import services as referrals
from tests.factories import person_row

ALL_ABLE = {code: "able" for code in eligibility.OUTCOMES}


@pytest.fixture
def routed(user_for):
    person = person_row(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
        sex="female",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Fell at home; lives alone with heart failure.",
        what_matters="Staying in my own home with my cat.",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    return referral


def _ready(actor, person, referral=None, outcomes=None):
    """An assessment with every condition and all ten outcomes recorded."""
    assessment = services.start_assessment(actor=actor, person=person, referral=referral)
    return services.record_findings(
        actor=actor,
        assessment=assessment,
        expected_version=assessment.version,
        impairment=True,
        significant_impact=True,
        needs_fluctuate=False,
        outcomes={
            code: (way, "")
            for code, way in {
                **ALL_ABLE,
                **(outcomes or {"nutrition": "needs_assistance", "hygiene": "endangers_safety"}),
            }.items()
        },
    )


def test_outcomes_not_assessed_are_not_able_so_no_decision() -> None:
    """Current code counts a missing outcome as "able": ten unassessed outcomes meant "not eligible"."""
    result = eligibility.decide(
        impairment=True, outcomes={}, significant_impact=True, needs_fluctuate=False
    )
    assert result.eligible is None
    assert "Managing and maintaining nutrition" in result.reasons[0]
    assert "Managing toilet needs" in result.reasons[0]


def test_one_missing_outcome_is_named() -> None:
    outcomes = {**ALL_ABLE, "nutrition": "needs_assistance", "hygiene": "needs_assistance"}
    del outcomes["toilet"]
    result = eligibility.decide(
        impairment=True, outcomes=outcomes, significant_impact=True, needs_fluctuate=False
    )
    assert result.eligible is None
    assert result.missing == ("toilet",)
    assert "Managing toilet needs" in result.reasons[0]
    assert "Managing and maintaining nutrition" not in result.reasons[0]


def test_fluctuating_needs_must_be_considered() -> None:
    outcomes = {**ALL_ABLE, "nutrition": "needs_assistance", "hygiene": "needs_assistance"}
    result = eligibility.decide(impairment=True, outcomes=outcomes, significant_impact=True)
    assert result.eligible is None and "fluctuate" in result.reasons[0]
    result = eligibility.decide(
        impairment=True, outcomes=outcomes, significant_impact=True, needs_fluctuate=True
    )
    assert result.eligible is None and "period" in result.reasons[0]
    result = eligibility.decide(
        impairment=True,
        outcomes=outcomes,
        significant_impact=True,
        needs_fluctuate=True,
        fluctuation_period="Judged over the last three months, good and bad weeks",
    )
    assert result.eligible is True


def test_the_service_refuses_a_decision_naming_the_missing_outcome(user_for, routed) -> None:
    sw = user_for("socialworker")
    assessment = services.start_assessment(actor=sw, person=routed.person, referral=routed)
    outcomes = {c: (w, "") for c, w in ALL_ABLE.items() if c != "community"}
    outcomes["nutrition"] = ("needs_assistance", "")
    outcomes["hygiene"] = ("needs_assistance", "")
    assessment = services.record_findings(
        actor=sw,
        assessment=assessment,
        expected_version=assessment.version,
        impairment=True,
        significant_impact=True,
        needs_fluctuate=False,
        outcomes=outcomes,
    )
    with pytest.raises(ValidationError, match="Making use of necessary facilities"):
        services.decide_eligibility(
            actor=sw, assessment=assessment, expected_version=assessment.version
        )
    assessment.refresh_from_db()
    assert assessment.status == "in-progress" and assessment.eligible is None


@pytest.mark.parametrize("username", ["gp", "nurse"])
def test_a_gp_or_community_nurse_cannot_decide(user_for, routed, username) -> None:
    assessment = _ready(user_for("ot"), routed.person, routed)
    with pytest.raises(PermissionDenied, match="eligibility"):
        services.decide_eligibility(
            actor=user_for(username), assessment=assessment, expected_version=assessment.version
        )
    assessment.refresh_from_db()
    assert assessment.eligible is None


@pytest.mark.parametrize("profession", ["care_worker", "physiotherapist"])
def test_a_care_worker_or_physiotherapist_on_the_team_cannot_decide(
    user_for, routed, django_user_model, profession
) -> None:
    worker = django_user_model.objects.create_user(
        f"x-{profession}", role="practitioner", profession=profession
    )
    TeamMembership.objects.create(team=Team.objects.get(code="torquay-mdt"), user=worker)
    assessment = _ready(user_for("ot"), routed.person, routed)
    with pytest.raises(PermissionDenied):
        services.decide_eligibility(
            actor=worker, assessment=assessment, expected_version=assessment.version
        )


@pytest.mark.parametrize("username", ["socialworker", "ot"])
def test_social_workers_and_occupational_therapists_decide_by_default(
    user_for, routed, username
) -> None:
    assessment = _ready(user_for("ot"), routed.person, routed)
    decided = services.decide_eligibility(
        actor=user_for(username), assessment=assessment, expected_version=assessment.version
    )
    assert decided.eligible is True and decided.decided_by.username == username


def test_the_council_names_another_decider_as_data(user_for, routed) -> None:
    nurse = user_for("nurse")
    assessment = _ready(user_for("ot"), routed.person, routed)
    EligibilityDecider.objects.create(user=nurse, note="Trusted assessor, ASC delegation 2026")
    decided = services.decide_eligibility(
        actor=nurse, assessment=assessment, expected_version=assessment.version
    )
    assert decided.eligible is True


def test_the_council_can_withdraw_a_profession(user_for, routed) -> None:
    EligibilityDecider.objects.filter(profession="occupational_therapist").delete()
    assessment = _ready(user_for("ot"), routed.person, routed)
    with pytest.raises(PermissionDenied):
        services.decide_eligibility(
            actor=user_for("ot"), assessment=assessment, expected_version=assessment.version
        )


def test_a_decided_assessment_cannot_be_decided_again_or_ended(user_for, routed) -> None:
    from caretrust.statemachine import InvalidTransition

    sw = user_for("socialworker")
    assessment = _ready(sw, routed.person, routed)
    decided = services.decide_eligibility(
        actor=sw, assessment=assessment, expected_version=assessment.version
    )
    with pytest.raises(InvalidTransition, match="'completed' and cannot become 'completed'"):
        services.decide_eligibility(actor=sw, assessment=decided, expected_version=decided.version)
    with pytest.raises(InvalidTransition, match="cannot become 'cancelled'"):
        services.end_assessment(actor=sw, assessment=decided, reason="Refused")
    decided.refresh_from_db()
    assert decided.status == "completed" and decided.ended_reason == ""


def test_an_assessment_ends_without_a_decision_with_a_reason(user_for, routed) -> None:
    from caretrust.access.models import AuditEvent

    ot = user_for("ot")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    with pytest.raises(ValidationError):
        services.end_assessment(actor=ot, assessment=assessment, reason=" ")
    ended = services.end_assessment(
        actor=ot, assessment=assessment, reason="Refused an assessment (s11), has capacity"
    )
    assert ended.status == "cancelled"
    event = AuditEvent.objects.filter(object_type="assessments.assessment").order_by("id").last()
    assert event.details["status"] == {"from": "in-progress", "to": "cancelled"}


def test_the_gp_sees_no_decide_button_and_the_social_worker_does(client, user_for, routed):
    assessment = _ready(user_for("ot"), routed.person, routed)
    client.force_login(user_for("gp"))
    page = client.get(f"/assessments/{assessment.uuid}/").content.decode()
    assert "Record eligibility decision" not in page
    response = client.post(
        f"/assessments/{assessment.uuid}/decision/", {"version": assessment.version}
    )
    assert response.status_code == 403
    client.force_login(user_for("socialworker"))
    page = client.get(f"/assessments/{assessment.uuid}/").content.decode()
    assert "Record eligibility decision" in page


def test_the_page_lists_what_is_still_to_record(client, user_for, routed) -> None:
    ot = user_for("ot")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    client.force_login(ot)
    page = client.get(f"/assessments/{assessment.uuid}/").content.decode()
    assert "Before eligibility can be decided" in page and "Managing toilet needs" in page


def test_an_assessment_starts_from_the_person_page_without_a_referral(client, user_for, routed):
    client.force_login(user_for("socialworker"))
    url = f"/assessments/person/{routed.person.ref}/start/"
    response = client.post(url, {"because": ""})
    assert "Say why the assessment is starting" in response.content.decode()
    response = client.post(url, {"because": "Her daughter asked: new needs since a fall"})
    from caretrust.assessments.models import Assessment

    started = Assessment.objects.get(person=routed.person)
    assert response.url == f"/assessments/{started.uuid}/"
    assert started.started_because == "Her daughter asked: new needs since a fall"


def test_advocacy_triggers_and_the_written_record(client, user_for, routed) -> None:
    ot = user_for("ot")
    assessment = services.start_assessment(actor=ot, person=routed.person, referral=routed)
    assessment = services.record_findings(
        actor=ot,
        assessment=assessment,
        expected_version=assessment.version,
        substantial_difficulty=True,
        desired_outcomes="To get to the shops on my own again",
    )
    assert assessment.advocacy_needed
    client.force_login(ot)
    page = client.get(f"/assessments/{assessment.uuid}/").content.decode()
    assert "An independent advocate is needed (Care Act s67)" in page
    record = client.get(f"/assessments/{assessment.uuid}/record/").content.decode()
    assert "To get to the shops on my own again" in record
    assessment = services.record_findings(
        actor=ot,
        assessment=assessment,
        expected_version=assessment.version,
        appropriate_person="Susan Jones, daughter",
    )
    assert not assessment.advocacy_needed


def test_the_administrator_names_a_decider_on_the_page(client, user_for, routed) -> None:
    nurse = user_for("nurse")
    client.force_login(user_for("socialworker"))
    assert client.get("/assessments/deciders/").status_code == 403
    client.force_login(user_for("admin"))
    page = client.get("/assessments/deciders/").content.decode()
    assert "Every social worker" in page and "Every occupational therapist" in page
    response = client.post("/assessments/deciders/", {"profession": "", "user": "", "note": ""})
    assert "Choose a profession or a named practitioner" in response.content.decode()
    client.post("/assessments/deciders/", {"user": nurse.pk, "note": "Trusted assessor"})
    assert EligibilityDecider.allows(nurse)
    rule = EligibilityDecider.objects.get(user=nurse)
    client.post("/assessments/deciders/", {"remove": rule.pk})
    assert not EligibilityDecider.allows(nurse)
