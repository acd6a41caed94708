"""A cohort cleared by the National Data Opt-out check (NHS England's service returns the NHS
numbers submitted to it with the opted-out removed), and the numbers it cleared."""

from __future__ import annotations

from django.db import models


class ClearedCohort(models.Model):
    cleared_on = models.DateField(help_text="The day the national service checked the numbers.")
    file_name = models.CharField(max_length=200)
    # One row per returned file: importing it again changes nothing (idempotent by hash).
    file_sha256 = models.CharField(max_length=64, unique=True)
    numbers_cleared = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-cleared_on", "-pk"]

    def __str__(self) -> str:
        return f"cleared on {self.cleared_on}: {self.numbers_cleared} NHS numbers"


class ClearedNumber(models.Model):
    cohort = models.ForeignKey(ClearedCohort, on_delete=models.CASCADE, related_name="numbers")
    nhs_number = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "nhs_number"], name="optout_number_once")
        ]
        indexes = [models.Index(fields=["nhs_number", "cohort"])]

    def __str__(self) -> str:
        return self.nhs_number
