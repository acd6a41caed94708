"""Reads of tasks. Each selector that returns tasks to a user names only people the user has a
relationship with, and records the read of each of them (ADR 89, ADR 101)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from caretrust.access import audit
from caretrust.access.relationships import people_with_relationship
from caretrust.organisations.models import User
from caretrust.referrals.selectors import user_team_ids
from caretrust.workspace.models import Task


def task_for(viewer: User, uuid) -> Task:
    """One task for its page: Http404 if there is none, PermissionDenied (the refusal noted) if
    `viewer` may not see it, else the task with the read of its person recorded (ADR 107)."""
    task = get_object_or_404(
        Task.objects.select_related("person", "assigned_user", "assigned_team", "created_by"),
        uuid=uuid,
    )
    audit.authorised_read(
        viewer, "workspace.task", task, person=task.person, purpose="workspace.task", obj=task
    )
    return task


def person_to_set_a_task_about(viewer: User, ref):
    """The person for "set a task": Http404 if there is none (or merged away), PermissionDenied
    (the refusal noted) if `viewer` may not set one, else the person with the read recorded
    (ADR 107)."""
    from caretrust.people.models import Person

    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        "workspace.create_task",
        person,
        person=person,
        purpose="workspace.new_task",
        obj=person,
    )
    return person


def _assigned_to(user: User) -> QuerySet[Task]:
    # The team ids as a list, not a subquery: PostgreSQL then reads the task_mine and task_team
    # indexes; with a subquery it filtered every open task (bench_my_work.py measures it).
    teams = sorted(user_team_ids(user))
    return Task.objects.filter(
        Q(assigned_user=user) | Q(assigned_team_id__in=teams), status__in=Task.OPEN
    )


def open_tasks(user: User) -> QuerySet[Task]:
    """The open tasks assigned to the user or their teams, unordered: what the header counts (a
    count names nobody and records nothing)."""
    return _assigned_to(user)


def open_task_count(user: User) -> int:
    return open_tasks(user).count()


def _shown(viewer: User, tasks: list[Task], show: int | None, purpose: str) -> list[Task]:
    """`tasks` about people `viewer` has a relationship with (one check for the whole list), the
    first `show` of them, each person's read recorded."""
    related = people_with_relationship(viewer, [t.person for t in tasks])
    shown = [t for t in tasks if t.person_id in related][:show]
    audit.people_shown(actor=viewer, objects=shown, object_type=purpose)
    return shown


def my_tasks(viewer: User, *, fetch: int = 200, show: int | None = None) -> list[Task]:
    """Open tasks assigned to the viewer or to one of their teams: overdue and soonest due first,
    urgent before routine on the same day. The first `fetch` are read; of those, the ones about
    people the viewer has a relationship with (at most `show`) are returned and audited."""
    # The rows name the person and the assignee, not who set the task: `created_by` is not joined.
    tasks = list(
        _assigned_to(viewer)
        .select_related("person", "assigned_user", "assigned_team")
        .order_by("due_date", "-priority", "id")[:fetch]
    )
    return _shown(viewer, tasks, show, "workspace.tasks")


def tasks_set_by(viewer: User, *, fetch: int = 100) -> list[Task]:
    """Open tasks the viewer set for someone else, about people they still have a relationship
    with; audited."""
    tasks = list(
        Task.objects.filter(created_by=viewer, status__in=Task.OPEN)
        .exclude(assigned_user=viewer)
        .select_related("person", "assigned_user", "assigned_team")
        .order_by("due_date", "id")[:fetch]
    )
    return _shown(viewer, tasks, None, "workspace.tasks")


def open_tasks_about(person, *, viewer: User, limit: int = 10) -> list[Task]:
    """Open tasks about `person`, soonest due first, when `viewer` may read the person's record
    (the read recorded); else none."""
    if not audit.person_read(viewer, person, purpose="workspace.tasks_about"):
        return []
    return list(
        Task.objects.filter(person=person, status__in=Task.OPEN)
        .select_related("assigned_user", "assigned_team")
        .order_by("due_date", "id")[:limit]
    )
