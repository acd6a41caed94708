from __future__ import annotations

from django.db import models


class RiskScore(models.Model):
    """A person's predicted risk of an emergency admission in the next 12 months, written back to
    the record from `caretrust stratify` (risk_scores.parquet + frailty.parquet)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="risk_scores"
    )
    score_date = models.DateField()
    model = models.CharField(max_length=100)
    risk = models.FloatField()
    rank_percentile = models.FloatField(help_text="100 = the highest risk in the population.")
    efi = models.FloatField(null=True, blank=True)
    efi_category = models.CharField(max_length=10, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-risk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "score_date", "model"], name="one_score_a_person_a_day"
            )
        ]
        indexes = [models.Index(fields=["score_date", "-risk"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.score_date} {self.risk:.3f}"
