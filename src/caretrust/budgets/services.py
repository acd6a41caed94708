"""Writes of personal budgets, direct payments and deferred payment agreements, each audited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.budgets import arithmetic
from caretrust.budgets.models import (
    DeferredPaymentAgreement,
    DirectPaymentAgreement,
    DirectPaymentChange,
    EndReason,
    LineDelivery,
    Mechanism,
    MonitoringReturn,
    Recovery,
)
from caretrust.budgets.selectors import in_budget, latest_assessment, personal_budget
from caretrust.careplans.models import CarePlan, PlannedService
from caretrust.careplans.review_schedule import add_months
from caretrust.funding.charging import ChargingError
from caretrust.funding.engine import means_with_council_figures

# Direct payments are reviewed within 6 months of being made, then at least every 12 months (Care
# and Support (Direct Payments) Regulations 2014 reg 7; pathways.md §6).
FIRST_DIRECT_PAYMENT_REVIEW_MONTHS = 6


def _created(actor, obj, person, details: dict) -> None:
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=obj,
        person_ref=person.audit_ref,
        details=details,
    )


@transaction.atomic
def set_line_delivery(*, actor, service: PlannedService, mechanism: str) -> LineDelivery:
    plan = service.plan
    policy.require(actor, "budgets.arrange", plan.person)
    if mechanism not in Mechanism.values:
        raise ValidationError({"mechanism": "Choose how this service is delivered."})
    if not in_budget(service):
        raise ValidationError(
            "This service is not met from the personal budget (NHS-funded, self-funded or the "
            "carer's own support)."
        )
    if mechanism == Mechanism.DIRECT_PAYMENT and service.per == PlannedService.Period.ONCE:
        raise ValidationError(
            {"mechanism": "A one-off item is bought by the council, not paid as a direct payment."}
        )
    active = plan.direct_payments.filter(status="active").first()
    if active is not None:
        raise ValidationError(
            "A direct payment agreement is in place for this plan: its amounts were agreed with "
            "these lines. End it before changing how a line is delivered."
        )
    delivery, _ = LineDelivery.objects.update_or_create(
        service=service,
        defaults={"mechanism": mechanism, "set_by": actor, "set_at": clock.now()},
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=delivery,
        person_ref=plan.person.audit_ref,
        details={"service": service.pk, "mechanism": mechanism},
    )
    return delivery


def _agreement_lines(budget) -> list[dict]:
    return [
        {
            "service_id": line.charge.service_id,
            "description": line.charge.description,
            "weekly_cost": str(line.charge.weekly_cost),
            "person": str(line.charge.person),
            "council": str(line.charge.council),
        }
        for line in budget.direct_payment_lines
        if line.weekly
    ]


@transaction.atomic
def set_up_direct_payment(
    *,
    actor,
    plan: CarePlan,
    recipient: str,
    recipient_name: str,
    requested_on: date,
    start: date,
    frequency_weeks: int,
    contingency_weeks: int,
    conditions_met: bool,
) -> DirectPaymentAgreement:
    """A direct payment for the plan's lines marked "direct payment": the council pays its part of
    their cost (net of the person's assessed part, from the charging engine) every
    `frequency_weeks`, in advance, from `start`. The figures are kept as agreed."""
    policy.require(actor, "budgets.arrange", plan.person)
    if plan.status != CarePlan.Status.ACTIVE:
        raise ValidationError("A direct payment is set up for an agreed plan (s31: planned needs).")
    errors: dict[str, str] = {}
    if not conditions_met:
        errors["conditions_met"] = (
            "Confirm the person asked for direct payments and can manage them, with help if "
            "needed (s31), or that an authorised person will (s32)."
        )
    if recipient != DirectPaymentAgreement.Recipient.PERSON and not recipient_name.strip():
        errors["recipient_name"] = "Enter the name of the nominee or authorised person."
    if start < requested_on:
        errors["start"] = "The first payment cannot be before the person asked for direct payments."
    if errors:
        raise ValidationError(errors)
    budget = personal_budget(plan, on=start)
    if not budget.direct_payment_lines:
        raise ValidationError(
            "No service in the plan is to be taken as a direct payment: choose which first."
        )
    weekly = budget.direct_payment_weekly
    if weekly is None:
        raise ValidationError(
            "The person's part cannot be worked out yet: record the financial assessment first."
        )
    cost, person_part, council_part = weekly
    try:
        agreement = DirectPaymentAgreement.objects.create(
            person=plan.person,
            plan=plan,
            recipient=recipient,
            recipient_name=recipient_name.strip(),
            requested_on=requested_on,
            start=start,
            frequency_weeks=frequency_weeks,
            gross_weekly=cost,
            person_weekly=person_part,
            weekly_amount=council_part,
            contingency_weeks=contingency_weeks,
            lines=_agreement_lines(budget),
            first_review_by=add_months(start, FIRST_DIRECT_PAYMENT_REVIEW_MONTHS),
            created_by=actor,
        )
    except IntegrityError:
        raise ValidationError(
            "A direct payment agreement is already in place for this plan."
        ) from None
    _created(
        actor,
        agreement,
        plan.person,
        {"weekly_amount": str(council_part), "frequency_weeks": frequency_weeks},
    )
    return agreement


def terms(agreement: DirectPaymentAgreement) -> list[arithmetic.Terms]:
    """The terms of the agreement from its start, and from each change (ADR 105)."""
    changes = list(agreement.changes.all())
    if changes:
        first = changes[0]
        original = arithmetic.Terms(
            agreement.start,
            first.previous_frequency_weeks,
            first.previous_weekly_amount,
            first.previous_person_weekly,
        )
    else:
        original = arithmetic.Terms(
            agreement.start,
            agreement.frequency_weeks,
            agreement.weekly_amount,
            agreement.person_weekly,
        )
    return [original] + [
        arithmetic.Terms(c.effective_from, c.frequency_weeks, c.weekly_amount, c.person_weekly)
        for c in changes
    ]


def schedule(agreement: DirectPaymentAgreement, until: date) -> list[arithmetic.Payment]:
    return arithmetic.terms_schedule(terms=terms(agreement), until=until, end=agreement.end_date)


def paid_after_end(agreement: DirectPaymentAgreement) -> Decimal:
    if agreement.end_date is None:
        return arithmetic.ZERO
    return arithmetic.paid_after_end(
        terms(agreement), schedule(agreement, agreement.end_date), agreement.end_date
    )


def _last_return_end(agreement: DirectPaymentAgreement) -> date | None:
    previous = agreement.returns.order_by("-period_end").first()
    return previous.period_end if previous else None


@transaction.atomic
def change_direct_payment(
    *,
    actor,
    agreement: DirectPaymentAgreement,
    effective_from: date,
    frequency_weeks: int,
    reason: str,
) -> DirectPaymentChange:
    """Change what a direct payment pays from `effective_from`: the amount is the personal
    budget's council part for the services taken as a direct payment on that day (the charging
    engine's answer after a new financial assessment or a changed plan, as at set-up), the
    frequency as chosen. The terms it replaces are kept with the change; payments made in advance
    over the date are settled by an adjustment (`arithmetic.terms_schedule`)."""
    policy.require(actor, "budgets.arrange", agreement.person)
    agreement = DirectPaymentAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != DirectPaymentAgreement.Status.ACTIVE:
        raise ValidationError("This direct payment has ended: it cannot be changed.")
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Say why the direct payment changes (for example, a new assessment)."
    last_change = agreement.changes.order_by("-effective_from").first()
    last_return = _last_return_end(agreement)
    if effective_from < agreement.start:
        errors["effective_from"] = (
            f"The change cannot take effect before the first payment ({agreement.start:%-d %B %Y})."
        )
    elif last_change is not None and effective_from <= last_change.effective_from:
        errors["effective_from"] = (
            f"The last change took effect on {last_change.effective_from:%-d %B %Y}: "
            "a new one takes effect after it."
        )
    elif last_return is not None and effective_from <= last_return:
        errors["effective_from"] = (
            f"A monitoring return has been recorded to {last_return:%-d %B %Y}: the change takes "
            "effect after it, so that a recorded return is never altered."
        )
    if errors:
        raise ValidationError(errors)
    budget = personal_budget(agreement.plan, on=effective_from)
    weekly = budget.direct_payment_weekly
    if weekly is None:
        raise ValidationError(
            "The personal budget for the services taken as a direct payment cannot be worked out "
            "on that day: check the plan and the financial assessment."
        )
    cost, person_part, council_part = weekly
    if (council_part, person_part, frequency_weeks) == (
        agreement.weekly_amount,
        agreement.person_weekly,
        agreement.frequency_weeks,
    ):
        raise ValidationError(
            f"Nothing changes: on {effective_from:%-d %B %Y} the personal budget still pays "
            f"£{council_part:,.2f} a week and the payments are already every "
            f"{frequency_weeks} week{'s' if frequency_weeks != 1 else ''}."
        )
    change = DirectPaymentChange.objects.create(
        agreement=agreement,
        effective_from=effective_from,
        frequency_weeks=frequency_weeks,
        gross_weekly=cost,
        person_weekly=person_part,
        weekly_amount=council_part,
        lines=_agreement_lines(budget),
        previous_frequency_weeks=agreement.frequency_weeks,
        previous_gross_weekly=agreement.gross_weekly,
        previous_person_weekly=agreement.person_weekly,
        previous_weekly_amount=agreement.weekly_amount,
        reason=reason.strip(),
        changed_by=actor,
    )
    agreement.frequency_weeks = frequency_weeks
    agreement.gross_weekly, agreement.person_weekly, agreement.weekly_amount = weekly
    agreement.lines = change.lines
    agreement.save(
        update_fields=["frequency_weeks", "gross_weekly", "person_weekly", "weekly_amount", "lines"]
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=agreement,
        person_ref=agreement.person.audit_ref,
        details={
            "change": change.pk,
            "effective_from": effective_from.isoformat(),
            "weekly_amount": [str(change.previous_weekly_amount), str(council_part)],
            "frequency_weeks": [change.previous_frequency_weeks, frequency_weeks],
        },
    )
    return change


@transaction.atomic
def end_direct_payment(
    *,
    actor,
    agreement: DirectPaymentAgreement,
    end_date: date,
    reason: str,
    note: str = "",
) -> DirectPaymentAgreement:
    """End a direct payment: `end_date` is the last day it pays for. No payment falls due after
    it; what was paid in advance beyond it, with the rest of the balance, is recovered at the
    final monitoring return (to the end date, with no contingency kept). The services it paid
    for go back to a council-managed budget from the next day: the personal budget is unchanged,
    the council arranges them (s31-33)."""
    policy.require(actor, "budgets.arrange", agreement.person)
    agreement = DirectPaymentAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != DirectPaymentAgreement.Status.ACTIVE:
        raise ValidationError("This direct payment has already ended.")
    errors: dict[str, str] = {}
    if reason not in EndReason.values:
        errors["reason"] = "Choose why the direct payment ends."
    last_change = agreement.changes.order_by("-effective_from").first()
    last_return = _last_return_end(agreement)
    if end_date < agreement.start:
        errors["end_date"] = (
            f"The end cannot be before the first payment ({agreement.start:%-d %B %Y})."
        )
    elif last_change is not None and end_date < last_change.effective_from:
        errors["end_date"] = (
            f"A change takes effect on {last_change.effective_from:%-d %B %Y}: "
            "the end cannot be before it."
        )
    elif last_return is not None and end_date < last_return:
        errors["end_date"] = (
            f"A monitoring return has been recorded to {last_return:%-d %B %Y}: "
            "the end cannot be before it."
        )
    if errors:
        raise ValidationError(errors)
    agreement.status = DirectPaymentAgreement.Status.ENDED
    agreement.end_date = end_date
    agreement.end_reason = reason
    agreement.end_note = note.strip()
    agreement.ended_by = actor
    agreement.ended_at = clock.now()
    agreement.save(
        update_fields=["status", "end_date", "end_reason", "end_note", "ended_by", "ended_at"]
    )
    service_ids = [int(line["service_id"]) for line in agreement.lines]
    deliveries = LineDelivery.objects.filter(
        service_id__in=service_ids, mechanism=Mechanism.DIRECT_PAYMENT
    )
    for delivery in deliveries:
        delivery.mechanism = Mechanism.COUNCIL_MANAGED
        delivery.set_by = actor
        delivery.set_at = clock.now()
        delivery.save(update_fields=["mechanism", "set_by", "set_at"])
        audit.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=delivery,
            person_ref=agreement.person.audit_ref,
            details={
                "service": delivery.service_id,
                "mechanism": Mechanism.COUNCIL_MANAGED,
                "because": f"direct payment {agreement.pk} ended",
            },
        )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=agreement,
        person_ref=agreement.person.audit_ref,
        details={
            "ended": end_date.isoformat(),
            "reason": reason,
            "paid_after_end": str(paid_after_end(agreement)),
        },
    )
    return agreement


@transaction.atomic
def record_monitoring_return(
    *,
    actor,
    agreement: DirectPaymentAgreement,
    period_start: date,
    period_end: date,
    spent: Decimal,
    balance: Decimal,
    note: str = "",
) -> MonitoringReturn:
    policy.require(actor, "budgets.arrange", agreement.person)
    agreement = DirectPaymentAgreement.objects.select_for_update().get(pk=agreement.pk)
    errors = {}
    if period_end < period_start:
        errors["period_end"] = "The end of the period must be on or after its start."
    if period_start < agreement.start:
        errors["period_start"] = (
            f"The period cannot start before the first payment ({agreement.start:%-d %B %Y})."
        )
    if period_end > clock.today():
        errors["period_end"] = "The period cannot end in the future."
    if agreement.end_date is not None and period_end > agreement.end_date:
        errors["period_end"] = (
            f"The direct payment ended on {agreement.end_date:%-d %B %Y}: "
            "the last return runs to that day."
        )
    previous = agreement.returns.order_by("-period_end").first()
    if previous is not None and period_start <= previous.period_end:
        errors["period_start"] = (
            f"The last return ran to {previous.period_end:%-d %B %Y}: start the next one after it."
        )
    if errors:
        raise ValidationError(errors)
    opening = arithmetic.ZERO
    if previous is not None:
        recovered = previous.recovery.amount if hasattr(previous, "recovery") else arithmetic.ZERO
        opening = previous.balance - recovered
    agreed = terms(agreement)
    # The final return (to the end date) keeps no contingency: every unspent pound comes back.
    final = agreement.end_date is not None and period_end == agreement.end_date
    figures = arithmetic.monitoring_figures(
        opening_balance=opening,
        paid_in=arithmetic.paid_between(schedule(agreement, period_end), period_start, period_end),
        person_contributions=arithmetic.contributions_between(agreed, period_start, period_end),
        spent=spent,
        balance=balance,
        weekly_amount=arithmetic.terms_on(agreed, period_end).weekly_amount,
        contingency_weeks=0 if final else agreement.contingency_weeks,
    )
    monitoring = MonitoringReturn.objects.create(
        agreement=agreement,
        period_start=period_start,
        period_end=period_end,
        spent=spent,
        balance=balance,
        paid_in=figures.paid_in,
        expected_balance=figures.expected_balance,
        contingency=figures.contingency,
        recovery_due=figures.recovery_due,
        note=note,
        recorded_by=actor,
    )
    _created(
        actor,
        monitoring,
        agreement.person,
        {"spent": str(spent), "balance": str(balance), "recovery_due": str(figures.recovery_due)},
    )
    return monitoring


@transaction.atomic
def record_recovery(*, actor, monitoring_return: MonitoringReturn) -> Recovery:
    person = monitoring_return.agreement.person
    policy.require(actor, "budgets.recover", person)
    if monitoring_return.recovery_due <= 0:
        raise ValidationError("Nothing is above the contingency: there is nothing to recover.")
    try:
        with transaction.atomic():
            recovery = Recovery.objects.create(
                monitoring_return=monitoring_return,
                amount=monitoring_return.recovery_due,
                recorded_by=actor,
            )
    except IntegrityError:
        raise ValidationError("The recovery for this return has already been recorded.") from None
    _created(actor, recovery, person, {"amount": str(recovery.amount)})
    return recovery


# Deferred payment agreements -----------------------------------------------------------------


def _without_home(inputs: dict) -> dict:
    return {
        **inputs,
        "capital": [c for c in inputs.get("capital", []) if c.get("kind") != "main_home"],
        "services": [],
    }


def deferred_payment_eligibility(assessment) -> tuple[list[dict], Decimal | None]:
    """The conditions under which a council must offer a deferred payment agreement (SI 2014/2671
    reg 2; pathways.md §6), each with whether it is met, from the latest financial assessment; and
    the person's weekly contribution with the home left out (the charging engine's maximum weekly
    contribution), None if the engine cannot work it out."""
    inputs = assessment.inputs
    home = next((c for c in inputs.get("capital", []) if c.get("kind") == "main_home"), None)
    checks = [
        {
            "condition": "Needs are met in a care home (permanent residence)",
            "met": assessment.setting == "care_home",
            "rule": "SI 2014/2671 reg 2(2)(a)",
        },
        {
            "condition": "The home is counted in the financial assessment (not disregarded because "
            "a qualifying relative lives there)",
            "met": bool(
                home
                and Decimal(home["value"]) > 0
                and not home.get("qualifying_relative_lives_there")
            ),
            "rule": "SI 2014/2671 reg 2(2)(c); SI 2014/2672 Sch 2",
        },
    ]
    contribution = None
    try:
        result = means_with_council_figures(_without_home(inputs), assessment.assessed_on)
    except ChargingError as error:
        checks.append(
            {
                "condition": "Capital other than the home is at or below the upper capital limit",
                "met": False,
                "rule": "SI 2014/2671 reg 2(2)(b)",
                "note": f"cannot be worked out: {error.message}",
            }
        )
    else:
        checks.append(
            {
                "condition": "Capital other than the home is at or below the upper capital limit",
                "met": not result["full_cost_payer"],
                "rule": "SI 2014/2671 reg 2(2)(b)",
            }
        )
        if result["maximum_weekly"] is not None:
            contribution = Decimal(result["maximum_weekly"])
    return checks, contribution


@transaction.atomic
def make_deferred_payment_agreement(
    *,
    actor,
    person,
    agreed_on: date,
    deferral_start: date,
    care_home_weekly_fee: Decimal,
    property_address: str,
    property_value: Decimal,
    encumbrances: Decimal,
    land_registry_title: str,
    charge_registered_on: date,
    council_rate: Decimal | None,
    valuation_fee: Decimal = arithmetic.ZERO,
    land_registry_fee: Decimal = arithmetic.ZERO,
    admin_costs_paid_separately: bool = False,
) -> DeferredPaymentAgreement:
    """The agreement, with the council's administration costs (its schedule on `agreed_on`, and
    the valuation and Land Registry fees at cost) kept as agreed (SI 2014/2671 reg 10)."""
    policy.require(actor, "budgets.deferred_payment", person)
    assessment = latest_assessment(person)
    if assessment is None:
        raise ValidationError("Record the person's financial assessment first.")
    checks, contribution = deferred_payment_eligibility(assessment)
    unmet = [c["condition"] for c in checks if not c["met"]]
    if unmet:
        raise ValidationError(
            "The person does not meet the conditions for a deferred payment agreement: "
            + "; ".join(unmet)
            + "."
        )
    errors = {}
    if not land_registry_title.strip():
        errors["land_registry_title"] = "Enter the Land Registry title number the charge is on."
    if charge_registered_on > clock.today():
        errors["charge_registered_on"] = "The charge cannot be registered in the future."
    if deferral_start < agreed_on:
        errors["deferral_start"] = "Deferring starts on or after the day the agreement is made."
    if encumbrances > property_value:
        errors["encumbrances"] = "What is secured on the home cannot be more than it is worth."
    if council_rate is not None:
        period = arithmetic.national_rates().maximum_for(deferral_start)
        if period is None:
            errors["council_rate"] = (
                "No national maximum rate is recorded for the period the deferral starts in: "
                "charge the national maximum, or add the period's rate with its source first."
            )
        elif council_rate > period.maximum_rate:
            errors["council_rate"] = (
                f"The rate cannot be more than the national maximum for the period, "
                f"{period.maximum_rate}% (SI 2014/2671 reg 9)."
            )
    for name, fee in (("valuation_fee", valuation_fee), ("land_registry_fee", land_registry_fee)):
        if fee < 0:
            errors[name] = "A fee cannot be less than nothing."
    if contribution is None:
        errors["care_home_weekly_fee"] = (
            "The person's weekly contribution cannot be worked out from the financial assessment."
        )
    if errors:
        raise ValidationError(errors)
    agreement = DeferredPaymentAgreement.objects.create(
        person=person,
        financial_assessment=assessment,
        agreed_on=agreed_on,
        deferral_start=deferral_start,
        care_home_weekly_fee=care_home_weekly_fee,
        weekly_contribution=contribution,
        weekly_deferred=max(arithmetic.ZERO, care_home_weekly_fee - contribution),
        property_address=property_address.strip(),
        property_value=property_value,
        encumbrances=encumbrances,
        land_registry_title=land_registry_title.strip(),
        charge_registered_on=charge_registered_on,
        council_rate=council_rate,
        admin_costs=agreed_admin_costs(
            agreed_on, valuation_fee=valuation_fee, land_registry_fee=land_registry_fee
        ),
        admin_costs_paid_separately=admin_costs_paid_separately,
        eligibility=checks,
        created_by=actor,
    )
    _created(actor, agreement, person, {"weekly_deferred": str(agreement.weekly_deferred)})
    return agreement


def agreed_admin_costs(
    agreed_on: date, *, valuation_fee: Decimal, land_registry_fee: Decimal
) -> list[dict]:
    """The council's schedule in force on `agreed_on`, and the fees charged at cost (set-up)."""
    schedule = arithmetic.council_admin_costs().schedule_for(agreed_on)
    costs = [
        {"code": c.code, "description": c.description, "amount": str(c.amount), "when": c.when}
        for c in (schedule.costs if schedule else ())
    ]
    for code, description, fee in (
        ("valuation", "Valuing the home (at cost)", valuation_fee),
        ("land_registry", "Land Registry fees for the charge (at cost)", land_registry_fee),
    ):
        if fee:
            costs.append(
                {"code": code, "description": description, "amount": str(fee), "when": "set_up"}
            )
    return costs


def admin_costs(agreement: DeferredPaymentAgreement) -> list[arithmetic.AdminCost]:
    return [
        arithmetic.AdminCost(c["code"], c["description"], Decimal(c["amount"]), c["when"])
        for c in agreement.admin_costs
    ]


def deferred_statement(agreement: DeferredPaymentAgreement, on: date) -> arithmetic.Statement:
    """The statement to `on`; the administration costs are added to the amount deferred unless
    the person pays them separately (SI 2014/2671 reg 10(2))."""
    charges = arithmetic.admin_charges(
        admin_costs(agreement), deferral_start=agreement.deferral_start, on=on
    )
    return arithmetic.statement(
        deferral_start=agreement.deferral_start,
        weekly_deferred=agreement.weekly_deferred,
        on=on,
        council_rate=agreement.council_rate,
        admin=[] if agreement.admin_costs_paid_separately else charges,
    )


def admin_charges_billed_separately(
    agreement: DeferredPaymentAgreement, on: date
) -> list[arithmetic.AdminCharge]:
    if not agreement.admin_costs_paid_separately:
        return []
    return arithmetic.admin_charges(
        admin_costs(agreement), deferral_start=agreement.deferral_start, on=on
    )


def lower_capital_limit(on: date) -> Decimal | None:
    from caretrust.funding.charging.rules import default_rule_book

    figure = default_rule_book().figure("england", "lower_capital_limit_care_home", on)
    return None if figure is None or figure.value is None else figure.value


def next_payment(agreement: DirectPaymentAgreement, today: date) -> arithmetic.Payment | None:
    upcoming = [
        p
        for p in schedule(agreement, today + timedelta(weeks=agreement.frequency_weeks))
        if p.due >= today and p.kind == "payment"
    ]
    return upcoming[0] if upcoming else None
