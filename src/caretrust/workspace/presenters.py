"""Tasks as plain values for NHS.UK templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from caretrust.workspace.models import Task


@dataclass(frozen=True)
class TaskRow:
    title: str
    url: str
    person: str
    assignee: str
    due: str
    overdue: bool
    urgent: bool
    status: str


def task_row(task: Task, today: date) -> TaskRow:
    return TaskRow(
        title=task.title,
        url=reverse("workspace:task", args=[task.uuid]),
        person=task.person.display_name,
        assignee=task.assignee_label,
        due=f"{task.due_date:%d %b %Y}",
        overdue=task.is_overdue(today),
        urgent=task.priority == Task.Priority.URGENT,
        status=task.get_status_display(),
    )
