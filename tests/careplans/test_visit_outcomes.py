"""Visits you can rely on (issue #15): a time of day; done, missed or cancelled recorded by the
worker; a missed visit raises an urgent task for the plan's named co-ordinator."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.careplans import services
from caretrust.careplans.models import Visit
from caretrust.record.models import TimelineEvent
from caretrust.workspace.models import Task
from caretrust.workspace.selectors import my_tasks


@pytest.fixture
def agreed(user_for, plan, org, today, decide_eligible):
    coordinator = user_for("coordinator")
    decide_eligible(plan.person)
    plan = services.update_plan(
        actor=coordinator, plan=plan, expected_version=plan.version, goals=["Stay at home"]
    )
    services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=org("DEMO-HOMECARE"),
        frequency=2,
        per="day",
        start=today,
        funding_stream="council",
    )
    plan.refresh_from_db()
    return services.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)


def test_visits_have_a_time_of_day(agreed, today) -> None:
    times = list(
        Visit.objects.filter(plan=agreed, date=today)
        .order_by("sequence")
        .values_list("time", flat=True)
    )
    assert times == [time(8, 30), time(12, 30)]


def test_a_missed_visit_raises_a_task_for_the_named_co_ordinator(user_for, agreed, today) -> None:
    nurse, coordinator = user_for("nurse"), user_for("coordinator")
    visit = Visit.objects.filter(plan=agreed, date=today).first()
    with pytest.raises(ValidationError):
        services.record_visit(actor=nurse, visit=visit, outcome="missed")
    services.record_visit(
        actor=nurse, visit=visit, outcome="missed", reason="No answer at the door"
    )
    assert visit.status == "missed" and visit.outcome_by == nurse
    task = Task.objects.get(code="missed-visit")
    assert task.assigned_user == coordinator and task.priority == "urgent"
    assert task.raised_by == f"careplans.visit:{visit.uuid}"
    assert task in my_tasks(coordinator)
    assert TimelineEvent.objects.filter(
        person=visit.person, sector="integrated", kind="Visit missed"
    ).exists()
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_visit(actor=nurse, visit=visit, outcome="done")


def test_done_needs_no_reason_and_strangers_cannot_record(
    user_for, agreed, today, django_user_model
) -> None:
    visit = Visit.objects.filter(plan=agreed, date=today).last()
    outsider = django_user_model.objects.create_user(
        "physio2", role="practitioner", profession="physiotherapist"
    )
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=outsider, visit=visit, outcome="done")
    services.record_visit(actor=user_for("nurse"), visit=visit, outcome="done")
    assert visit.status == "done" and not Task.objects.exists()


def test_the_visit_list_records_outcomes(client, user_for, agreed, today, team) -> None:
    # The calls are the Torquay team's today (a team's visit list shows its own visits).
    Visit.objects.filter(plan=agreed).update(team=team("torquay-mdt"))
    client.force_login(user_for("nurse"))
    page = client.get("/care-plans/visits/").content.decode()
    assert "Record as missed" in page and "08:30" in page
    visit = Visit.objects.filter(plan=agreed, date=today).first()
    response = client.post(
        f"/care-plans/visits/{visit.uuid}/missed/", {"reason": "In hospital since last night"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "missed"


def test_a_service_from_a_provider_with_teams_must_name_the_team(client, user_for, plan, org):
    client.force_login(user_for("coordinator"))
    form = {
        "version": plan.version,
        "kind": "community_nursing",
        "provider_organisation": org("DEMO-TRUST").pk,
        "frequency": 1,
        "per": "week",
        "start": "2026-12-03",
        "funding_stream": "nhs",
    }
    page = client.post(f"/care-plans/{plan.uuid}/services/", form).content.decode()
    assert "Choose the team or the named practitioner who visits" in page
    assert not plan.services.exists()
