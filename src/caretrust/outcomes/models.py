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


class PlanScenario(models.Model):
    """A plan-ahead scenario as a commissioner saved it: the scenario TOML (the same format and
    checks as `caretrust project --scenario`), and the shipped scenario it started from."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    based_on = models.CharField(max_length=100, blank=True)  # a shipped scenario's file stem
    toml = models.TextField()
    created_by = models.ForeignKey(
        "organisations.User", on_delete=models.PROTECT, related_name="plan_scenarios"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ProjectionRun(models.Model):
    """One Monte Carlo projection of a scenario: its inputs (a copy of the scenario TOML, seed,
    runs, years, the data snapshot) and, once its job is done, its result. The result is written
    in one statement at the end, so a failed run has none (never half of one)."""

    scenario = models.ForeignKey(PlanScenario, on_delete=models.PROTECT, related_name="runs")
    scenario_name = models.CharField(max_length=200)
    scenario_toml = models.TextField()  # as run, so editing the scenario later changes no run
    seed = models.PositiveIntegerField()
    runs = models.PositiveIntegerField()
    years = models.PositiveSmallIntegerField()
    data_snapshot = models.CharField(max_length=64, blank=True)
    job = models.OneToOneField(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="projection"
    )
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)  # ProjectionResult.to_json()
    charts = models.JSONField(null=True, blank=True)  # {"setting" or "payer:x": svg}
    created_by = models.ForeignKey(
        "organisations.User", on_delete=models.PROTECT, related_name="projection_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.scenario_name} (seed {self.seed}, {self.runs} runs × {self.years} years)"

    @property
    def label(self) -> str:
        return f"{self.scenario_name}: {self.runs} runs × {self.years} years, seed {self.seed}"
