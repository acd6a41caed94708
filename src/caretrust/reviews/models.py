"""Reviews of care plans (Care Act s27): scheduled automatically when a plan is agreed (6 to 8
weeks on) and after each review (at most 12 months on), adjustable, and recorded with who took
part, whether outcomes were met, what changed and the next date."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.careplans.review_schedule import Window


class Review(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Reason(models.TextChoices):
        FIRST = "first", "First review after the plan was agreed"
        PLANNED = "planned", "Planned review"
        REQUESTED = "requested", "Requested (by the person, a carer or a professional)"

    class OutcomesMet(models.TextChoices):
        FULLY = "fully", "Fully met"
        PARTIALLY = "partially", "Partially met"
        NOT_MET = "not_met", "Not met"

    class Method(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "By phone"
        VIDEO = "video", "By video call"
        PAPER = "paper", "On paper or by correspondence"

    class Result(models.TextChoices):
        # Release 2 Event_Outcome values (records.md) a review can lead to.
        CONTINUE = "continue", "Continuation of support or services"
        REASSESS = "reassess", "Progress to assessment, review or reassessment"
        ENDED = "ended", "NFA: Support ended as planned"

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    plan = models.ForeignKey("careplans.CarePlan", on_delete=models.PROTECT, related_name="reviews")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="reviews")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    due_from = models.DateField()
    due_by = models.DateField(db_index=True)
    adjusted_reason = models.TextField(blank=True)

    done_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    participants = models.TextField(blank=True, help_text="Who took part, and how.")
    person_took_part = models.BooleanField(null=True, blank=True)
    outcomes_met = models.CharField(max_length=20, choices=OutcomesMet.choices, blank=True)
    outcomes_notes = models.TextField(blank=True)
    changes = models.TextField(blank=True)
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    plan_version_after = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews_recorded",
    )
    cancelled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_by", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="scheduled"),
                name="one_scheduled_review_per_plan",
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.person}'s care plan by {self.due_by}"

    @property
    def window(self) -> Window:
        return Window(self.due_from, self.due_by)
