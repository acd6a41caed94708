"""Tasks between professionals about a person (issue #15, ADR 70).

Shaped so they can later be served as FHIR Task: `status` and `priority` use FHIR's codes, and
`code` says what kind of work it is, which also tells these apart from a referral's Task (whose
code is `fulfill`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Task(models.Model):
    class Code(models.TextChoices):  # Task.code (local code system)
        FOLLOW_UP = "follow-up", "Follow up"
        MISSED_VISIT = "missed-visit", "Missed visit"
        REVIEW = "review", "Review"
        REASSIGN = "reassign", "Reassign work"

    class Status(models.TextChoices):  # FHIR Task.status (the subset tasks use)
        REQUESTED = "requested", "To do"
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.TextChoices):  # FHIR request priority
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"

    OPEN = (Status.REQUESTED, Status.IN_PROGRESS)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=30, choices=Code.choices, default=Code.FOLLOW_UP)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_assigned",
    )
    assigned_team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_assigned",
    )
    due_date = models.DateField()
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_created",
    )
    # What raised it when the system did (e.g. "careplans.visit:<uuid>"), for the audit trail.
    raised_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_completed",
    )
    outcome = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "-priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assigned_user__isnull=False)
                | models.Q(assigned_team__isnull=False),
                name="task_assigned_to_someone",
            )
        ]
        indexes = [
            models.Index(fields=["assigned_user", "status", "due_date"], name="task_mine"),
            models.Index(fields=["assigned_team", "status", "due_date"], name="task_team"),
            models.Index(fields=["person", "status"], name="task_person"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())

    @property
    def assignee_label(self) -> str:
        if self.assigned_user_id:
            return self.assigned_user.get_full_name() or self.assigned_user.username
        return self.assigned_team.name if self.assigned_team_id else ""


class TaskComment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.task}"
