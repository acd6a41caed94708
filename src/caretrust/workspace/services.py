"""Every write to a task: authorised first, audited in the same transaction, and a conditional
UPDATE on (id, version) so two people finishing the same task cannot both win."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from caretrust.access import audit, policy, relationships
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Team, User
from caretrust.people.models import Person
from caretrust.workspace.models import Task, TaskComment


class TaskChanged(ValidationError):
    def __init__(self, task: Task) -> None:
        super().__init__(
            "Someone else changed this task while you were working on it. "
            f"It is now {task.get_status_display().lower()}: check it and try again."
        )
        self.task = task


def _audit(actor: Any, task: Task, action: str, label: str = "", **details) -> None:
    audit.record(
        actor=actor,
        actor_label=label,
        action=action,
        obj=task,
        person_ref=task.person.audit_ref,
        details={"task": str(task.uuid), "code": task.code, **details},
    )


def _check_assignee(person: Person, user: User | None, team: Team | None) -> None:
    if (user is None) == (team is None):
        raise ValidationError({"assign_to": "Choose one person or one team to do it."})
    if user is not None:
        if not user.is_active or user.role not in (User.Role.PRACTITIONER, User.Role.COORDINATOR):
            raise ValidationError({"assign_to": "Choose an active practitioner or co-ordinator."})
        # The assignee must be able to open the task: the same relationship as the record.
        if not relationships.legitimate_relationship(user, person):
            raise ValidationError(
                {"assign_to": f"{user.get_full_name()} has no relationship with this person."}
            )


def _create(
    *,
    person: Person,
    title: str,
    due_date: date,
    code: str,
    priority: str,
    description: str,
    assigned_user: User | None,
    assigned_team: Team | None,
    created_by: User | None,
    raised_by: str = "",
) -> Task:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Say what needs doing."})
    if code not in Task.Code.values:
        raise ValidationError({"code": "Choose the kind of task."})
    if priority not in Task.Priority.values:
        raise ValidationError({"priority": "Choose how urgent it is."})
    if due_date is None:
        raise ValidationError({"due_date": "Enter the date it is due."})
    task = Task.objects.create(
        person=person,
        title=title[:200],
        description=(description or "").strip(),
        code=code,
        priority=priority,
        due_date=due_date,
        assigned_user=assigned_user,
        assigned_team=assigned_team,
        created_by=created_by,
        raised_by=raised_by,
    )
    _notify_assigned(task)
    return task


def _notify_assigned(task: Task) -> None:
    """Tell whoever must do it (ADR 71); the text names nobody (it may go by email)."""
    from django.urls import reverse

    from caretrust.notifications.models import Kind
    from caretrust.notifications.services import notify, team_members

    setter = task.created_by
    if task.assigned_user_id:
        users = [task.assigned_user] if task.assigned_user != setter else []
    else:
        users = team_members(task.assigned_team, exclude=setter)
    missed = task.code == Task.Code.MISSED_VISIT
    by = f" by {setter.get_full_name()}" if setter else ""
    team = f" to {task.assigned_team.name}" if task.assigned_team_id else " to you"
    notify(
        users,
        kind=Kind.VISIT_MISSED if missed else Kind.TASK_ASSIGNED,
        text=(
            "A visit was missed: a task waits for you"
            if missed
            else f"A task was assigned{team}{by}"
        ),
        link=reverse("workspace:task", args=[task.uuid]),
    )


@transaction.atomic
def create_task(
    *,
    actor: User,
    person: Person,
    title: str,
    due_date: date,
    assigned_user: User | None = None,
    assigned_team: Team | None = None,
    priority: str = Task.Priority.ROUTINE,
    description: str = "",
    code: str = Task.Code.FOLLOW_UP,
) -> Task:
    """A professional asks a colleague (or a team) to do something about a person."""
    policy.require(actor, "workspace.create_task", person)
    _check_assignee(person, assigned_user, assigned_team)
    task = _create(
        person=person,
        title=title,
        due_date=due_date,
        code=code,
        priority=priority,
        description=description,
        assigned_user=assigned_user,
        assigned_team=assigned_team,
        created_by=actor,
    )
    _audit(actor, task, AuditEvent.Action.CREATE, assignee=task.assignee_label)
    return task


@transaction.atomic
def raise_task(
    *,
    person: Person,
    title: str,
    due_date: date,
    assigned_user: User | None = None,
    assigned_team: Team | None = None,
    priority: str = Task.Priority.URGENT,
    description: str = "",
    code: str,
    raised_by: str,
    actor: User | None = None,
) -> Task:
    """A task the system raises for another area's service (a missed visit for the plan's
    co-ordinator, an account closed with work to reassign). The calling service has already
    authorised its own act; the audit row names it and the user whose act raised the task."""
    task = _create(
        person=person,
        title=title,
        due_date=due_date,
        code=code,
        priority=priority,
        description=description,
        assigned_user=assigned_user,
        assigned_team=assigned_team,
        created_by=None,
        raised_by=raised_by,
    )
    _audit(
        actor,
        task,
        AuditEvent.Action.CREATE,
        label="" if actor else "caretrust",
        raised_by=raised_by,
        assignee=task.assignee_label,
    )
    return task


def _update(task: Task, *, actor: User, expected_version: int, **fields: Any) -> Task:
    fields["updated_at"] = timezone.now()
    updated = Task.objects.filter(pk=task.pk, version=expected_version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        task.refresh_from_db()
        raise TaskChanged(task)
    task.refresh_from_db()
    return task


@transaction.atomic
def complete_task(*, actor: User, task: Task, expected_version: int, outcome: str = "") -> Task:
    policy.require(actor, "workspace.task", task)
    if not task.is_open:
        raise ValidationError("This task is already closed.")
    task = _update(
        task,
        actor=actor,
        expected_version=expected_version,
        status=Task.Status.COMPLETED,
        completed_at=timezone.now(),
        completed_by=actor,
        outcome=(outcome or "").strip(),
    )
    _audit(actor, task, AuditEvent.Action.UPDATE, status="completed")
    return task


@transaction.atomic
def start_task(*, actor: User, task: Task, expected_version: int) -> Task:
    policy.require(actor, "workspace.task", task)
    if task.status != Task.Status.REQUESTED:
        raise ValidationError("Only a task still to do can be started.")
    task = _update(
        task,
        actor=actor,
        expected_version=expected_version,
        status=Task.Status.IN_PROGRESS,
        assigned_user=actor,
        assigned_team=None,
    )
    _audit(actor, task, AuditEvent.Action.UPDATE, status="in-progress", taken_by=actor.username)
    return task


@transaction.atomic
def add_comment(*, actor: User, task: Task, text: str) -> TaskComment:
    policy.require(actor, "workspace.task", task)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your comment."})
    comment = TaskComment.objects.create(task=task, author=actor, text=text)
    Task.objects.filter(pk=task.pk).update(updated_at=timezone.now())
    _audit(actor, task, AuditEvent.Action.UPDATE, comment=comment.pk)
    return comment


@transaction.atomic
def close_account(*, actor: User, user: User, reason: str) -> dict:
    """Close a staff account and flag its work (issue #15): the account stops signing in and its
    sessions end; each person on its caseload gets a "reassign" task for the team that accepted
    the referral; its open tasks go to its team with a comment saying why. All audited."""
    from caretrust.organisations.services import deactivate_account
    from caretrust.referrals.selectors import allocated_to

    sessions = deactivate_account(actor=actor, user=user, reason=reason)
    today = timezone.localdate()
    flagged = 0
    for referral in allocated_to(user):
        team = referral.routed_team
        coordinator = referral.claimed_by if team is None else None
        if team is None and coordinator is None:
            continue
        raise_task(
            actor=actor,
            person=referral.person,
            code=Task.Code.REASSIGN,
            title=f"Reallocate {referral.reference}: {user.get_full_name()}'s account is closed",
            description=f"Allocated to {user.get_full_name()}, whose account was closed: {reason}",
            due_date=today,
            assigned_team=team,
            assigned_user=coordinator,
            raised_by=f"organisations.user:{user.username}",
        )
        flagged += 1
    team = Team.objects.filter(memberships__user=user).order_by("name").first()
    moved = 0
    for task in Task.objects.filter(assigned_user=user, status__in=Task.OPEN).select_for_update():
        if team is None:
            continue
        Task.objects.filter(pk=task.pk).update(
            assigned_user=None,
            assigned_team=team,
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
        TaskComment.objects.create(
            task=task,
            author=actor,
            text=f"{user.get_full_name()}'s account was closed: this task now waits for the team.",
        )
        _audit(actor, task, AuditEvent.Action.UPDATE, reassigned_to=team.code, closed=user.username)
        moved += 1
    return {"sessions_ended": sessions, "caseload_flagged": flagged, "tasks_moved": moved}
