"""Personal budgets (Care Act 2014 s26), direct payments (s31-33) and deferred payment agreements
(s34-36). The budget's figures are not stored: they are the charging engine's answer for the plan
(`funding.planning.plan_charges`). What is stored is what people decide and what happened: how each
plan line is delivered, a direct payment agreement with the amounts it was set up with (so a later
financial assessment never changes a past payment), monitoring returns, recoveries, and deferred
payment agreements with their security and interest basis."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Mechanism(models.TextChoices):
    """How a line of the personal budget is delivered."""

    DIRECT_PAYMENT = "direct_payment", "Direct payment"
    COUNCIL_MANAGED = "council_managed", "Council-managed budget"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund", "Individual service fund"
    COMMISSIONED = "commissioned", "Commissioned by the council"


class LineDelivery(models.Model):
    """How one planned service is delivered; a line without a row is council-managed (or
    commissioned, for reablement and equipment: see `selectors.default_mechanism`)."""

    service = models.OneToOneField(
        "careplans.PlannedService", on_delete=models.CASCADE, related_name="delivery"
    )
    mechanism = models.CharField(max_length=30, choices=Mechanism.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.service}: {self.get_mechanism_display()}"


class EndReason(models.TextChoices):
    """Why a direct payment ends (Care Act 2014 s31-33; Direct Payments Regulations 2014 reg 13)."""

    PERSON_ASKED = "person_asked", "The person (or their representative) asked to stop"
    NEEDS_CHANGED = "needs_changed", "The needs it met have changed or are met another way"
    CONDITION_NOT_MET = (
        "condition_not_met",
        "A condition for direct payments is no longer met (s31 or s32)",
    )
    NOT_USED_FOR_NEEDS = "not_used_for_needs", "The money was not used to meet the needs"
    MOVED = "moved", "The person moved to another council's area or into a care home"
    DIED = "died", "The person died"


class DirectPaymentAgreement(models.Model):
    class Recipient(models.TextChoices):
        PERSON = "person", "The person"
        NOMINEE = "nominee", "A nominee chosen by the person"
        AUTHORISED = "authorised", "An authorised person (the person lacks capacity, s32)"

    class Status(models.TextChoices):
        ACTIVE = "active", "In place"
        ENDED = "ended", "Ended"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="direct_payments"
    )
    plan = models.ForeignKey(
        "careplans.CarePlan", on_delete=models.PROTECT, related_name="direct_payments"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    recipient = models.CharField(max_length=12, choices=Recipient.choices)
    recipient_name = models.CharField(max_length=200, blank=True)
    requested_on = models.DateField()
    start = models.DateField()
    frequency_weeks = models.PositiveSmallIntegerField(default=4)
    # Figures as they were when the agreement was made (weekly): the cost of the lines taken as
    # a direct payment, the person's assessed part of it, and what the council pays (net).
    gross_weekly = models.DecimalField(max_digits=10, decimal_places=2)
    person_weekly = models.DecimalField(max_digits=10, decimal_places=2)
    weekly_amount = models.DecimalField(max_digits=10, decimal_places=2)
    contingency_weeks = models.PositiveSmallIntegerField(default=4)
    lines = models.JSONField(default=list)
    first_review_by = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Ended (ADR 105): the last day the direct payment pays for, why, and by whom.
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    end_note = models.TextField(blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="active"),
                name="one_active_direct_payment_per_plan",
            )
        ]

    def __str__(self) -> str:
        return f"Direct payment for {self.person}"

    @property
    def payment_amount(self):
        return self.weekly_amount * self.frequency_weeks


class DirectPaymentChange(models.Model):
    """A change of the amount or frequency of a direct payment from a date (ADR 105). The
    agreement holds the terms in force now; each change keeps the terms it replaced, so the
    payment schedule before it is worked out as it was."""

    agreement = models.ForeignKey(
        DirectPaymentAgreement, on_delete=models.PROTECT, related_name="changes"
    )
    effective_from = models.DateField()
    frequency_weeks = models.PositiveSmallIntegerField()
    gross_weekly = models.DecimalField(max_digits=10, decimal_places=2)
    person_weekly = models.DecimalField(max_digits=10, decimal_places=2)
    weekly_amount = models.DecimalField(max_digits=10, decimal_places=2)
    lines = models.JSONField(default=list)
    previous_frequency_weeks = models.PositiveSmallIntegerField()
    previous_gross_weekly = models.DecimalField(max_digits=10, decimal_places=2)
    previous_person_weekly = models.DecimalField(max_digits=10, decimal_places=2)
    previous_weekly_amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["effective_from", "id"]

    def __str__(self) -> str:
        return f"Direct payment change from {self.effective_from}"

    @property
    def payment_amount(self):
        return self.weekly_amount * self.frequency_weeks


class MonitoringReturn(models.Model):
    """What the person (or their nominee) reports for a period: what was spent and the balance on
    the direct payment account; what the council paid in, the contingency and the amount to
    recover are worked out when it is recorded and kept as they were."""

    agreement = models.ForeignKey(
        DirectPaymentAgreement, on_delete=models.PROTECT, related_name="returns"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    spent = models.DecimalField(max_digits=12, decimal_places=2)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    paid_in = models.DecimalField(max_digits=12, decimal_places=2)
    expected_balance = models.DecimalField(max_digits=12, decimal_places=2)
    contingency = models.DecimalField(max_digits=12, decimal_places=2)
    recovery_due = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period_start", "id"]

    def __str__(self) -> str:
        return f"Monitoring return {self.period_start} to {self.period_end}"


class Recovery(models.Model):
    """Unspent direct payment money asked back (above the contingency), recorded once."""

    monitoring_return = models.OneToOneField(
        MonitoringReturn, on_delete=models.PROTECT, related_name="recovery"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Recovery of £{self.amount}"


class DeferredPaymentAgreement(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="deferred_payments"
    )
    financial_assessment = models.ForeignKey(
        "funding.FinancialAssessment", on_delete=models.PROTECT, related_name="+"
    )
    agreed_on = models.DateField()
    deferral_start = models.DateField()
    care_home_weekly_fee = models.DecimalField(max_digits=10, decimal_places=2)
    # The person's weekly contribution from income and other capital: the charging engine's
    # maximum weekly contribution with the home left out (what the home's value is deferred for).
    weekly_contribution = models.DecimalField(max_digits=10, decimal_places=2)
    weekly_deferred = models.DecimalField(max_digits=10, decimal_places=2)
    property_address = models.CharField(max_length=300)
    property_value = models.DecimalField(max_digits=12, decimal_places=2)
    encumbrances = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    land_registry_title = models.CharField(max_length=30)
    charge_registered_on = models.DateField()
    # None: the national maximum for each half-year; otherwise the council's rate, never charged
    # above the maximum for a period.
    council_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # The council's administration costs as agreed (SI 2014/2671 reg 10; ADR 105): the schedule in
    # force on `agreed_on` and the costs charged at cost, each {code, description, amount, when};
    # added to the amount deferred unless the person asked to pay them separately (reg 10(2)).
    admin_costs = models.JSONField(default=list)
    admin_costs_paid_separately = models.BooleanField(default=False)
    eligibility = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-agreed_on", "-id"]

    def __str__(self) -> str:
        return f"Deferred payment agreement for {self.person}"
