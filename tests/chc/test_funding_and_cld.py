"""Only a current ICB "eligible" decision allows a CHC-funded plan line (pathways.md §3: "Never
mark a line CHC-funded without a current ICB decision"), registered by caretrust.chc into
careplans.funding_authority; and the CLD event an eligible decision produces (records.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from caretrust.chc import services
from caretrust.organisations.models import Organisation

from .conftest import POSITIVE, TODAY, dst_levels


@pytest.fixture
def plan(person, today):
    from tests.factories import make_plan

    return make_plan(referral=person.referrals.first())


def add_chc_line(user_for, plan, start):
    from caretrust.careplans import services as plans

    plan.refresh_from_db()
    return plans.add_service(
        actor=user_for("coordinator"),
        plan=plan,
        expected_version=plan.version,
        kind="community_nursing",
        provider_organisation=Organisation.objects.get(code="DEMO-TRUST"),
        start=start,
        funding_stream="nhs_chc",
    )


def test_a_chc_line_is_refused_without_a_decision(user_for, plan, today) -> None:
    with pytest.raises(ValidationError, match="none is recorded"):
        add_chc_line(user_for, plan, today + timedelta(days=1))
    assert not plan.services.exists()


def test_a_positive_checklist_is_not_enough(user_for, plan, today) -> None:
    services.record_checklist(
        actor=user_for("nurse"), person=plan.person, levels=POSITIVE, completed_on=today
    )
    with pytest.raises(ValidationError, match="eligibility decision"):
        add_chc_line(user_for, plan, today + timedelta(days=1))


def test_a_chc_line_is_allowed_with_an_eligible_decision(
    user_for, plan, assessed, decide, today
) -> None:
    decide(assessed)
    line = add_chc_line(user_for, plan, today + timedelta(days=1))
    assert line.funding_stream == "nhs_chc"


def test_a_chc_line_is_refused_on_a_not_eligible_decision(
    user_for, plan, assessed, decide, today
) -> None:
    decide(assessed, "not_eligible")
    with pytest.raises(ValidationError, match="decided not eligible"):
        add_chc_line(user_for, plan, today + timedelta(days=1))


def test_a_chc_line_is_refused_past_the_review_date(
    user_for, plan, assessed, decide, today
) -> None:
    """The first review is due 15 September 2026 (three months after 15 June): a line starting
    on it is allowed, one starting the day after is refused until the review is recorded."""
    decide(assessed)
    assert add_chc_line(user_for, plan, date(2026, 9, 15))
    with pytest.raises(ValidationError, match="past its review date"):
        add_chc_line(user_for, plan, date(2026, 9, 16))


def test_a_chc_line_is_refused_before_the_decision_and_after_it_ends(
    user_for, plan, assessed, decide, today, settings
) -> None:
    case = decide(assessed)
    with pytest.raises(ValidationError, match="none is recorded on"):
        add_chc_line(user_for, plan, today - timedelta(days=1))
    settings.CARETRUST_TODAY = "2026-08-01"
    services.record_review(
        actor=user_for("nurse"),
        review=case.reviews.get(),
        done_on=date(2026, 8, 1),
        outcome="ended",
        notes="Needs now met by social care.",
    )
    with pytest.raises(ValidationError, match="ended at the review"):
        add_chc_line(user_for, plan, date(2026, 8, 2))


def test_a_later_decision_supersedes_an_eligible_one(
    user_for, plan, assessed, decide, today, settings
) -> None:
    from caretrust.chc.selectors import current_eligible

    first = decide(assessed)
    # A new case (eligibility ended at review) decided not eligible on a later date.
    settings.CARETRUST_TODAY = "2026-07-01"
    services.record_review(
        actor=user_for("nurse"),
        review=first.reviews.get(),
        done_on=date(2026, 7, 1),
        outcome="ended",
        notes="Improved.",
    )
    second = services.refer_fast_track(
        actor=user_for("nurse"), person=plan.person, clinician="Dr Moss, GP", reason="Decline"
    )
    decide(second, "not_eligible", on=date(2026, 7, 1))
    assert current_eligible(plan.person, date(2026, 6, 20)) == first
    assert current_eligible(plan.person, date(2026, 7, 2)) is None


def test_an_eligible_decision_is_a_cld_request_ending_in_referral_to_nhs(
    user_for, assessed, decide, today
) -> None:
    """records.md Event_Outcome (Release 2): "NFA: Referral to NHS services or NHS funded social
    care"; reported in the period in which it concludes."""
    from caretrust.assessments.cld_events import cld_events, sources

    assert "chc" in sources()
    decide(assessed)
    events = [
        e.fields
        for e in cld_events([assessed.person_id], date(2026, 4, 1), date(2027, 3, 31))
        if e.fields["Event_Reference"].startswith("CHC-")
    ]
    assert events == [
        {
            **events[0],
            "Event_Type": "Request",
            "Event_Start_Date": "2026-06-15",
            "Event_End_Date": TODAY.isoformat(),
            "Event_Outcome": "NFA: Referral to NHS services or NHS funded social care",
        }
    ]
    assert not [
        e
        for e in cld_events([assessed.person_id], date(2025, 4, 1), date(2026, 3, 31))
        if e.fields["Event_Reference"].startswith("CHC-")
    ]


def test_the_dst_level_forms_are_not_typed(user_for, person, today) -> None:
    """The checklist result and the DST indication are computed from the levels."""
    case = services.record_checklist(
        actor=user_for("nurse"), person=person, levels=POSITIVE, completed_on=today
    )
    case = services.record_dst(
        actor=user_for("nurse"),
        case=case,
        levels=dst_levels(mobility="low"),
        mdt="A, nurse\nB, social worker",
        recommendation="not_eligible",
        rationale="Low needs only.",
        completed_on=today,
    )
    assert case.dst_indication == "not_indicated"
