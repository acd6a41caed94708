from __future__ import annotations

from django.db import models


class SurveyResponse(models.Model):
    """One person's answers to one survey in one month (one response per month each): answers is
    {question key: answer value}; a question left blank is not in it."""

    survey = models.CharField(max_length=40)
    respondent = models.ForeignKey(
        "organisations.User", on_delete=models.CASCADE, related_name="survey_responses"
    )
    respondent_role = models.CharField(max_length=40)
    period = models.DateField(help_text="The first day of the month the response counts in.")
    answers = models.JSONField()
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent", "period"], name="one_response_a_month"
            )
        ]
        indexes = [models.Index(fields=["survey", "period"])]

    def __str__(self) -> str:
        return f"{self.survey} {self.period:%Y-%m} ({self.respondent_role})"
