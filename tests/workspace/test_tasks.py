"""Tasks between professionals (issue #15): about a person, assigned to a user or a team, with the
same legitimate relationship as the record, audited, never lost to a concurrent change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from caretrust.access.models import AuditEvent
from caretrust.access.services import break_glass
from caretrust.organisations.models import Team
from caretrust.workspace import selectors, services
from caretrust.workspace.models import Task


@pytest.fixture
def today():
    return timezone.localdate()


def test_a_task_for_a_colleague_is_seen_done_and_audited(user_for, accepted, today) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    task = services.create_task(
        actor=ot,
        person=accepted.person,
        title="Check her heart failure medicines",
        due_date=today + timedelta(days=2),
        assigned_user=nurse,
    )
    assert task.code == "follow-up" and task.status == "requested"
    assert list(selectors.my_tasks(nurse)) == [task]
    services.add_comment(actor=nurse, task=task, text="Visiting on Thursday.")
    task.refresh_from_db()
    services.complete_task(
        actor=nurse, task=task, expected_version=task.version, outcome="Reviewed, no change"
    )
    assert task.status == "completed" and task.completed_by == nurse
    assert not selectors.my_tasks(nurse)
    rows = AuditEvent.objects.filter(object_type="workspace.task", object_id=str(task.pk))
    assert rows.count() == 3
    assert {r.person_ref for r in rows} == {accepted.person.audit_ref}


def test_team_tasks_and_overdue_first(user_for, accepted, today) -> None:
    ot, sw = user_for("ot"), user_for("socialworker")
    team = Team.objects.get(code="torquay-mdt")
    later = services.create_task(
        actor=ot,
        person=accepted.person,
        title="Later",
        due_date=today + timedelta(days=5),
        assigned_team=team,
    )
    overdue = services.create_task(
        actor=ot,
        person=accepted.person,
        title="Overdue",
        due_date=today + timedelta(days=1),
        assigned_team=team,
        priority="urgent",
    )
    Task.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=1))
    assert [t.title for t in selectors.my_tasks(sw)] == ["Overdue", "Later"]
    overdue.refresh_from_db()
    assert overdue.is_overdue(today) and not later.is_overdue(today)
    # Taking a team task makes it yours.
    services.start_task(actor=sw, task=overdue, expected_version=overdue.version)
    assert overdue.assigned_user == sw and overdue.assigned_team is None


def test_tasks_need_the_relationship_the_record_needs(
    user_for, accepted, today, django_user_model
) -> None:
    outsider = django_user_model.objects.create_user(
        "physio2", role="practitioner", profession="physiotherapist"
    )
    with pytest.raises(PermissionDenied):
        services.create_task(
            actor=outsider,
            person=accepted.person,
            title="x",
            due_date=today,
            assigned_user=outsider,
        )
    with pytest.raises(ValidationError, match="no relationship"):
        services.create_task(
            actor=user_for("ot"),
            person=accepted.person,
            title="Look at this",
            due_date=today,
            assigned_user=outsider,
        )
    task = services.create_task(
        actor=user_for("ot"),
        person=accepted.person,
        title="Mine",
        due_date=today,
        assigned_user=user_for("ot"),
    )
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=outsider, task=task, text="hello")


def test_break_glass_cannot_set_tasks(user_for, accepted, today, django_user_model) -> None:
    outsider = django_user_model.objects.create_user(
        "physio3", role="practitioner", profession="physiotherapist"
    )
    break_glass(
        actor=outsider,
        person=accepted.person,
        justification="consent",
        reason="She asked me to look at her record today.",
    )
    with pytest.raises(PermissionDenied, match="read-only"):
        services.create_task(
            actor=outsider,
            person=accepted.person,
            title="x",
            due_date=today,
            assigned_user=user_for("ot"),
        )


def test_a_stale_completion_is_refused(user_for, accepted, today) -> None:
    ot = user_for("ot")
    task = services.create_task(
        actor=ot,
        person=accepted.person,
        title="Call the daughter",
        due_date=today,
        assigned_user=ot,
    )
    version = task.version
    services.start_task(actor=ot, task=task, expected_version=version)
    with pytest.raises(services.TaskChanged):
        services.complete_task(actor=ot, task=task, expected_version=version)


def test_task_pages_from_the_person_page(client, user_for, accepted, today) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    client.force_login(ot)
    person_page = client.get(f"/people/{accepted.person.ref}/").content.decode()
    assert "Set a task about this person" in person_page
    new_url = f"/workspace/tasks/new/{accepted.person.ref}/"
    bad = client.post(new_url, {"title": ""})
    assert "Say what needs doing" in bad.content.decode()
    response = client.post(
        new_url,
        {
            "title": "Bring a perching stool",
            "assign_to": f"user:{nurse.pk}",
            "due_date": (today + timedelta(days=1)).isoformat(),
            "priority": "routine",
        },
    )
    task = Task.objects.get()
    assert response.status_code == 302 and task.assigned_user == nurse
    client.force_login(nurse)
    home = client.get("/").content.decode()
    assert "Your tasks" in home and "Bring a perching stool" in home
    assert "Tasks (1)" in home
    listing = client.get("/workspace/tasks/").content.decode()
    assert "Bring a perching stool" in listing
    client.post(f"/workspace/tasks/{task.uuid}/comment/", {"text": "Will do"})
    client.post(
        f"/workspace/tasks/{task.uuid}/complete/", {"version": task.version, "outcome": "Done"}
    )
    task.refresh_from_db()
    assert task.status == "completed"
    assert AuditEvent.objects.filter(
        action="read", object_type="workspace.tasks", person_ref=accepted.person.audit_ref
    ).exists()
