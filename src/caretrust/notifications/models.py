"""In-app notifications and each user's choice of which kinds also come by email (issue #15).

A notification says that something is waiting, never what it says about whom: the page it links to
does its own authorisation and audit (ADR 71). In-app notifications are always on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", "A task is assigned to you or your team"
    MESSAGE = "message", "A secure message arrives for you"
    REFERRAL_IN_TRAY = "referral_in_tray", "A referral lands in your team's in-tray"
    VISIT_MISSED = "visit_missed", "A visit is missed and a task waits for you"


# What a user gets by email before they change their settings.
EMAIL_BY_DEFAULT = {Kind.TASK_ASSIGNED, Kind.MESSAGE, Kind.VISIT_MISSED}


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text


class EmailChoice(models.Model):
    """One user's choice for one kind (no row: `EMAIL_BY_DEFAULT` decides)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_choices"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    by_email = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_email_choice_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.by_email}"
