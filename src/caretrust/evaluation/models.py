from __future__ import annotations

from django.db import models


class Evaluation(models.Model):
    """One evaluation as run: its parameters (the EvaluationSpec), the data it read (directory and
    SHA-256 of the contract Parquet files), the code that ran it (package version and git commit),
    and, once its job is done, the result and its charts. The result is written in one statement
    at the end, so a failed evaluation has none (never half of one)."""

    title = models.CharField(max_length=200)
    design = models.CharField(max_length=40)
    outcome = models.CharField(max_length=60)
    treated_area = models.CharField(max_length=100)
    start = models.DateField()
    parameters = models.JSONField()  # EvaluationSpec.as_dict(): enough to run it again
    data_dir = models.CharField(max_length=500)
    data_snapshot = models.CharField(max_length=64, blank=True)  # SHA-256 of the Parquet tables
    code_version = models.CharField(max_length=200, blank=True)
    job = models.OneToOneField(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluation"
    )
    status = models.CharField(max_length=20, blank=True)  # "estimate" or "refused" when done
    headline = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)  # EvaluationResult.as_dict()
    charts = models.JSONField(null=True, blank=True)  # {"series": svg, "event_study": svg}
    created_by = models.ForeignKey(
        "organisations.User", on_delete=models.PROTECT, related_name="evaluations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
