"""One joint assessment per episode: health needs and Care Act eligibility together, with
contributions from practitioners of different organisations."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.assessments.eligibility import DIFFICULTIES, OUTCOMES


class Assessment(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Completed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="assessments"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_started"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    health_needs = models.TextField(blank=True)
    what_matters = models.TextField(blank=True, help_text="In the person's own words.")
    impairment = models.BooleanField(null=True, blank=True)
    impairment_details = models.TextField(blank=True)
    significant_impact = models.BooleanField(null=True, blank=True)
    wellbeing_details = models.TextField(blank=True)
    has_carer = models.BooleanField(null=True, blank=True)
    carer_name = models.CharField(max_length=200, blank=True)
    carer_needs = models.TextField(blank=True)
    carer_willing_and_able = models.BooleanField(null=True, blank=True)

    eligible = models.BooleanField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    decision_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eligibility_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Done once: a person has at most one assessment in progress.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="in-progress"),
                name="one_open_assessment_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Joint assessment of {self.person} ({self.get_status_display()})"

    def outcome_map(self) -> dict[str, str]:
        return {f.outcome: f.difficulty for f in self.findings.all()}


class OutcomeFinding(models.Model):
    """How the person manages one of the ten specified outcomes."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    outcome = models.CharField(max_length=30, choices=list(OUTCOMES.items()))
    difficulty = models.CharField(max_length=30, choices=list(DIFFICULTIES.items()))
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "outcome"], name="one_finding_per_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.get_difficulty_display()}"


class Contribution(models.Model):
    """A practitioner's part of the joint assessment, with their organisation."""

    class Section(models.TextChoices):
        HEALTH = "health", "Health needs"
        SOCIAL_CARE = "social_care", "Care and support needs"
        THERAPY = "therapy", "Therapy and equipment"
        CARER = "carer", "Carer's needs"
        OTHER = "other", "Other"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="contributions"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_section_display()} by {self.author}"
