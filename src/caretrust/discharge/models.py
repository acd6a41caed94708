"""A hospital discharge (discharge to assess, pathways.md §2): the discharge-ready date (DRD, with
its history), the pathway 0-3, the discharge date that closes the wait, and the reablement episode
the person went home to (a link from the discharge to `entitlements.ReablementEpisode`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.referrals.models import DischargePathway as Pathway

__all__ = ["Discharge", "Pathway", "ReadyDateChange"]


class Discharge(models.Model):
    class Status(models.TextChoices):
        AWAITING = "awaiting", "Waiting for discharge"
        DISCHARGED = "discharged", "Discharged"
        CANCELLED = "cancelled", "Cancelled (not discharged through us)"

    class Destination(models.TextChoices):
        USUAL_RESIDENCE = "usual_residence", "Usual place of residence"
        USUAL_WITH_SUPPORT = "usual_with_support", "Usual place of residence, with new support"
        BED_BASED = "bed_based", "Short-term bed-based care"
        CARE_HOME = "care_home", "Care home"
        OTHER = "other", "Somewhere else"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="discharge"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    pathway = models.PositiveSmallIntegerField(choices=Pathway.choices)
    ready_date = models.DateField(help_text="Discharge ready date: the current one (history kept).")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.AWAITING, db_index=True
    )
    discharged_on = models.DateField(null=True, blank=True)
    destination = models.CharField(max_length=30, choices=Destination.choices, blank=True)
    delay_reason = models.CharField(max_length=300, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    reablement = models.OneToOneField(
        "entitlements.ReablementEpisode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discharge",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ready_date", "pk"]
        indexes = [models.Index(fields=["status", "pathway", "ready_date"], name="discharge_wait")]

    def __str__(self) -> str:
        return f"Discharge of {self.person} (pathway {self.pathway}, ready {self.ready_date})"

    @property
    def delay_days(self) -> int | None:
        """Calendar days from the discharge-ready date to discharge (pathways.md §2, [N])."""
        if self.discharged_on is None:
            return None
        return (self.discharged_on - self.ready_date).days


class ReadyDateChange(models.Model):
    """Every discharge-ready date a discharge has had (pathways.md: "DRD (with history)")."""

    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="ready_dates")
    ready_date = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"Ready {self.ready_date} ({self.reason})"
