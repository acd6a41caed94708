"""Multidisciplinary team (MDT) meetings of a locality team (issue #15, ADR 71): an agenda of
people (added by members, from case finding, from breached response standards), and for each person
discussed the attendees, a note, the decision, the consent basis and actions that become tasks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class TeamMeetingSettings(models.Model):
    """A team's choices for its meetings, held as data so a team can change them."""

    team = models.OneToOneField(
        "organisations.Team", on_delete=models.CASCADE, related_name="meeting_settings"
    )
    # How many people from the top of the case-finding list each new agenda takes.
    case_finding_places = models.PositiveSmallIntegerField(default=5)

    class Meta:
        verbose_name_plural = "team meeting settings"

    def __str__(self) -> str:
        return f"{self.team} meeting settings"


class Meeting(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        "organisations.Team", on_delete=models.PROTECT, related_name="mdt_meetings"
    )
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["team", "starts_at"], name="meeting_team_time")]

    def __str__(self) -> str:
        return f"{self.team} MDT {self.starts_at:%Y-%m-%d %H:%M}"


class AgendaItem(models.Model):
    class Source(models.TextChoices):
        ADDED = "added", "Added by a member"
        CASE_FINDING = "case_finding", "Case finding"
        BREACHED = "breached", "Response standard breached"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    # Why they are on the agenda ("Top 1% risk (43%)", "R-20261202-0001 response due 1 Dec").
    reason = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="a_person_once_an_agenda")
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.person_id}"


class Discussion(models.Model):
    class ConsentBasis(models.TextChoices):
        DIRECT_CARE = "direct_care", "Direct care (implied consent)"
        EXPLICIT = "explicit", "The person agreed to be discussed"
        BEST_INTERESTS = "best_interests", "Best interests (the person lacks capacity)"

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="discussion")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    note = models.TextField()
    decision = models.TextField()
    consent_basis = models.CharField(
        max_length=20, choices=ConsentBasis.choices, default=ConsentBasis.DIRECT_CARE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The actions agreed: workspace tasks with an owner and a due date.
    actions = models.ManyToManyField("workspace.Task", related_name="+", blank=True)

    def __str__(self) -> str:
        return f"Discussion of {self.item}"
