"""One shared care plan: care team across organisations, versions, conflicts, FHIR."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access import policy
from caretrust.careplans import fhir, services
from caretrust.careplans.models import CarePlan


def test_a_plan_starts_with_the_co_ordinator_team_assessors_and_the_persons_goal(plan) -> None:
    assert plan.coordinator.username == "coordinator"
    members = {(m.display_name, m.organisation.code) for m in plan.care_team.all()}
    assert ("Torquay locality team", "DEMO-TRUST") in members
    assert ("Grace Okafor", "DEMO-COUNCIL") in members and ("Tom Hughes", "DEMO-TRUST") in members
    assert [g.text for g in plan.goals.all()] == ["To stay in my own home with my cat."]
    assert plan.versions.get().summary == "Plan started"


def test_one_current_plan_per_person(user_for, plan) -> None:
    again = services.create_plan(actor=user_for("ot"), person=plan.person)
    assert again == plan
    assert CarePlan.objects.count() == 1


def test_services_from_both_sectors_with_funding_streams(
    user_for, plan, org, team, in_days
) -> None:
    coordinator = user_for("coordinator")
    home_care = services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=org("DEMO-HOMECARE"),
        frequency=2,
        per="day",
        hours_per_visit=Decimal("0.5"),
        start=in_days(1),
        funding_stream="council",
    )
    plan.refresh_from_db()
    nursing = services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="community_nursing",
        provider_organisation=org("DEMO-TRUST"),
        provider_team=team("torquay-mdt"),
        frequency=2,
        per="week",
        start=in_days(1),
        funding_stream="nhs",
    )
    assert home_care.frequency_text == "2 visits a day, 0.5 hours each"
    assert home_care.weekly_cost is None  # the funding area fills it in
    assert nursing.visit_kind == "community_nursing"
    plan.refresh_from_db()
    assert plan.version == 3
    assert [v.summary for v in plan.versions.all()][
        -1
    ] == "Added community nursing from Bayside Health and Care NHS Trust"


def test_the_second_saver_gets_a_conflict_with_the_others_change(
    user_for, plan, org, in_days
) -> None:
    coordinator, ot = user_for("coordinator"), user_for("ot")
    both_read = plan.version
    services.add_service(
        actor=ot,
        plan=plan,
        expected_version=both_read,
        kind="equipment",
        provider_organisation=org("DEMO-COUNCIL"),
        per="once",
        start=in_days(2),
        funding_stream="minor_adaptation",
    )
    with pytest.raises(services.CarePlanConflict) as conflict:
        services.update_plan(
            actor=coordinator, plan=plan, expected_version=both_read, goals=["Walk to the shop"]
        )
    change = conflict.value.changes[0]
    assert change.who == "Tom Hughes"
    assert change.lines == [
        "Service added: Equipment from Bayside Council Adult Social Care (Once)"
    ]
    plan.refresh_from_db()
    assert [g.text for g in plan.goals.all()] == ["To stay in my own home with my cat."]  # not lost
    assert plan.services.count() == 1


def test_update_goals_keeps_history(user_for, plan) -> None:
    services.update_plan(
        actor=user_for("coordinator"),
        plan=plan,
        expected_version=plan.version,
        goals=["To stay in my own home", "To get to church on Sundays"],
    )
    first, second = plan.versions.all()
    assert first.snapshot["goals"] == ["To stay in my own home with my cat."]
    assert second.snapshot["goals"] == ["To stay in my own home", "To get to church on Sundays"]


def test_the_care_team_has_a_relationship_others_do_not(user_for, plan, django_user_model) -> None:
    assert policy.decide(user_for("socialworker"), "careplans.view", plan).allowed
    outsider = django_user_model.objects.create_user(
        "physio9", role="practitioner", profession="physiotherapist"
    )
    assert not policy.decide(outsider, "careplans.view", plan)
    with pytest.raises(PermissionDenied):
        services.update_plan(actor=outsider, plan=plan, expected_version=plan.version, goals=["x"])


def test_agreeing_needs_goals_and_services_and_completes_the_referral(
    user_for, plan, org, in_days, decide_eligible
) -> None:
    coordinator = user_for("coordinator")
    decide_eligible(plan.person)
    with pytest.raises(ValidationError, match="at least one service"):
        services.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=org("DEMO-HOMECARE"),
        frequency=1,
        per="day",
        start=in_days(0),
        funding_stream="council",
    )
    plan.refresh_from_db()
    services.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == "active" and plan.visits.count() == 15  # today + 14 days
    plan.referral.refresh_from_db()
    assert plan.referral.status == "completed"
    assert plan.referral.business_status == "Care plan agreed"


def test_care_plan_and_care_team_are_valid_fhir(user_for, plan, org, in_days) -> None:
    services.add_service(
        actor=user_for("coordinator"),
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=org("DEMO-HOMECARE"),
        frequency=2,
        per="day",
        start=in_days(1),
        funding_stream="council",
    )
    plan.refresh_from_db()
    data = fhir.care_plan(plan).model_dump(mode="json", exclude_none=True)
    assert data["status"] == "draft" and data["intent"] == "plan"
    assert data["subject"]["reference"] == f"Patient/{plan.person.ref}"
    assert data["careTeam"][0]["reference"] == f"CareTeam/{plan.care_team_uuid}"
    assert data["contained"][0]["resourceType"] == "Goal"
    activity = data["activity"][0]["detail"]
    assert activity["code"]["text"] == "Home care"
    assert activity["extension"][0]["valueCode"] == "council"
    team = fhir.care_team(plan).model_dump(mode="json", exclude_none=True)
    assert team["resourceType"] == "CareTeam"
    assert {p["onBehalfOf"]["display"] for p in team["participant"]} >= {
        "Bayside Council Adult Social Care",
        "Bayside Health and Care NHS Trust",
    }
