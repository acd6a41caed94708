"""Carer pages: add a carer, the carer's record, their assessment and support plan. Thin: rules
in access_rules, writes in services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.carers import forms, selectors, services
from caretrust.carers.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.carers.models import Carer, CarersAssessment, CarerSupportPlan
from caretrust.ui.forms import add_form_errors
from caretrust.ui.params import uuid_list


def new(request: HttpRequest, ref: str) -> HttpResponse:
    person = selectors.person_to_add_a_carer_for(request.user, ref)  # 404, 403, or read
    from_assessment = None
    named_in = uuid_list(request.GET, "assessment")
    if named_in:
        from caretrust.assessments.models import Assessment

        from_assessment = Assessment.objects.filter(uuid=named_in[0], person=person).first()
    if request.method == "POST":
        form = forms.CarerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            own = None
            if data["own_record"] == "yes":
                own = services.CarersOwnRecord(
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    birth_date=data["birth_date"],
                    postcode=data["postcode"],
                    phone=data["contact"],
                )
            try:
                carer = services.record_carer(
                    actor=request.user,
                    person=person,
                    name=data["name"],
                    relationship=data["relationship"],
                    contact=data["contact"],
                    hours_caring_per_week=data["hours_caring_per_week"],
                    own_record=own,
                    from_assessment=from_assessment,
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, f"{carer.name} is recorded as a carer.")
                return redirect("carers:detail", carer.uuid)
    else:
        name = request.GET.get("name", "")
        given, _, family = name.partition(" ")
        form = forms.CarerForm(
            initial={
                "name": name,
                "relationship": request.GET.get("relationship", ""),
                "given_name": given,
                "family_name": family,
            }
        )
    return render(
        request,
        "carers/new.jinja",
        {"form": form, "person": person, "page_title": f"Add a carer for {person.display_name}"},
    )


def _carer(request, uuid) -> Carer:
    return selectors.carer_for(request.user, uuid)  # 404, 403, or read and recorded (ADR 107)


def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    carer = _carer(request, uuid)
    return render(
        request,
        "carers/detail.jinja",
        {
            "carer": carer,
            "assessments": carer.assessments.select_related("assessor").order_by("-created_at"),
            "can_assess": bool(policy.decide(request.user, "carers.assess", carer)),
            "page_title": f"Carer: {carer.name}",
        },
    )


def start(request: HttpRequest, uuid: str) -> HttpResponse:
    carer = _carer(request, uuid)
    if request.method == "POST":
        assessment = services.start_assessment(actor=request.user, carer=carer)
        return redirect("carers:assessment", assessment.uuid)
    return render(
        request,
        "carers/start.jinja",
        {"carer": carer, "page_title": f"Start a carer's assessment for {carer.name}"},
    )


def _assessment(request, uuid) -> CarersAssessment:
    # 404, 403, or read and recorded (ADR 107)
    return selectors.carers_assessment_for(request.user, uuid)


def _findings_initial(assessment: CarersAssessment) -> dict:
    initial = {
        name: getattr(assessment, name)
        for name in ("what_matters", "caring_role", "health_details", "wellbeing_details")
    }
    initial |= {name: forms.tri_initial(getattr(assessment, name)) for name in forms.TRI_FIELDS}
    initial |= {f"outcome_{code}": d for code, d in assessment.outcome_map().items()}
    return initial


def _render(request, assessment: CarersAssessment, *, findings=None, plan_form=None, error=""):
    plan = CarerSupportPlan.objects.filter(assessment=assessment).first()
    if plan_form is None:
        plan_form = forms.SupportPlanForm(initial={"goals": plan.goals if plan else ""})
    outcomes = assessment.outcome_map()
    return render(
        request,
        "carers/assessment.jinja",
        {
            "assessment": assessment,
            "carer": assessment.carer,
            "findings_form": findings or forms.FindingsForm(initial=_findings_initial(assessment)),
            "plan_form": plan_form,
            "plan": plan,
            "error": error,
            "outcome_rows": [
                {"text": text, "value": DIFFICULTIES.get(outcomes.get(code, ""), "Not assessed")}
                for code, text in OUTCOMES.items()
            ],
            "can_assess": bool(policy.decide(request.user, "carers.assess", assessment)),
            "can_decide": bool(policy.decide(request.user, "carers.decide", assessment)),
            "can_plan": bool(policy.decide(request.user, "carers.agree_plan", assessment)),
            "page_title": f"Carer's assessment: {assessment.carer.name}",
        },
        status=400 if error or (findings is not None and findings.errors) else 200,
    )


def assessment(request: HttpRequest, uuid: str) -> HttpResponse:
    found = _assessment(request, uuid)
    if request.method == "POST":
        form = forms.FindingsForm(request.POST)
        if form.is_valid():
            fields, outcomes = form.findings()
            try:
                services.record_findings(
                    actor=request.user, assessment=found, outcomes=outcomes, **fields
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "The carer's assessment is saved.")
                return redirect("carers:assessment", found.uuid)
        return _render(request, found, findings=form)
    return _render(request, found)


@require_POST
def decide(request: HttpRequest, uuid: str) -> HttpResponse:
    found = _assessment(request, uuid)
    try:
        services.decide(actor=request.user, assessment=found)
    except ValidationError as error:
        return _render(request, found, error=" ".join(error.messages))
    messages.success(request, "The carer's eligibility is decided.")
    return redirect("carers:assessment", found.uuid)


@require_POST
def plan(request: HttpRequest, uuid: str) -> HttpResponse:
    found = _assessment(request, uuid)
    form = forms.SupportPlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_support_plan(
                actor=request.user,
                assessment=found,
                goals=data["goals"],
                new_line=services.SupportLine(
                    kind=data["kind"],
                    description=data["description"],
                    provider=data["provider"],
                    frequency_text=data["frequency_text"],
                    start=data["start"],
                )
                if data["description"]
                else None,
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "The carer's support plan is saved.")
            return redirect("carers:assessment", found.uuid)
    return _render(request, found, plan_form=form)


@require_POST
def agree(request: HttpRequest, uuid: str) -> HttpResponse:
    found = _assessment(request, uuid)
    try:
        services.agree_support_plan(actor=request.user, assessment=found)
    except ValidationError as error:
        return _render(request, found, error=" ".join(error.messages))
    messages.success(request, "The carer's support plan is agreed.")
    return redirect("carers:assessment", found.uuid)
