"""Personal budget, direct payment and deferred payment pages: thin; writes in services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust import clock
from caretrust.access import policy
from caretrust.budgets import arithmetic, forms, selectors, services
from caretrust.budgets.models import (
    DirectPaymentAgreement,
    MonitoringReturn,
)
from caretrust.careplans.models import CarePlan, PlannedService
from caretrust.dates import parse_date
from caretrust.people.models import Person
from caretrust.ui.forms import add_form_errors, submit_form
from caretrust.ui.params import BadParameter


def worklist(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "budgets.worklist")
    work = selectors.budget_work(request.user)
    return render(
        request, "budgets/worklist.jinja", {"work": work, "page_title": "Personal budgets"}
    )


def _plan(request, uuid, action="budgets.view") -> CarePlan:
    plan = get_object_or_404(CarePlan.objects.select_related("person"), uuid=uuid)
    policy.require(request.user, action, plan.person)
    return plan


def plan_budget(request: HttpRequest, uuid, dp_form=None, status=200) -> HttpResponse:
    plan = get_object_or_404(CarePlan.objects.select_related("person"), uuid=uuid)
    budget = selectors.plan_budget(request.user, plan)
    today = clock.today()
    context = {
        "plan": plan,
        "ended_direct_payments": list(plan.direct_payments.filter(status="ended")),
        "person": plan.person,
        "budget": budget,
        "charges": budget.charges,
        "can_arrange": policy.decide(request.user, "budgets.arrange", plan.person).allowed,
        "can_defer": policy.decide(request.user, "budgets.deferred_payment", plan.person).allowed,
        "dp_form": dp_form
        or forms.DirectPaymentForm(initial={"requested_on": today, "start": today}),
        "delivery_form": forms.LineDeliveryForm,
        "page_title": "Personal budget",
    }
    return render(request, "budgets/plan.jinja", context, status=status)


@require_POST
def line_delivery(request: HttpRequest, uuid, service_id: int) -> HttpResponse:
    plan = _plan(request, uuid, "budgets.arrange")
    service = get_object_or_404(PlannedService, pk=service_id, plan=plan)
    form = forms.LineDeliveryForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose how this service is delivered.")
        services.set_line_delivery(
            actor=request.user, service=service, mechanism=form.cleaned_data["mechanism"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{service.get_kind_display()}: {dict(form.fields['mechanism'].choices)[form.cleaned_data['mechanism']]}.",
        )
    return redirect("budgets:plan", plan.uuid)


def direct_payment_new(request: HttpRequest, uuid) -> HttpResponse:
    plan = _plan(request, uuid, "budgets.arrange")
    if request.method != "POST":
        return redirect("budgets:plan", plan.uuid)
    form = forms.DirectPaymentForm(request.POST)
    if form.is_valid():
        try:
            agreement = services.set_up_direct_payment(
                actor=request.user, plan=plan, **form.cleaned_data
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "The direct payment agreement is set up.")
            return redirect("budgets:direct_payment", agreement.pk)
    return plan_budget(request, uuid, dp_form=form, status=400)


def direct_payment(request: HttpRequest, pk: int, return_form=None, status=200) -> HttpResponse:
    agreement = selectors.direct_payment(request.user, pk)
    today = clock.today()
    returns = list(agreement.returns.select_related("recovery", "recorded_by"))
    last_end = returns[-1].period_end if returns else None
    initial = {
        "period_start": (last_end + timedelta(days=1)) if last_end else agreement.start,
        "period_end": min(today, agreement.end_date) if agreement.end_date else today,
    }
    active = agreement.status == DirectPaymentAgreement.Status.ACTIVE
    final_return_due = not active and (last_end is None or last_end < agreement.end_date)
    context = {
        "agreement": agreement,
        "person": agreement.person,
        "schedule": services.schedule(agreement, max(today, agreement.start) + timedelta(weeks=26)),
        "changes": list(agreement.changes.select_related("changed_by")),
        "active": active,
        "final_return_due": final_return_due,
        "paid_after_end": services.paid_after_end(agreement),
        "today": today,
        "returns": returns,
        "return_form": return_form or forms.MonitoringReturnForm(initial=initial),
        "can_arrange": policy.decide(request.user, "budgets.arrange", agreement.person).allowed,
        "can_recover": policy.decide(request.user, "budgets.recover", agreement.person).allowed,
        "page_title": "Direct payment",
    }
    return render(request, "budgets/direct_payment.jinja", context, status=status)


def _arranged_agreement(request, pk: int) -> DirectPaymentAgreement:
    agreement = get_object_or_404(
        DirectPaymentAgreement.objects.select_related("person", "plan"), pk=pk
    )
    policy.require(request.user, "budgets.arrange", agreement.person)
    return agreement


def direct_payment_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the amount (the personal budget's council part on the day) or the frequency of a
    direct payment from a date (ADR 105)."""
    agreement = _arranged_agreement(request, pk)
    today = clock.today()
    form = forms.DirectPaymentChangeForm(
        request.POST or None,
        initial={"effective_from": today, "frequency_weeks": agreement.frequency_weeks},
    )

    def again(form) -> HttpResponse:
        budget = selectors.plan_budget(
            request.user,
            agreement.plan,
            on=today,
            action="budgets.arrange",
            record=agreement,
            page="change direct payment",
        )
        context = {
            "agreement": agreement,
            "person": agreement.person,
            "now": budget.direct_payment_weekly if agreement.status == "active" else None,
            "today": today,
            "form": form,
            "page_title": "Change the direct payment",
        }
        status = 400 if form.errors else 200
        return render(request, "budgets/direct_payment_change.jinja", context, status=status)

    return submit_form(
        request,
        form,
        lambda form: services.change_direct_payment(
            actor=request.user, agreement=agreement, **form.cleaned_data
        ),
        success=lambda change: (
            f"From {change.effective_from:%-d %B %Y} the council pays "
            f"£{change.payment_amount:,.2f} every {change.frequency_weeks} "
            f"week{'s' if change.frequency_weeks != 1 else ''}."
        ),
        then=lambda _change: redirect("budgets:direct_payment", agreement.pk),
        again=again,
    )


def direct_payment_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a direct payment: the last day it pays for and why (ADR 105)."""
    agreement = _arranged_agreement(request, pk)
    form = forms.DirectPaymentEndForm(request.POST or None, initial={"end_date": clock.today()})

    def again(form) -> HttpResponse:
        selectors.direct_payment(
            request.user, agreement.pk, action="budgets.arrange", page="end direct payment"
        )
        context = {
            "agreement": agreement,
            "person": agreement.person,
            "form": form,
            "page_title": "End the direct payment",
        }
        status = 400 if form.errors else 200
        return render(request, "budgets/direct_payment_end.jinja", context, status=status)

    return submit_form(
        request,
        form,
        lambda form: services.end_direct_payment(
            actor=request.user, agreement=agreement, **form.cleaned_data
        ),
        success=lambda ended: (
            f"The direct payment ends after {ended.end_date:%-d %B %Y}. Its services are "
            "council-managed from the next day."
        ),
        then=lambda _ended: redirect("budgets:direct_payment", agreement.pk),
        again=again,
    )


@require_POST
def monitoring_return(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(DirectPaymentAgreement.objects.select_related("person"), pk=pk)
    policy.require(request.user, "budgets.arrange", agreement.person)
    form = forms.MonitoringReturnForm(request.POST)
    if form.is_valid():
        try:
            record = services.record_monitoring_return(
                actor=request.user, agreement=agreement, **form.cleaned_data
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                f"Monitoring return recorded. To recover: £{record.recovery_due:,.2f}.",
            )
            return redirect("budgets:direct_payment", agreement.pk)
    return direct_payment(request, pk, return_form=form, status=400)


@require_POST
def recover(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(MonitoringReturn.objects.select_related("agreement__person"), pk=pk)
    try:
        recovery = services.record_recovery(actor=request.user, monitoring_return=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Recovery of £{recovery.amount:,.2f} recorded.")
    return redirect("budgets:direct_payment", record.agreement_id)


def deferred_payment_new(request: HttpRequest, ref) -> HttpResponse:
    person = get_object_or_404(Person, ref=ref)
    assessment = selectors.deferred_payment_assessment(request.user, person)
    checks, contribution = (
        services.deferred_payment_eligibility(assessment) if assessment else ([], None)
    )
    today = clock.today()
    form = forms.DeferredPaymentForm(
        request.POST or None,
        initial={"agreed_on": today, "deferral_start": today, "charge_registered_on": today},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for name in ("encumbrances", "valuation_fee", "land_registry_fee"):
            data[name] = data[name] or arithmetic.ZERO
        try:
            agreement = services.make_deferred_payment_agreement(
                actor=request.user, person=person, **data
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "The deferred payment agreement is recorded.")
            return redirect("budgets:deferred_payment", agreement.pk)
    context = {
        "person": person,
        "assessment": assessment,
        "checks": checks,
        "contribution": contribution,
        "form": form,
        "rates": arithmetic.national_rates(),
        "admin_schedule": arithmetic.council_admin_costs().schedule_for(today),
        "admin_table": arithmetic.council_admin_costs(),
        "page_title": "Deferred payment agreement",
    }
    return render(
        request, "budgets/deferred_payment_new.jinja", context, status=400 if form.errors else 200
    )


def deferred_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement: the amount deferred to a date, with the interest by half-year; printable."""
    try:
        on = parse_date(request.GET.get("on")) or clock.today()
    except ValueError as error:
        raise BadParameter(f"on: {error}") from None
    agreement = selectors.deferred_payment(request.user, pk, on=on)
    lower = services.lower_capital_limit(agreement.agreed_on)
    context = {
        "agreement": agreement,
        "person": agreement.person,
        "statement": services.deferred_statement(agreement, on),
        "billed_separately": services.admin_charges_billed_separately(agreement, on),
        "admin_table": arithmetic.council_admin_costs(),
        "rates": arithmetic.national_rates(),
        "equity_limit": None
        if lower is None
        else arithmetic.equity_limit(
            property_value=agreement.property_value,
            encumbrances=agreement.encumbrances,
            lower_capital_limit=lower,
        ),
        "lower_capital_limit": lower,
        "page_title": "Deferred payment statement",
    }
    return render(request, "budgets/deferred_payment.jinja", context)
