"""Carers and their own assessment (Care Act 2014 s10) and support plan.

A carer is linked to the person they care for. When they are someone the people index holds (or
should hold), `carer_person` is their own record; otherwise the carer is known by association
(the CLD client type "Carer known by association")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.carers.eligibility import DIFFICULTIES, OUTCOMES


class Carer(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="carers_recorded"
    )
    carer_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caring_for",
        help_text="The carer's own record in the people index, when we hold one.",
    )
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100, blank=True, help_text="For example: daughter")
    contact = models.CharField(max_length=200, blank=True)
    hours_caring_per_week = models.PositiveIntegerField(null=True, blank=True)
    # The joint assessment that first named this carer, when it did.
    from_assessment = models.ForeignKey(
        "assessments.Assessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship or 'carer'}) for {self.person}"

    @property
    def audit_ref(self) -> str:
        # Reads and writes of a carer are about the cared-for person's record too.
        return self.person.audit_ref


class CarersAssessment(models.Model):
    """The carer's own assessment: draft → decided → support plan agreed (`carers.states`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Being assessed"
        DECIDED = "decided", "Eligibility decided"
        PLAN_AGREED = "plan_agreed", "Support plan agreed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="carers_assessments"
    )
    started_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    what_matters = models.TextField(blank=True, help_text="In the carer's own words.")
    caring_role = models.TextField(blank=True)
    willing_and_able = models.BooleanField(null=True, blank=True)
    needs_from_caring = models.BooleanField(null=True, blank=True)
    health_at_risk = models.BooleanField(null=True, blank=True)
    health_details = models.TextField(blank=True)
    significant_impact = models.BooleanField(null=True, blank=True)
    wellbeing_details = models.TextField(blank=True)

    eligible = models.BooleanField(null=True, blank=True)
    decision_reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Carer's assessment of {self.carer.name} ({self.get_status_display()})"

    @property
    def person(self):
        return self.carer.person

    @property
    def audit_ref(self) -> str:
        return self.carer.person.audit_ref

    def outcome_map(self) -> dict[str, str]:
        return {f.outcome: f.difficulty for f in self.findings.all()}


class CarerOutcomeFinding(models.Model):
    assessment = models.ForeignKey(
        CarersAssessment, on_delete=models.CASCADE, related_name="findings"
    )
    outcome = models.CharField(max_length=30, choices=list(OUTCOMES.items()))
    difficulty = models.CharField(max_length=30, choices=list(DIFFICULTIES.items()))
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "outcome"], name="one_carer_finding_per_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.get_difficulty_display()}"


class CarerSupportPlan(models.Model):
    """The carer's own plan: what they want to achieve and the support that will help."""

    assessment = models.OneToOneField(
        CarersAssessment, on_delete=models.PROTECT, related_name="support_plan"
    )
    goals = models.TextField(blank=True, help_text="One goal a line, in the carer's words.")
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Support plan for {self.assessment.carer.name}"

    @property
    def goal_list(self) -> list[str]:
        return [line.strip() for line in self.goals.splitlines() if line.strip()]


class CarerSupportLine(models.Model):
    class Kind(models.TextChoices):
        # CLD Release 2 Service_Type values for unpaid carer support.
        DIRECT = "direct", "Direct to unpaid carer"
        VIA_CARED_FOR = "cared_for", "Support involving the person cared-for"

    plan = models.ForeignKey(CarerSupportPlan, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300)
    provider = models.CharField(max_length=200, blank=True)
    frequency_text = models.CharField(max_length=100, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return f"{self.description} ({self.get_kind_display()})"
