from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust import clock
from caretrust.access import policy
from caretrust.funding import explanations, presenters, selectors
from caretrust.funding.forms import FinancialAssessmentForm
from caretrust.funding.models import FinancialAssessment, PooledBudget
from caretrust.funding.services import age_on, record_financial_assessment
from caretrust.funding.spend_import import SpendFileError, import_spend
from caretrust.funding.worklist import finance_work
from caretrust.people.models import Person
from caretrust.ui.forms import add_form_errors

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def pool_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "funding.view_pool")
    pools = PooledBudget.objects.select_related("host_organisation")
    return render(
        request, "funding/pool_list.jinja", {"pools": pools, "page_title": "Pooled budgets"}
    )


def pool_detail(request: HttpRequest, pk: int, problems: list | None = None) -> HttpResponse:
    pool = get_object_or_404(PooledBudget, pk=pk)
    policy.require(request.user, "funding.view_pool", pool)
    context = {
        "page": presenters.pool_page(pool),
        "page_title": str(pool),
        "can_manage": policy.decide(request.user, "funding.manage_pool", pool).allowed,
        "problems": problems or [],
    }
    return render(request, "funding/pool_detail.jinja", context, status=400 if problems else 200)


@require_POST
def pool_import(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(PooledBudget, pk=pk)
    upload = request.FILES.get("spend_file")
    if upload is None:
        return pool_detail(request, pk, problems=["Choose a CSV file of actual spend to import."])
    if upload.size > MAX_UPLOAD_BYTES:
        return pool_detail(request, pk, problems=["The file is larger than 5 MB."])
    try:
        summary = import_spend(
            actor=request.user, pool=pool, file_name=upload.name, content=upload.read()
        )
    except SpendFileError as error:
        return pool_detail(request, pk, problems=[str(p) for p in error.problems])
    if summary.already_imported:
        messages.info(request, f"{summary.file_name} was imported before: nothing changed.")
    else:
        messages.success(
            request,
            f"Imported {summary.file_name}: {summary.read} rows read, {summary.inserted} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged.",
        )
    return redirect("funding:pool_detail", pk=pk)


def pool_export(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(PooledBudget, pk=pk)
    policy.require(request.user, "funding.view_pool", pool)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"pool-{pool.pk}-{pool.financial_year_label.replace('/', '-')}-forecast.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(presenters.export_rows(pool))
    return response


def financial_assessment(request: HttpRequest, ref) -> HttpResponse:
    person = selectors.person_for_assessment(request.user, ref)
    form = FinancialAssessmentForm(request.POST or None, initial={"assessed_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            on = form.cleaned_data["assessed_on"]
            inputs = form.engine_input(age=age_on(person.birth_date, on))
            assessment = record_financial_assessment(
                actor=request.user, person=person, inputs=inputs
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            return redirect("funding:financial_assessment_result", pk=assessment.pk)
    context = {"form": form, "person": person, "page_title": "Financial assessment"}
    return render(
        request, "funding/financial_assessment.jinja", context, status=400 if form.errors else 200
    )


def financial_assessment_result(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.financial_assessment(request.user, pk)
    context = {
        "assessment": assessment,
        "person": assessment.person,
        "headline": explanations.headline(assessment),
        "steps": explanations.plain_steps(assessment.result),
        "page_title": "Financial assessment",
    }
    return render(request, "funding/financial_assessment_result.jinja", context)


def financial_assessment_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter to the person: the same explanation, laid out to print or save as a PDF."""
    assessment = selectors.financial_assessment(
        request.user, pk, page="financial assessment letter"
    )
    return render(request, "funding/letter.jinja", letter_context(assessment))


def letter_context(assessment: FinancialAssessment) -> dict:
    return {
        "assessment": assessment,
        "person": assessment.person,
        "headline": explanations.headline(assessment),
        "steps": explanations.plain_steps(assessment.result),
        "page_title": "Your financial assessment",
    }


def worklist(request: HttpRequest) -> HttpResponse:
    """The finance officer's work: people waiting for a financial assessment, reassessments due."""
    policy.require(request.user, "funding.worklist")
    work = finance_work(request.user, clock.today())
    context = {"work": work, "page_title": "Financial assessments"}
    return render(request, "funding/worklist.jinja", context)


def who_pays(request: HttpRequest, ref) -> HttpResponse:
    """Who pays for each service in the person's current care plan (read-only, for finance)."""
    person = get_object_or_404(Person, ref=ref)
    plan, charges = selectors.who_pays(request.user, person)
    context = {
        "person": person,
        "plan": plan,
        "charges": charges,
        "page_title": "Who pays",
    }
    return render(request, "funding/who_pays.jinja", context)
