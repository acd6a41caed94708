"""Reading personal budgets: the figures come from the charging engine's answer for the plan
(`funding.planning.plan_charges`), never worked out again here; this module only groups them into
the budget the Care Act describes (s26: the cost of meeting the needs the council meets, the part
the person pays and the part the council pays; other public money, the NHS's, shown beside it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import reverse

from caretrust.access import audit, policy
from caretrust.access.relationships import visible_person_ids
from caretrust.budgets.models import (
    DeferredPaymentAgreement,
    DirectPaymentAgreement,
    LineDelivery,
    Mechanism,
)
from caretrust.careplans.models import CarePlan, PlannedService
from caretrust.funding.models import FinancialAssessment
from caretrust.funding.planning import CARER_KIND, ChargeLine, PlanCharges, plan_charges

ZERO = Decimal("0.00")
# Lines the council meets from the personal budget (means-tested or free to the person).
BUDGET_STREAMS = ("council", "reablement", "minor_adaptation", "s117")
NHS_STREAMS = ("nhs", "nhs_chc", "nursing_home_fee")
# Reablement and equipment are the council's own commissioned services; everything else is
# arranged by the council from the person's budget until someone decides otherwise.
COMMISSIONED_STREAMS = ("reablement", "minor_adaptation")


def default_mechanism(service: PlannedService) -> str:
    if service.funding_stream in COMMISSIONED_STREAMS:
        return Mechanism.COMMISSIONED
    return Mechanism.COUNCIL_MANAGED


def mechanism_of(service: PlannedService) -> str:
    try:
        return service.delivery.mechanism
    except LineDelivery.DoesNotExist:
        return default_mechanism(service)


@dataclass(frozen=True)
class BudgetLine:
    service: PlannedService
    charge: ChargeLine
    mechanism: str

    @property
    def mechanism_label(self) -> str:
        return Mechanism(self.mechanism).label

    @property
    def weekly(self) -> bool:
        return self.charge.weekly_cost is not None


@dataclass
class PersonalBudget:
    plan: CarePlan
    charges: PlanCharges
    lines: list[BudgetLine]
    other_lines: list[BudgetLine]  # NHS, self-funded and the carer's own support: not the budget
    assessed: bool
    weekly_total: Decimal  # the cost of meeting the eligible needs the council meets, a week
    person_weekly: Decimal | None
    council_weekly: Decimal | None
    nhs_weekly: Decimal  # other public money beside the budget
    one_off_total: Decimal
    direct_payment: DirectPaymentAgreement | None
    direct_payment_lines: list[BudgetLine] = field(default_factory=list)

    @property
    def direct_payment_weekly(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """(cost, the person's part, the council's part) a week of the lines taken as a direct
        payment, from the engine's per-line answer; None before a financial assessment."""
        lines = [line for line in self.direct_payment_lines if line.weekly]
        if not lines or not self.assessed:
            return None
        cost = sum((line.charge.weekly_cost for line in lines), ZERO)
        person = sum((line.charge.person or ZERO for line in lines), ZERO)
        council = sum((line.charge.council or ZERO for line in lines), ZERO)
        return cost, person, council


def in_budget(service: PlannedService) -> bool:
    return service.funding_stream in BUDGET_STREAMS and service.kind != CARER_KIND


def personal_budget(plan: CarePlan, *, on: date | None = None) -> PersonalBudget:
    charges = plan_charges(plan, on=on)
    services = {
        str(s.pk): s
        for s in plan.services.select_related("delivery", "provider_organisation").order_by("pk")
    }
    lines, other = [], []
    for charge in charges.lines:
        service = services[charge.service_id]
        line = BudgetLine(service, charge, mechanism_of(service))
        (lines if in_budget(service) else other).append(line)
    weekly = [line for line in lines if line.weekly]
    assessed = charges.assessment is not None and not charges.problem
    person = sum((line.charge.person or ZERO for line in weekly), ZERO) if assessed else None
    council = sum((line.charge.council or ZERO for line in weekly), ZERO) if assessed else None
    nhs = sum(
        (
            line.charge.nhs or ZERO
            for line in [*weekly, *(o for o in other if o.weekly)]
            if line.charge.nhs
        ),
        ZERO,
    )
    return PersonalBudget(
        plan=plan,
        charges=charges,
        lines=lines,
        other_lines=other,
        assessed=assessed,
        weekly_total=sum((line.charge.weekly_cost for line in weekly), ZERO),
        person_weekly=person,
        council_weekly=council,
        nhs_weekly=nhs,
        one_off_total=sum(
            (line.charge.one_off_cost or ZERO for line in lines if not line.weekly), ZERO
        ),
        direct_payment=plan.direct_payments.filter(status="active").first(),
        direct_payment_lines=[line for line in lines if line.mechanism == Mechanism.DIRECT_PAYMENT],
    )


def plan_link(user, plan) -> tuple[str, str] | None:
    """The care plan page's link to the personal budget, for those who may see it."""
    if plan.status != CarePlan.Status.ACTIVE:
        return None
    if not policy.decide(user, "budgets.view", plan.person).allowed:
        return None
    return "Personal budget and direct payments", reverse("budgets:plan", args=[plan.uuid])


@dataclass(frozen=True)
class WorkRow:
    plan: CarePlan
    budget_lines: int
    direct_payment_lines: int
    direct_payment: DirectPaymentAgreement | None


@dataclass(frozen=True)
class CareHomeRow:
    person: object
    assessment: FinancialAssessment
    agreement: DeferredPaymentAgreement | None


@dataclass(frozen=True)
class BudgetWork:
    plans: list[WorkRow]
    care_home: list[CareHomeRow]


def budget_work(user) -> BudgetWork:
    """Agreed plans with lines met from a personal budget, and people assessed for a permanent care
    home (who may ask for a deferred payment agreement), among the people `user` may see (scoped
    in the query, as `visible_person_ids` scopes every list), each person returned recorded as
    read ("budgets.worklist", ADR 108). A fixed number of queries whatever the length of the
    lists."""
    visible = visible_person_ids(user)
    plans = list(
        CarePlan.objects.filter(
            status=CarePlan.Status.ACTIVE,
            person_id__in=visible,
            services__funding_stream__in=BUDGET_STREAMS,
        )
        .distinct()
        .select_related("person")
        .prefetch_related("services__delivery", "direct_payments")
        .order_by("agreed_at", "pk")
    )
    rows = []
    for plan in plans:
        services = [s for s in plan.services.all() if in_budget(s)]
        active = [a for a in plan.direct_payments.all() if a.status == "active"]
        rows.append(
            WorkRow(
                plan=plan,
                budget_lines=len(services),
                direct_payment_lines=sum(
                    1 for s in services if mechanism_of(s) == Mechanism.DIRECT_PAYMENT
                ),
                direct_payment=active[0] if active else None,
            )
        )
    latest: dict[int, FinancialAssessment] = {}
    for assessment in (
        FinancialAssessment.objects.filter(person_id__in=visible)
        .select_related("person")
        .order_by("person_id", "-assessed_on", "-recorded_at")
    ):
        latest.setdefault(assessment.person_id, assessment)
    agreements = {
        a.person_id: a
        for a in DeferredPaymentAgreement.objects.filter(person_id__in=visible).order_by(
            "agreed_on"
        )
    }
    care_home = [
        CareHomeRow(a.person, a, agreements.get(a.person_id))
        for a in latest.values()
        if a.setting == "care_home"
    ]
    audit.people_shown(
        actor=user,
        objects=[row.plan.person for row in rows] + [row.person for row in care_home],
        object_type="budgets.worklist",
    )
    return BudgetWork(rows, care_home)


def latest_assessment(person) -> FinancialAssessment | None:
    """The person's latest financial assessment, for services and rules (no viewer: nothing is
    shown, nothing recorded); pages read it through `deferred_payment_assessment`."""
    return (
        FinancialAssessment.objects.filter(person=person)
        .order_by("-assessed_on", "-recorded_at")
        .first()
    )


# ------------------------------------------- reads for a page: authorised and audited (ADR 108)
# Each takes the viewer, authorises by the page's own rule (a refusal raises PermissionDenied,
# the 403 the page always gave, noted for the audit) and records the read, folded into the
# request's row about the person (ADR 101). `personal_budget` and `latest_assessment` stay the
# reads of services and rules, which show nothing to anyone.


def plan_budget(
    viewer,
    plan: CarePlan,
    *,
    on: date | None = None,
    action: str = "budgets.view",
    record=None,
    page: str = "budget",
) -> PersonalBudget:
    """The plan's personal budget for a page (the budget page; the change-a-direct-payment page
    names its agreement as `record` and needs `budgets.arrange`)."""
    audit.authorised_read(
        viewer,
        action,
        plan.person,
        person=plan.person,
        purpose="budgets.plan",
        obj=record if record is not None else plan,
        details={"page": page},
        give_reason=True,
    )
    return personal_budget(plan, on=on)


def direct_payment(
    viewer, pk: int, *, action: str = "budgets.view", page: str = ""
) -> DirectPaymentAgreement:
    """A direct payment agreement for its page (404 if there is none)."""
    agreement = get_object_or_404(
        DirectPaymentAgreement.objects.select_related("person", "plan"), pk=pk
    )
    audit.authorised_read(
        viewer,
        action,
        agreement.person,
        person=agreement.person,
        purpose="budgets.direct_payment",
        obj=agreement,
        details={"page": page} if page else None,
        give_reason=True,
    )
    return agreement


def deferred_payment(viewer, pk: int, *, on: date) -> DeferredPaymentAgreement:
    """A deferred payment agreement for its statement to the day `on` (404 if there is none)."""
    agreement = get_object_or_404(DeferredPaymentAgreement.objects.select_related("person"), pk=pk)
    audit.authorised_read(
        viewer,
        "budgets.deferred_payment",
        agreement.person,
        person=agreement.person,
        purpose="budgets.deferred_payment",
        obj=agreement,
        details={"page": "deferred payment statement", "on": on.isoformat()},
        give_reason=True,
    )
    return agreement


def deferred_payment_assessment(viewer, person) -> FinancialAssessment | None:
    """The latest financial assessment, read by the deferred payment agreement form."""
    audit.authorised_read(
        viewer,
        "budgets.deferred_payment",
        person,
        person=person,
        purpose="budgets.deferred_payment_form",
        obj=person,
        details={"page": "deferred payment agreement form"},
        give_reason=True,
    )
    return latest_assessment(person)
