"""NHS Continuing Healthcare cases (National Framework, July 2022; pathways.md §3): a checklist
(or a Fast Track referral), the full assessment with the Decision Support Tool, the ICB's
decision with reasons, its reviews, and funded nursing care for those not eligible."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChcCase(models.Model):
    class Route(models.TextChoices):
        CHECKLIST = "checklist", "Checklist and full assessment"
        FAST_TRACK = "fast_track", "Fast Track (rapidly deteriorating, may be end of life)"

    class Status(models.TextChoices):
        NEGATIVE = "negative", "Checklist negative: no full assessment"
        AWAITING_DST = "awaiting_dst", "Checklist positive: full assessment (DST) to do"
        AWAITING_DECISION = "awaiting_decision", "Assessed: awaiting the ICB's decision"
        FAST_TRACK = "fast_track", "Fast Track: awaiting the ICB's decision"
        ELIGIBLE = "eligible", "Eligible for NHS Continuing Healthcare"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        ENDED = "ended", "Eligibility ended at review"
        WITHDRAWN = "withdrawn", "Closed before a decision"

    class Decision(models.TextChoices):
        ELIGIBLE = "eligible", "Eligible"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"

    OPEN = ("awaiting_dst", "awaiting_decision", "fast_track")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="chc_cases")
    route = models.CharField(max_length=20, choices=Route.choices)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)

    # Checklist: the level per domain (A/B/C) and the computed result.
    checklist_levels = models.JSONField(default=dict, blank=True)
    checklist_positive = models.BooleanField(null=True, blank=True)
    checklist_reason = models.CharField(max_length=200, blank=True)
    checklist_on = models.DateField(null=True, blank=True)
    checklist_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The 28-day clock starts when the ICB receives the positive checklist or Fast Track tool.
    received_at = models.DateTimeField(null=True, blank=True)

    # Fast Track: the appropriate clinician and why.
    fast_track_clinician = models.CharField(max_length=200, blank=True)
    fast_track_reason = models.TextField(blank=True)

    # Decision Support Tool.
    dst_levels = models.JSONField(default=dict, blank=True)
    dst_indication = models.CharField(max_length=20, blank=True)
    dst_mdt = models.TextField(blank=True, help_text="The MDT: names and professions.")
    dst_recommendation = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    dst_rationale = models.TextField(blank=True)
    dst_on = models.DateField(null=True, blank=True)
    dst_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The ICB's decision, in writing with reasons.
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decider_role = models.CharField(max_length=200, blank=True)
    decision_reasons = models.TextField(blank=True)

    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"NHS Continuing Healthcare for {self.person}: {self.get_status_display()}"


class ChcReview(models.Model):
    """A review of an eligible case: three months after the decision, then at least yearly. Not
    a reassessment; it may find eligibility has ended."""

    class Outcome(models.TextChoices):
        CONTINUES = "continues", "Still eligible: the package continues"
        ENDED = "ended", "No longer eligible: CHC ends"

    case = models.ForeignKey(ChcCase, on_delete=models.PROTECT, related_name="reviews")
    due_on = models.DateField(db_index=True)
    done_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(done_on__isnull=True),
                name="one_pending_chc_review_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"CHC review due {self.due_on:%d %B %Y}"


class FundedNursingCare(models.Model):
    """NHS-funded nursing care: a flat weekly NHS payment to the nursing home for a resident not
    eligible for CHC (self-funders too), recorded after the CHC decision ("CHC before FNC")."""

    class Band(models.TextChoices):
        STANDARD = "standard", "Standard rate"
        HIGHER = "higher", "Higher rate (protected, former high band)"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="fnc")
    case = models.ForeignKey(ChcCase, on_delete=models.PROTECT, related_name="fnc")
    nursing_home = models.CharField(max_length=200)
    start = models.DateField()
    band = models.CharField(max_length=20, choices=Band.choices, default=Band.STANDARD)
    weekly_rate = models.DecimalField(max_digits=8, decimal_places=2)
    rate_source = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return f"Funded nursing care at {self.nursing_home} from {self.start:%d %B %Y}"
