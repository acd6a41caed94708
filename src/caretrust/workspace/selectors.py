"""Reads of tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caretrust.organisations.models import User
from caretrust.referrals.selectors import user_team_ids
from caretrust.workspace.models import Task


def my_tasks(user: User) -> QuerySet[Task]:
    """Open tasks assigned to the user or to one of their teams: overdue and soonest due first,
    urgent before routine on the same day."""
    # The team ids as a list, not a subquery: PostgreSQL then reads the task_mine and task_team
    # indexes; with a subquery it filtered every open task (bench_my_work.py measures it).
    teams = sorted(user_team_ids(user))
    return (
        Task.objects.filter(
            Q(assigned_user=user) | Q(assigned_team_id__in=teams), status__in=Task.OPEN
        )
        .select_related("person", "assigned_user", "assigned_team", "created_by")
        .order_by("due_date", "-priority", "id")
    )


def tasks_set_by(user: User) -> QuerySet[Task]:
    return (
        Task.objects.filter(created_by=user, status__in=Task.OPEN)
        .exclude(assigned_user=user)
        .select_related("person", "assigned_user", "assigned_team")
        .order_by("due_date", "id")
    )


def open_tasks_about(person) -> QuerySet[Task]:
    return (
        Task.objects.filter(person=person, status__in=Task.OPEN)
        .select_related("assigned_user", "assigned_team")
        .order_by("due_date", "id")
    )
