"""Agreeing a plan needs a current "eligible" decision, and a free funding stream needs the
decision or entitlement behind it (issue #16; pathways.md §3, §6, §8: "Never mark a line
CHC-funded without a current ICB decision")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from caretrust.careplans import services
from caretrust.organisations.models import Team


@pytest.fixture
def _decide(decide_eligible):
    def decide(user_for, plan, eligible: bool = True):
        return decide_eligible(
            plan.person, unable=("nutrition", "hygiene") if eligible else ("nutrition",)
        )

    return decide


def _add(user_for, plan, org, in_days, funding_stream, kind="home_care"):
    plan.refresh_from_db()
    return services.add_service(
        actor=user_for("coordinator"),
        plan=plan,
        expected_version=plan.version,
        kind=kind,
        provider_organisation=org("DEMO-HOMECARE"),
        start=in_days(1),
        funding_stream=funding_stream,
    )


def test_no_plan_is_agreed_without_an_eligibility_decision(
    _decide, user_for, plan, org, in_days
) -> None:
    _add(user_for, plan, org, in_days, "council")
    plan.refresh_from_db()
    with pytest.raises(ValidationError, match="eligib"):
        services.agree_plan(actor=user_for("coordinator"), plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_no_plan_is_agreed_on_a_not_eligible_decision(
    _decide, user_for, plan, org, in_days
) -> None:
    _decide(user_for, plan, eligible=False)
    _add(user_for, plan, org, in_days, "council")
    plan.refresh_from_db()
    with pytest.raises(ValidationError, match="eligib"):
        services.agree_plan(actor=user_for("coordinator"), plan=plan, expected_version=plan.version)


def test_an_eligible_decision_lets_the_plan_be_agreed(
    _decide, user_for, plan, org, in_days
) -> None:
    _decide(user_for, plan)
    _add(user_for, plan, org, in_days, "council")
    plan.refresh_from_db()
    agreed = services.agree_plan(
        actor=user_for("coordinator"), plan=plan, expected_version=plan.version
    )
    assert agreed.status == "active"


def test_a_chc_line_is_refused_without_an_icb_decision(
    _decide, user_for, plan, org, in_days
) -> None:
    _decide(user_for, plan)
    with pytest.raises(
        ValidationError, match="needs a current NHS Continuing Healthcare eligibility decision"
    ):
        _add(user_for, plan, org, in_days, "nhs_chc")
    assert not plan.services.exists()


def test_a_s117_line_needs_a_recorded_entitlement(
    _decide, user_for, plan, org, in_days, today
) -> None:
    from caretrust.entitlements import services as entitlements

    _decide(user_for, plan)
    with pytest.raises(ValidationError, match="section 117"):
        _add(user_for, plan, org, in_days, "s117")
    entitlements.record_s117(
        actor=user_for("socialworker"),
        person=plan.person,
        start=today,
        detention="Section 3, Torbay Hospital, discharged this week",
    )
    assert _add(user_for, plan, org, in_days, "s117").funding_stream == "s117"


def test_a_reablement_line_needs_a_reablement_episode(
    _decide, user_for, plan, org, in_days, today
) -> None:
    from caretrust.entitlements import services as entitlements

    _decide(user_for, plan)
    with pytest.raises(ValidationError, match="reablement episode"):
        _add(user_for, plan, org, in_days, "reablement", kind="reablement")
    entitlements.start_reablement(actor=user_for("ot"), person=plan.person, start=in_days(1))
    assert _add(user_for, plan, org, in_days, "reablement", kind="reablement")


def test_the_plan_shows_what_is_missing_before_agreement(_decide, user_for, plan) -> None:
    from caretrust.careplans.selectors import agreement_checklist

    plan.goals.all().delete()
    checklist = agreement_checklist(plan)
    missing = [item.text for item in checklist if not item.done]
    assert any("eligib" in text for text in missing)
    assert any("goal" in text for text in missing)
    assert any("service" in text for text in missing)


def test_the_plan_page_shows_the_checklist_and_the_refused_line(
    _decide, client, user_for, plan, org, today
) -> None:
    client.force_login(user_for("coordinator"))
    page = client.get(f"/care-plans/{plan.uuid}/").content.decode()
    assert "Before the plan can be agreed" in page
    assert "Agree the plan and plan the visits" not in page  # not offered until complete
    page = client.post(
        f"/care-plans/{plan.uuid}/services/",
        {
            "version": plan.version,
            "kind": "home_care",
            "provider_organisation": org("DEMO-HOMECARE").pk,
            "provider_team": Team.objects.get(code="coastline-carers").pk,
            "frequency": 1,
            "per": "week",
            "start": today.isoformat(),
            "funding_stream": "nhs_chc",
        },
    ).content.decode()
    assert 'href="#funding_stream"' in page
    assert "needs a current NHS Continuing Healthcare eligibility decision" in page
    assert not plan.services.exists()


def test_a_plan_of_nhs_care_alone_needs_no_care_act_decision(
    _decide, user_for, plan, org, in_days
) -> None:
    """Community nursing for someone with no Care Act needs: the NHS arranges it, so the plan is
    agreed without an eligibility decision; adding council home care then needs one."""
    _add(user_for, plan, org, in_days, "nhs", kind="community_nursing")
    plan.refresh_from_db()
    agreed = services.agree_plan(
        actor=user_for("coordinator"), plan=plan, expected_version=plan.version
    )
    assert agreed.status == "active"
