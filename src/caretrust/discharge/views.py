"""Discharge pages. Thin: forms validate, services write, selectors read, policy decides."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from caretrust import clock
from caretrust.access import policy
from caretrust.discharge import forms, presenters, selectors, services
from caretrust.discharge.models import Discharge, Pathway
from caretrust.ui.forms import add_form_errors


def _pathway_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("pathway", "")
    return int(raw) if raw in {"0", "1", "2", "3"} else None


def worklist(request: HttpRequest) -> HttpResponse:
    """People waiting to leave hospital in my localities, by pathway, longest wait first."""
    policy.require(request.user, "discharge.worklist")
    pathway = _pathway_param(request)
    groups, _shown = selectors.worklist(request.user, pathway)
    return render(
        request,
        "discharge/worklist.jinja",
        {
            "page_title": "Hospital discharges",
            "groups": groups,
            "pathway": pathway,
            "pathways": Pathway.choices,
            "today": clock.today(),
        },
    )


FORMS = {
    "discharge": forms.RecordDischargeForm,
    "ready_date": forms.ReadyDateForm,
    "cancel": forms.CancelForm,
    "reablement": forms.StartReablementForm,
    "outcome": forms.ReablementOutcomeForm,
}


def _act(request: HttpRequest, discharge: Discharge, kind: str, data: dict) -> str:
    actor = request.user
    if kind == "discharge":
        services.record_discharge(actor=actor, discharge=discharge, **data)
        return "Discharge recorded: the wait is closed."
    if kind == "ready_date":
        services.change_ready_date(actor=actor, discharge=discharge, **data)
        return "Discharge ready date changed."
    if kind == "cancel":
        services.cancel(actor=actor, discharge=discharge, reason=data["cancel_reason"])
        return "Discharge cancelled."
    if kind == "reablement":
        services.start_reablement(actor=actor, discharge=discharge, **data)
        return "Reablement episode started."
    services.record_reablement_outcome(actor=actor, discharge=discharge, **data)
    return "Reablement outcome recorded."


def detail(request: HttpRequest, ref) -> HttpResponse:
    discharge = selectors.discharge(request.user, ref)
    bound: dict = {}
    if request.method == "POST":
        policy.require(request.user, "discharge.manage", discharge)
        kind = request.POST.get("kind", "")
        if kind in FORMS:
            form = FORMS[kind](request.POST)
            if form.is_valid():
                try:
                    message = _act(request, discharge, kind, form.cleaned_data)
                except ValidationError as error:
                    add_form_errors(form, error)
                else:
                    messages.success(request, message)
                    return redirect("discharge:detail", discharge.uuid)
            bound[kind] = form
    page_forms = {kind: bound.get(kind) or form_class() for kind, form_class in FORMS.items()}
    return render(
        request,
        "discharge/detail.jinja",
        {
            "page_title": f"Hospital discharge: {discharge.person.display_name}",
            "d": presenters.detail(discharge),
            "forms": page_forms,
            "bound": bound,
            "can_manage": policy.decide(request.user, "discharge.manage", discharge).allowed,
        },
    )


def indicators(request: HttpRequest) -> HttpResponse:
    """Delay and share discharged on the ready date by pathway (SPC), and reablement outcomes."""
    policy.require(request.user, "discharge.indicators")
    pathway = _pathway_param(request)
    return render(
        request,
        "discharge/indicators.jinja",
        {
            "page_title": "Discharge and reablement indicators",
            "view": presenters.indicators_view(pathway, clock.today()),
            "pathway": pathway,
            "pathways": Pathway.choices,
        },
    )
