"""Visits you can rely on (issue #15, ADR 72): every planned service names the team or the
practitioner who visits; services stored without either are listed for the plan's co-ordinator to
fix; a double-handed service's two workers are one call, never a duplicate."""

from __future__ import annotations

from datetime import time

from caretrust.access.models import AuditEvent
from caretrust.careplans import selectors, services
from caretrust.careplans.models import PlannedService, Visit
from caretrust.organisations.models import Team


def _form(plan, **changes) -> dict:
    from caretrust.organisations.models import Organisation

    return {
        "version": plan.version,
        "kind": "home_care",
        "provider_organisation": Organisation.objects.get(code="DEMO-HOMECARE").pk,
        "frequency": 1,
        "per": "day",
        "start": "2030-01-01",
        "funding_stream": "council",
        **changes,
    }


def test_the_service_form_refuses_a_service_nobody_visits(client, user_for, plan) -> None:
    client.force_login(user_for("coordinator"))
    page = client.post(f"/care-plans/{plan.uuid}/services/", _form(plan)).content.decode()
    assert "There is a problem" in page
    assert "Choose the team or the named practitioner who visits" in page
    assert "#provider_team" in page
    assert not PlannedService.objects.filter(plan=plan).exists()


def test_a_named_practitioner_sees_the_visits_on_their_list(client, user_for, plan, today):
    nurse = user_for("nurse")
    client.force_login(user_for("coordinator"))
    response = client.post(
        f"/care-plans/{plan.uuid}/services/",
        _form(
            plan,
            kind="community_nursing",
            provider_organisation=nurse.organisation.pk,
            provider_practitioner=nurse.pk,
            start=today.isoformat(),
            funding_stream="nhs",
        ),
    )
    assert response.status_code == 302
    service = PlannedService.objects.get(plan=plan)
    assert service.provider_practitioner == nurse and service.provider_team is None
    plan.refresh_from_db()
    services.generate_visits(actor=user_for("coordinator"), plan=plan, horizon_days=2)
    todays = selectors.team_visits(nurse, today)
    assert [v.planned_service_id for v in todays] == [service.pk]
    assert todays[0].practitioner == nurse and todays[0].time == time(10, 0)


def _orphan(user_for, plan, today) -> PlannedService:
    """A service stored before the rule (or by an API caller): no team, no practitioner."""
    from caretrust.organisations.models import Organisation

    service = services.add_service(
        actor=user_for("coordinator"),
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=2,
        per="day",
        start=today,
        funding_stream="council",
    )
    plan.refresh_from_db()
    services.generate_visits(actor=user_for("coordinator"), plan=plan, horizon_days=3)
    plan.refresh_from_db()
    return service


def test_orphaned_services_are_listed_for_the_co_ordinator_to_fix(client, user_for, plan, today):
    service = _orphan(user_for, plan, today)
    coordinator = user_for("coordinator")
    assert list(selectors.orphaned_services(coordinator)) == [service]
    assert list(selectors.orphaned_services(user_for("nurse"))) == []
    client.force_login(coordinator)
    home = client.get("/").content.decode()
    assert "Services with nobody named to visit (1)" in home
    listing = client.get("/care-plans/unassigned-services/").content.decode()
    fix_url = f"/care-plans/{plan.uuid}/services/{service.pk}/who-visits/"
    assert "Mary JONES" in listing and fix_url in listing
    assert "There is a problem" in client.post(fix_url, {"version": plan.version}).content.decode()
    team = Team.objects.get(code="coastline-carers")
    response = client.post(fix_url, {"version": plan.version, "provider_team": team.pk})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.provider_team == team and not service.is_orphaned
    assert list(selectors.orphaned_services(coordinator)) == []
    planned = Visit.objects.filter(planned_service=service, date__gte=today)
    assert planned.exists() and set(planned.values_list("team", flat=True)) == {team.pk}
    assert AuditEvent.objects.filter(
        object_type="careplans.plannedservice", object_id=str(service.pk), actor=coordinator
    ).exists()
    assert (
        "Every service on your plans names who visits"
        in client.get("/care-plans/unassigned-services/").content.decode()
    )


def test_only_someone_who_may_change_the_plan_names_who_visits(client, user_for, plan, today):
    service = _orphan(user_for, plan, today)
    client.force_login(user_for("finance"))
    fix_url = f"/care-plans/{plan.uuid}/services/{service.pk}/who-visits/"
    assert client.get(fix_url).status_code == 403


def test_the_two_workers_of_a_double_handed_visit_are_not_a_duplicate(user_for, plan, today):
    """A nurse from the trust and a carer from Coastline at the same call: two visits, different
    organisations, same kind and day, and still not a duplicate."""
    coordinator = user_for("coordinator")
    torquay = Team.objects.get(code="torquay-mdt")
    carers = Team.objects.get(code="coastline-carers")
    service = services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=torquay.host_organisation,
        provider_team=torquay,
        workers_needed=2,
        second_worker_team=carers,
        frequency=1,
        per="day",
        start=today,
        funding_stream="council",
        description="Hoist transfer: two workers",
    )
    plan.refresh_from_db()
    assert services.generate_visits(actor=coordinator, plan=plan, horizon_days=2) == 3 * 2
    calls = Visit.objects.filter(planned_service=service, date=today).order_by("worker")
    assert [(v.worker, v.team, v.organisation) for v in calls] == [
        (1, torquay, torquay.host_organisation),
        (2, carers, carers.host_organisation),
    ]
    assert calls[0].time == calls[1].time
    assert services.find_duplicate_visits(plan.person) == []
    # Each worker's team sees its own half of the call.
    assert [v.worker for v in selectors.team_visits(user_for("nurse"), today)] == [1]
    # The FHIR CarePlan names both performers.
    from caretrust.careplans import fhir

    resource = fhir.care_plan(plan).model_dump(mode="json", exclude_none=True)
    (detail,) = [a["detail"] for a in resource["activity"]]
    assert [p["display"] for p in detail["performer"]] == [
        "Torquay locality team, Bayside Health and Care NHS Trust",
        "Coastline Home Care carers",
    ]
    assert "double-handed" in detail["description"]


def test_a_real_duplicate_is_still_found_beside_a_double_handed_service(user_for, plan, today):
    from caretrust.organisations.models import Organisation

    coordinator = user_for("coordinator")
    torquay = Team.objects.get(code="torquay-mdt")
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=torquay.host_organisation,
        provider_team=torquay,
        workers_needed=2,
        per="once",
        start=today,
        funding_stream="council",
    )
    plan.refresh_from_db()
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        provider_team=Team.objects.get(code="coastline-carers"),
        per="once",
        start=today,
        funding_stream="council",
    )
    plan.refresh_from_db()
    services.generate_visits(actor=coordinator, plan=plan, horizon_days=2)
    groups = services.find_duplicate_visits(plan.person)
    assert len(groups) == 1
    assert groups[0].organisations == [
        "Bayside Health and Care NHS Trust",
        "Coastline Home Care Ltd",
    ]


def test_a_double_handed_service_needs_a_team_for_the_second_worker(client, user_for, plan):
    nurse = user_for("nurse")
    client.force_login(user_for("coordinator"))
    page = client.post(
        f"/care-plans/{plan.uuid}/services/",
        _form(plan, provider_practitioner=nurse.pk, workers_needed="2"),
    ).content.decode()
    assert "Choose the team the second worker comes from" in page
