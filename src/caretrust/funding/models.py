"""Pooled budgets (Section 75 / Better Care Fund): partners' contributions, service lines, actual
spend. Commitments are not stored: they are read from active care plans when a forecast is made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from caretrust.guard import Guarded, GuardedQuerySet, Through

MONEY = {"max_digits": 14, "decimal_places": 2}


class PooledBudget(models.Model):
    name = models.CharField(max_length=200)
    agreement = models.CharField(
        max_length=200, default="Section 75 agreement (NHS Act 2006)", blank=True
    )
    financial_year_start = models.DateField(help_text="1 April of the financial year.")
    host_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="hosted_pools"
    )
    overspend_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.050"),
        help_text="Warn when a forecast differs from its budget by more than this fraction.",
    )
    # How the agreement shares an over- or underspend between the partners (see pool_setup):
    # {"description": ..., "overspend": [{"up_to": "50000.00" | None, "shares": {partner code:
    # fraction} | "contributions"}, ...], "underspend": [...]}; empty: by contributions.
    risk_share = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-financial_year_start", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "financial_year_start"], name="one_pool_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.financial_year_label}"

    @property
    def financial_year_label(self) -> str:
        start = self.financial_year_start.year
        return f"{start}/{(start + 1) % 100:02d}"

    @property
    def financial_year_end(self) -> date:
        return date(self.financial_year_start.year + 1, 3, 31)

    def clean(self) -> None:
        if (self.financial_year_start.month, self.financial_year_start.day) != (4, 1):
            raise ValidationError({"financial_year_start": "A financial year starts on 1 April."})


class PoolContribution(models.Model):
    pool = models.ForeignKey(PooledBudget, on_delete=models.CASCADE, related_name="contributions")
    partner = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pool", "partner"], name="one_contribution_a_partner")
        ]

    def __str__(self) -> str:
        return f"{self.partner}: £{self.amount}"


# Care-plan funding streams a pool pays for unless its agreement says otherwise: council-arranged
# care (with reablement and aids and adaptations) and NHS community services. Not CHC, s117 or
# what the person arranges and pays for themselves: those are paid outside the pool.
POOL_FUNDED_STREAMS = ("council", "reablement", "minor_adaptation", "nhs")


def default_pool_funding_streams() -> list[str]:
    return list(POOL_FUNDED_STREAMS)


class ServiceLine(models.Model):
    pool = models.ForeignKey(PooledBudget, on_delete=models.CASCADE, related_name="lines")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    budget = models.DecimalField(**MONEY)
    # Planned-service kinds in care plans that this line pays for (e.g. "home_care", "reablement").
    service_kinds = models.JSONField(default=list, blank=True)
    # Funding streams of those services that this pool pays: only they are its commitments.
    funding_streams = models.JSONField(default=default_pool_funding_streams, blank=True)
    # Partner organisation code → share of this line (fractions adding up to 1); empty means the
    # line is shared in proportion to the partners' contributions.
    partner_shares = models.JSONField(default=dict, blank=True)
    # Visits of this line's service kinds marked done in the team workspace, priced by the service
    # catalogue, are actual spend of their month (for care the council's own teams deliver, which
    # no invoice in the ledger pays).
    delivered_visits_are_actuals = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["pool", "code"], name="line_code_in_pool")]

    def __str__(self) -> str:
        return self.name


class SpendImport(models.Model):
    """One imported file of actual spend. The file's hash makes re-importing it change nothing."""

    pool = models.ForeignKey(PooledBudget, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "sha256"], name="file_imported_once")
        ]

    def __str__(self) -> str:
        return self.file_name


class ActualSpend(models.Model):
    line = models.ForeignKey(ServiceLine, on_delete=models.CASCADE, related_name="spend")
    month = models.DateField(help_text="First day of the month.")
    amount = models.DecimalField(**MONEY)
    source = models.ForeignKey(SpendImport, on_delete=models.PROTECT, related_name="spend")

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="one_spend_a_line_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.line.code} {self.month:%Y-%m}: £{self.amount}"


class FinancialAssessment(Guarded):
    """A Care Act financial assessment recorded by a finance officer: the inputs given to the
    charging engine, its result and explanation. The latest one for a person is in force."""

    writes_through = Through(
        services="caretrust.funding.services",
        create="caretrust.funding.services.record_financial_assessment",
        factory="tests.factories.make_financial_assessment",
    )
    objects = GuardedQuerySet.as_manager()

    class Setting(models.TextChoices):
        COMMUNITY = "community", "Care at home or in the community"
        CARE_HOME = "care_home", "Permanent care-home resident"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="financial_assessments"
    )
    setting = models.CharField(max_length=20, choices=Setting.choices)
    assessed_on = models.DateField()
    # The engine's input (docs/charging-contract.md) without services: the person's means.
    inputs = models.JSONField()
    result = models.JSONField(help_text="The engine's output for the means alone.")
    full_cost_payer = models.BooleanField()
    # What the person pays a week towards council-arranged care whatever it costs (None when they
    # are a full-cost payer and pay the whole cost).
    maximum_weekly_contribution = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    rule_set = models.CharField(max_length=100)
    unconfirmed_figures = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-recorded_at"]
        get_latest_by = ["assessed_on", "recorded_at"]

    def __str__(self) -> str:
        return f"Financial assessment of {self.person} on {self.assessed_on}"
