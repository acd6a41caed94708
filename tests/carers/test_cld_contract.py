"""Contract: the carers' CLD events use only field names of the DHSC Adult Social Care Client Level
Data specification and values of its Release 2 value sets, as listed in
../shared/reference/records.md ("Adult Social Care Client Level Data (CLD), DHSC")."""

from __future__ import annotations

from datetime import date

import pytest

from caretrust.carers import selectors, services
from caretrust.carers.eligibility import ABLE, OUTCOMES
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services as referrals
from tests.factories import person_row

# From records.md: the field groups (person, characteristics, every event, assessments, carers,
# services), code names as in DHSC's processing code.
CLD_FIELDS = {
    "LA_Person_Unique_Identifier",
    "Client_Type",
    "Event_Type",
    "Event_Reference",
    "Event_Description",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
    "Assessment_Type",
    "Eligible_Needs_Identified",
    "Method_of_Assessment",
    "Total_Hrs_Caring_per_week",
    "No_of_adults_being_cared_for",
    "Adult_1_Linked_Person_ID",
    "Adult_2_Linked_Person_ID",
    "Adult_3_Linked_Person_ID",
    "Service_Type",
    "Service_Component",
}
EVENT_TYPES = {"Request", "Assessment", "Service", "Review"}
# Event_Outcome (Release 2), as listed in records.md.
EVENT_OUTCOMES = {
    "Admitted to hospital",
    "Continuation of support or services",
    "NFA: Deceased",
    "NFA: Information and advice or signposting",
    "NFA: No services offered for other reason",
    "NFA: Other",
    "NFA: Referral to NHS services or NHS funded social care",
    "NFA: Referral to other service within the local authority",
    "NFA: Responsibility moved to another local authority",
    "NFA: Self-funded client or under 12wk disregard",
    "NFA: Support declined",
    "NFA: Support ended as planned",
    "NFA: Support ended for other reason",
    "Progress to assessment, review or reassessment",
    "Progress to reablement/ST-Max",
    "Progress to support planning or services",
}
# Service_Type (Release 2) unpaid carer support, records.md: "Unpaid carer support: Direct to
# unpaid carer | Support involving the person cared-for" (labels cased as caretrust.synthetic.cld).
CARER_SERVICE_TYPES = {
    "unpaid carer support: direct to unpaid carer",
    "unpaid carer support: support involving the person cared-for",
}


@pytest.fixture
def events(demo_directory, user_for) -> list[dict]:
    gp = user_for("gp")  # registered at the GP's practice: the GP refers, the OT decides
    person = person_row(
        given_name="Edith",
        family_name="Smith",
        birth_date=date(1941, 4, 18),
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=gp, person=person, source="gp", reason="Two carers need support.", consent=True
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    gp = user_for("ot")
    found = []
    for name, impact in (("Susan Smith", True), ("Tom Neighbour", False)):
        carer = services.record_carer(actor=gp, person=person, name=name)
        assessment = services.start_assessment(actor=gp, carer=carer)
        services.record_findings(
            actor=gp,
            assessment=assessment,
            outcomes={code: (ABLE, "") for code in OUTCOMES},
            needs_from_caring=True,
            health_at_risk=True,
            significant_impact=impact,
        )
        services.decide(actor=gp, assessment=assessment)
        assessment.refresh_from_db()
        for kind in ("direct", "cared_for"):
            services.save_support_plan(
                actor=gp,
                assessment=assessment,
                goals="A break",
                new_line=services.SupportLine(kind=kind, description=f"Support {kind}"),
            )
        services.agree_support_plan(actor=gp, assessment=assessment)
        found.append(assessment)
    day = found[0].decided_on
    return list(selectors.cld_events(day, day))


def test_field_names_are_cld_fields(events) -> None:
    assert events
    for event in events:
        assert set(event) <= CLD_FIELDS, set(event) - CLD_FIELDS


def test_values_come_from_the_release_2_value_sets(events) -> None:
    assert {e["Event_Type"] for e in events} == {"Assessment", "Service"}
    assert {e["Event_Type"] for e in events} <= EVENT_TYPES
    assert {e["Event_Outcome"] for e in events} <= EVENT_OUTCOMES
    assert {e["Client_Type"] for e in events} == {"Carer"}
    assessments = [e for e in events if e["Event_Type"] == "Assessment"]
    assert sorted(e["Eligible_Needs_Identified"] for e in assessments) == ["No", "Yes"]
    services_ = [e for e in events if e["Event_Type"] == "Service"]
    assert {e["Service_Type"].lower() for e in services_} == CARER_SERVICE_TYPES
    # Only services may be open-ended (records.md): assessments always carry an end date.
    assert all(e["Event_End_Date"] is not None for e in assessments)


def test_carers_events_reach_the_one_cld_events_selector(events) -> None:
    """The assessments area's selector (which the CLD export uses) gives the same carers' events,
    under the cared-for person when the carer has no record of their own, dates as ISO text."""
    from caretrust.assessments import cld_events

    day = date.fromisoformat(str(events[0]["Event_Start_Date"]))
    combined = [
        e.fields
        for e in cld_events.cld_events(None, day, day)
        if e.fields["Client_Type"] == "Carer"
    ]
    assert sorted(e["Event_Reference"] for e in combined) == sorted(
        e["Event_Reference"] for e in events
    )
    assert all(isinstance(value, str) for e in combined for value in e.values())
