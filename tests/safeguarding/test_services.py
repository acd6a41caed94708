"""A concern through the s42 decision to a concluded enquiry, through the services: each
criterion recorded, the s42 rule enforced (Care Act 2014 s42(1)-(2), pathways.md §1), Making
Safeguarding Personal asked and answered, every change audited, wrong moves refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access.models import AuditEvent
from caretrust.safeguarding import services
from caretrust.safeguarding.models import Concern
from caretrust.statemachine import InvalidTransition

from .conftest import ALL_MET, details

pytestmark = pytest.mark.django_db


@pytest.fixture
def concern(referral, user_for, settings):
    settings.CARETRUST_TODAY = "2026-03-06"  # a Friday
    return services.raise_concern(
        actor=user_for("nurse"), person=referral.person, details=details()
    )


def test_a_concern_is_due_for_decision_within_the_councils_timescale(concern, user_for) -> None:
    # The demo council's row: 2 working days, its adult safeguarding team (pathways.md §1: the
    # timescale is local procedure, held as data). Friday 6 March 2026 -> Tuesday 10 March.
    assert concern.received_on == date(2026, 3, 6)
    assert concern.decision_due == date(2026, 3, 10)
    assert concern.timescale_text == "2 working days"
    assert concern.responsible_team.code == "council-safeguarding"
    assert concern.abuse_types == ["physical", "financial"]
    row = AuditEvent.objects.get(object_type="safeguarding.concern", action="create")
    assert row.person_ref == concern.person.audit_ref
    assert row.details["decision_due"] == "2026-03-10"


def test_the_three_criteria_all_met_means_a_section_42_enquiry(concern, user_for, settings) -> None:
    settings.CARETRUST_TODAY = "2026-03-09"
    sw = user_for("socialworker")
    services.decide(actor=sw, concern=concern, criteria=ALL_MET, route="s42", reasons="All met.")
    concern.refresh_from_db()
    assert concern.status == "s42_enquiry"
    assert (concern.decided_by, concern.decided_on) == (sw, date(2026, 3, 9))
    assert concern.decided_role == "Social worker"
    assert concern.decided_in_time is True
    assert concern.enquiry.kind == "s42" and concern.enquiry.lead == sw
    with pytest.raises(ValidationError, match="must make enquiries"):
        services.check_route(ALL_MET, "other")


def test_needs_and_abuse_but_able_to_protect_self_is_not_s42_other_enquiry_possible(
    concern, user_for, settings
) -> None:
    # pathways.md "Worked cases": "needs + abuse, but able to protect self -> s42 not met; other
    # enquiry possible" (Care Act 2014 s42(1)(c)).
    settings.CARETRUST_TODAY = "2026-03-12"  # after the due date
    able = services.Criteria(
        care_and_support_needs=True,
        abuse_or_neglect=True,
        unable_to_protect=False,
        care_and_support_needs_evidence="Home care.",
        abuse_or_neglect_evidence="Financial abuse by nephew.",
        unable_to_protect_evidence="Has capacity, manages her bank, has stopped his access.",
    )
    with pytest.raises(ValidationError, match="needs all three"):
        services.decide(
            actor=user_for("socialworker"), concern=concern, criteria=able, route="s42", reasons="x"
        )
    services.decide(
        actor=user_for("socialworker"),
        concern=concern,
        criteria=able,
        route="other",
        reasons="Necessary and proportionate: she asks for help with the bank.",
    )
    concern.refresh_from_db()
    assert concern.status == "other_enquiry" and concern.enquiry.kind == "other"
    assert concern.decided_in_time is False


def test_each_criterion_needs_an_answer_and_evidence(concern, user_for) -> None:
    blank = services.Criteria(None, True, True, "", "Bruises", "")
    with pytest.raises(ValidationError) as refused:
        services.decide(
            actor=user_for("socialworker"),
            concern=concern,
            criteria=blank,
            route="s42",
            reasons="x",
        )
    assert set(refused.value.message_dict) == {
        "care_and_support_needs",
        "unable_to_protect_evidence",
    }
    assert Concern.objects.get(pk=concern.pk).status == "concern"


def test_only_the_responsible_team_decides(concern, user_for) -> None:
    with pytest.raises(PermissionDenied):
        services.decide(
            actor=user_for("nurse"), concern=concern, criteria=ALL_MET, route="s42", reasons="x"
        )


def test_the_enquiry_from_msp_to_conclusion(concern, user_for, settings) -> None:
    sw = user_for("socialworker")
    services.decide(actor=sw, concern=concern, criteria=ALL_MET, route="s42", reasons="All met.")
    with pytest.raises(ValidationError, match="in their words"):
        services.record_personal_outcomes(actor=sw, concern=concern, asked="expressed")
    with pytest.raises(ValidationError, match="why the person was not asked"):
        services.record_personal_outcomes(actor=sw, concern=concern, asked="not_asked")
    services.record_personal_outcomes(
        actor=sw,
        concern=concern,
        asked="expressed",
        desired_outcomes="I want my nephew to stop taking my money. I want to stay at home.",
        lacked_capacity="no",
        advocate=False,
    )
    with pytest.raises(ValidationError, match="risk assessment"):
        services.conclude(
            actor=sw,
            concern=concern,
            conclusion=services.Conclusion(True, "reduced", "partially", "Done"),
        )
    services.record_risk(
        actor=sw, concern=concern, assessment="Nephew visits weekly.", risk_found="identified"
    )
    with pytest.raises(ValidationError, match="plan"):
        services.conclude(
            actor=sw,
            concern=concern,
            conclusion=services.Conclusion(True, "reduced", "partially", "Done"),
        )
    services.add_plan_action(
        actor=sw,
        concern=concern,
        action="Bank: third-party mandate removed",
        owner="Ada, with SW",
        due=date(2026, 3, 20),
    )
    settings.CARETRUST_TODAY = "2026-04-02"
    services.conclude(
        actor=sw,
        concern=concern,
        conclusion=services.Conclusion(
            action_taken=True,
            risk_result="reduced",
            msp_achieved="partially",
            outcome_summary="Money protected; nephew still visits.",
        ),
    )
    concern.refresh_from_db()
    enquiry = concern.enquiry
    assert concern.status == "concluded"
    assert (enquiry.risk_result, enquiry.msp_achieved) == ("reduced", "partially")
    assert enquiry.concluded_on == date(2026, 4, 2)
    moves = [
        e.details["status"]
        for e in AuditEvent.objects.filter(
            object_type="safeguarding.concern", action="update"
        ).order_by("id")
    ]
    assert moves == [["concern", "s42_enquiry"], ["s42_enquiry", "concluded"]]
    # Opened, outcomes, risk, plan action; the conclusion is the concern's move above.
    assert AuditEvent.objects.filter(object_type="safeguarding.enquiry").count() == 4
    # Final: nothing changes any more.
    with pytest.raises(ValidationError, match="concluded"):
        services.add_plan_action(
            actor=sw, concern=concern, action="x", owner="y", due=date(2026, 5, 1)
        )


def test_a_decided_concern_cannot_be_decided_again(concern, user_for) -> None:
    sw = user_for("socialworker")
    services.decide(actor=sw, concern=concern, criteria=ALL_MET, route="s42", reasons="All met.")
    stale = Concern.objects.get(pk=concern.pk)
    with pytest.raises(InvalidTransition):
        services.decide(actor=sw, concern=stale, criteria=ALL_MET, route="s42", reasons="again")


def test_a_raced_decision_changes_nothing(concern, user_for) -> None:
    """Two deciders read the concern; the second's conditional update finds it moved."""
    sw = user_for("socialworker")
    first, second = Concern.objects.get(pk=concern.pk), Concern.objects.get(pk=concern.pk)
    services.decide(actor=sw, concern=first, criteria=ALL_MET, route="s42", reasons="All met.")
    with pytest.raises(ValidationError, match="Someone else"):
        services.decide(actor=sw, concern=second, criteria=ALL_MET, route="s42", reasons="x")
    assert Concern.objects.get(pk=concern.pk).enquiry.kind == "s42"


def test_no_further_action_is_final(concern, user_for) -> None:
    sw = user_for("socialworker")
    not_met = services.Criteria(False, False, False, "None", "None", "None")
    services.decide(actor=sw, concern=concern, criteria=not_met, route="nfa", reasons="Not met.")
    assert not hasattr(Concern.objects.get(pk=concern.pk), "enquiry_cache")
    with pytest.raises(ValidationError, match="no enquiry"):
        services.record_risk(actor=sw, concern=concern, assessment="x", risk_found="none")


def test_bad_input_names_each_field(person, user_for) -> None:
    from .conftest import details as make

    with pytest.raises(ValidationError) as refused:
        services.raise_concern(
            actor=user_for("gp"),
            person=person,
            details=make(facts=" ", abuse_types=["ghosts"], location="moon", source_of_risk=""),
        )
    assert set(refused.value.message_dict) == {"facts", "abuse_types", "location", "source_of_risk"}
    assert not Concern.objects.exists()
