"""Planned services generate visits; duplicates across organisations are flagged and merged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from caretrust.access.models import AuditEvent
from caretrust.careplans import selectors, services
from caretrust.careplans.models import Visit


@pytest.fixture
def two_ots(user_for, plan, org, team, in_days):
    """A health OT (trust) and a council OT both planned to do a home assessment."""
    coordinator = user_for("coordinator")
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="occupational_therapy",
        provider_organisation=org("DEMO-TRUST"),
        provider_team=team("torquay-mdt"),
        per="once",
        start=in_days(2),
        funding_stream="nhs",
    )
    plan.refresh_from_db()
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="equipment",
        visit_kind="ot_home_assessment",
        description="Council OT assessment for bathing equipment",
        provider_organisation=org("DEMO-COUNCIL"),
        per="once",
        start=in_days(4),
        funding_stream="minor_adaptation",
    )
    plan.refresh_from_db()
    services.generate_visits(actor=coordinator, plan=plan)
    return plan


def test_weekly_and_daily_services_generate_visits(user_for, plan, org, in_days, today) -> None:
    coordinator = user_for("coordinator")
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="community_nursing",
        provider_organisation=org("DEMO-TRUST"),
        frequency=2,
        per="week",
        start=today,
        end=today + timedelta(days=13),
        funding_stream="nhs",
    )
    plan.refresh_from_db()
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=org("DEMO-HOMECARE"),
        frequency=3,
        per="day",
        start=today,
        end=today + timedelta(days=1),
        funding_stream="council",
    )
    plan.refresh_from_db()
    assert services.generate_visits(actor=coordinator, plan=plan) == 4 + 6
    assert services.generate_visits(actor=coordinator, plan=plan) == 0  # idempotent
    nursing = Visit.objects.filter(kind="community_nursing").values_list("date", flat=True)
    assert [(d - today).days for d in nursing] == [0, 4, 7, 11]


def test_team_visit_list_by_day(user_for, two_ots, in_days) -> None:
    visits = selectors.team_visits(user_for("ot"), in_days(2))
    assert [v.kind for v in visits] == ["ot_home_assessment"]
    assert selectors.team_visits(user_for("ot"), in_days(3)) == []


def test_the_team_visit_list_audits_itself(user_for, two_ots, in_days) -> None:
    """ADR 89: the selector records a read of each person whose visit it fetched."""
    from caretrust.access.models import AuditEvent

    ot = user_for("ot")
    reads = AuditEvent.objects.filter(
        action="read", actor=ot, object_type="careplans.visits", person_ref=two_ots.person.audit_ref
    )
    assert not reads.exists()
    selectors.team_visits(ot, in_days(3))  # nobody visited that day: nobody recorded
    assert not reads.exists()
    selectors.team_visits(ot, in_days(2))
    assert reads.count() == 1


def test_duplicate_ot_visits_are_flagged_and_merged(user_for, two_ots) -> None:
    groups = services.find_duplicate_visits(two_ots.person)
    assert len(groups) == 1
    assert groups[0].organisations == [
        "Bayside Council Adult Social Care",
        "Bayside Health and Care NHS Trust",
    ]
    keep, other = groups[0].visits
    joint = services.merge_visits(actor=user_for("coordinator"), keep=keep, merge=[other])
    other.refresh_from_db()
    assert other.status == "merged" and other.merged_into == joint
    assert joint.joint_with == ["Bayside Council Adult Social Care"]
    assert services.find_duplicate_visits(two_ots.person) == []
    event = AuditEvent.objects.filter(object_type="careplans.visit").get()
    assert event.details["merged_visits"] == [str(other.uuid)]


@override_settings(CARETRUST_DUPLICATE_VISIT_WINDOW_DAYS=1)
def test_the_window_is_configurable(two_ots) -> None:
    assert services.find_duplicate_visits(two_ots.person) == []  # two days apart


def test_only_co_ordinators_merge(user_for, two_ots) -> None:
    keep, other = services.find_duplicate_visits(two_ots.person)[0].visits
    with pytest.raises(PermissionDenied):
        services.merge_visits(actor=user_for("ot"), keep=keep, merge=[other])


def test_a_merged_visit_cannot_be_merged_again(user_for, two_ots) -> None:
    keep, other = services.find_duplicate_visits(two_ots.person)[0].visits
    coordinator = user_for("coordinator")
    services.merge_visits(actor=coordinator, keep=keep, merge=[other])
    with pytest.raises(Exception, match="already been merged"):
        services.merge_visits(actor=coordinator, keep=other, merge=[keep])


def test_dismissed_pairs_are_no_longer_flagged(user_for, two_ots) -> None:
    keep, other = services.find_duplicate_visits(two_ots.person)[0].visits
    services.dismiss_duplicate(
        actor=user_for("coordinator"),
        first=keep,
        second=other,
        reason="Different rooms: stairs vs bath",
    )
    assert services.find_duplicate_visits(two_ots.person) == []


def test_the_caseload_row_shows_the_next_planned_visit(user_for, plan, org, in_days) -> None:
    """Referrals learn of visits through the hook care plans registers (ADR 75), not an import."""
    from caretrust.referrals.presenters import caseload_rows

    coordinator = user_for("coordinator")
    assert caseload_rows([plan.referral])[0].next_visit == "None planned"
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="community_nursing",
        provider_organisation=org("DEMO-TRUST"),
        frequency=1,
        per="week",
        start=in_days(3),
        end=in_days(5),
        funding_stream="nhs",
    )
    plan.refresh_from_db()
    services.generate_visits(actor=coordinator, plan=plan)
    assert (
        caseload_rows([plan.referral])[0].next_visit
        == f"{in_days(3):%d %b %Y}: Community nursing visit"
    )
