"""Care plan and visit pages."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.careplans import fhir, forms, plan_links, selectors, services
from caretrust.careplans.models import CarePlan, PlannedService, Visit
from caretrust.funding.planning import plan_charges
from caretrust.referrals.models import Referral
from caretrust.ui.forms import add_form_errors
from caretrust.ui.params import int_param, uuid_list


@require_POST
def start(request: HttpRequest, reference: str) -> HttpResponse:
    referral = get_object_or_404(Referral, reference=reference)
    policy.require(request.user, "referrals.view", referral)
    if referral.person_id is None:
        messages.warning(request, "Confirm who the referral is about first.")
        return redirect("referrals:detail", reference)
    plan = services.create_plan(
        actor=request.user,
        person=referral.person,
        referral=referral,
        assessment=referral.assessments.first(),
    )
    return redirect("careplans:detail", plan.uuid)


def _plan(request, uuid) -> CarePlan:
    plan = get_object_or_404(
        CarePlan.objects.select_related("person", "coordinator", "referral"), uuid=uuid
    )
    decision = policy.require(request.user, "careplans.view", plan)
    # The plan rule is the record rule: the page's selectors reuse the decision (ADR 101).
    audit.remember_read_decision(request.user, plan.person, decision)
    return plan


def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    plan = _plan(request, uuid)
    # The page's read row; the upcoming visits selector adds its part to it (ADR 101).
    audit.person_read(request.user, plan.person, purpose="careplans.detail", obj=plan)
    return _render(request, plan)


def _render(
    request, plan: CarePlan, conflict: services.CarePlanConflict | None = None, **bound
) -> HttpResponse:
    version = {"version": plan.version}
    details_initial = {
        **version,
        "goals": "\n".join(g.text for g in plan.goals.all()),
        "review_date": plan.review_date,
    }

    def fresh(form):
        # After a conflict the user's entries stay, but the form now carries the current version.
        if form is not None and conflict is not None:
            data = form.data.copy()
            data["version"] = plan.version
            form = type(form)(data)
            form.is_valid()
        return form

    can_edit = (
        bool(policy.decide(request.user, "careplans.edit", plan)) and plan.status != "completed"
    )
    can_merge = bool(policy.decide(request.user, "careplans.merge_visits", plan.person))
    return render(
        request,
        "careplans/detail.jinja",
        {
            "page_title": f"Care plan: {plan.person.display_name}",
            "plan": plan,
            "goals": list(plan.goals.all()),
            "services": list(
                plan.services.select_related(
                    "provider_organisation",
                    "provider_team",
                    "provider_practitioner",
                    "second_worker_team",
                )
            ),
            "care_team": list(plan.care_team.select_related("user", "team", "organisation")),
            "charges": plan_charges(plan),
            "plan_links": plan_links.links_for(request.user, plan),
            "versions": list(plan.versions.select_related("saved_by").order_by("-number")[:20]),
            "duplicates": services.find_duplicate_visits(plan.person),
            "visits": selectors.upcoming_visits(
                plan.person, clock.today(), 14, viewer=request.user
            ),
            "can_edit": can_edit,
            "can_merge": can_merge,
            "conflict": conflict,
            "details_form": fresh(bound.get("details_form"))
            or forms.PlanDetailsForm(initial=details_initial),
            "service_form": fresh(bound.get("service_form"))
            or forms.ServiceForm(initial={**version, "start": clock.today()}),
            "member_form": fresh(bound.get("member_form")) or forms.MemberForm(initial=version),
            "agree_version": plan.version,
            "checklist": selectors.agreement_checklist(plan) if plan.status == "draft" else [],
            "next_review": plan.reviews.filter(status="scheduled").first(),
        },
    )


def _edit(request, uuid, form_class, key, apply) -> HttpResponse:
    plan = _plan(request, uuid)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(plan, form)
        except services.CarePlanConflict as conflict:
            return _render(request, conflict.plan, conflict=conflict, **{key: form})
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "Care plan saved.")
            return redirect("careplans:detail", plan.uuid)
    return _render(request, plan, **{key: form})


@require_POST
def edit_details(request: HttpRequest, uuid: str) -> HttpResponse:
    def apply(plan, form):
        services.update_plan(
            actor=request.user,
            plan=plan,
            expected_version=form.cleaned_data["version"],
            goals=form.goal_list(),
            review_date=form.cleaned_data["review_date"],
        )

    return _edit(request, uuid, forms.PlanDetailsForm, "details_form", apply)


@require_POST
def add_service(request: HttpRequest, uuid: str) -> HttpResponse:
    def apply(plan, form):
        data = dict(form.cleaned_data)
        services.add_service(
            actor=request.user, plan=plan, expected_version=data.pop("version"), **data
        )

    return _edit(request, uuid, forms.ServiceForm, "service_form", apply)


@require_POST
def add_member(request: HttpRequest, uuid: str) -> HttpResponse:
    def apply(plan, form):
        data = form.cleaned_data
        services.add_care_team_member(
            actor=request.user,
            plan=plan,
            expected_version=data["version"],
            role=data["role"],
            user=data["user"],
            team=data["team"],
        )

    return _edit(request, uuid, forms.MemberForm, "member_form", apply)


@require_POST
def agree(request: HttpRequest, uuid: str) -> HttpResponse:
    plan = _plan(request, uuid)
    try:
        services.agree_plan(
            actor=request.user, plan=plan, expected_version=int_param(request.POST, "version", 0)
        )
    except services.CarePlanConflict as conflict:
        return _render(request, conflict.plan, conflict=conflict)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, "The care plan is agreed and its visits are planned.")
    return redirect("careplans:detail", plan.uuid)


@require_POST
def merge(request: HttpRequest, uuid: str) -> HttpResponse:
    plan = _plan(request, uuid)
    visits = {
        str(v.uuid): v
        for v in Visit.objects.filter(person=plan.person, uuid__in=uuid_list(request.POST, "visit"))
    }
    keep = visits.pop(request.POST.get("keep", ""), None)
    if keep is None or not visits:
        messages.warning(request, "Choose the visits to merge.")
        return redirect("careplans:detail", plan.uuid)
    try:
        services.merge_visits(actor=request.user, keep=keep, merge=list(visits.values()))
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, f"Merged into one joint visit on {keep.date:%d %B %Y}.")
    return redirect("careplans:detail", plan.uuid)


def plan_fhir(request: HttpRequest, uuid: str) -> JsonResponse:
    plan = selectors.plan_for(request.user, uuid, purpose="careplans.fhir", details={"as": "fhir"})
    return JsonResponse(
        fhir.care_plan(plan).model_dump(mode="json", exclude_none=True),
        content_type="application/fhir+json",
    )


def team_fhir(request: HttpRequest, uuid: str) -> JsonResponse:
    plan = selectors.plan_for(
        request.user, uuid, purpose="careplans.fhir_team", details={"as": "fhir CareTeam"}
    )
    return JsonResponse(
        fhir.care_team(plan).model_dump(mode="json", exclude_none=True),
        content_type="application/fhir+json",
    )


def team_visits(request: HttpRequest) -> HttpResponse:
    """A team's visit list for one day."""
    policy.require(request.user, "careplans.team_visits")
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = clock.today()
    visits = selectors.team_visits(request.user, day)
    from datetime import timedelta

    return render(
        request,
        "careplans/visits.jinja",
        {
            "page_title": f"Visits on {day:%A %d %B %Y}",
            "day": day,
            "previous": (day - timedelta(days=1)).isoformat(),
            "next": (day + timedelta(days=1)).isoformat(),
            "visits": visits,
        },
    )


@require_POST
def record_visit(request: HttpRequest, uuid, outcome: str) -> HttpResponse:
    """Done, missed or cancelled, from the visit list; back to the same day."""
    visit = get_object_or_404(Visit.objects.select_related("person", "plan"), uuid=uuid)
    try:
        services.record_visit(
            actor=request.user,
            visit=visit,
            outcome=outcome,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        text = (
            f"{visit.person.display_name}: visit recorded as {visit.get_status_display().lower()}."
        )
        if visit.status == "missed":
            text += " A task has gone to the plan's co-ordinator."
        messages.success(request, text)
    return redirect(f"{reverse('careplans:visits')}?date={visit.date.isoformat()}")


def orphaned_services(request: HttpRequest) -> HttpResponse:
    """Services on the plans I co-ordinate with nobody named to visit, each with a link to fix."""
    policy.require(request.user, "careplans.team_visits")
    found = selectors.orphaned_services_shown(request.user)  # records the people listed
    return render(
        request,
        "careplans/orphaned_services.jinja",
        {"page_title": "Services with nobody named to visit", "services": found},
    )


def who_visits(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    """Name the team or practitioner who delivers one service of a plan."""
    # The page shows the plan (on a GET and when a POST's form comes back with errors): its read
    # is recorded by the selector (ADR 107).
    plan = selectors.plan_for(
        request.user, uuid, purpose="careplans.who_visits", action="careplans.edit"
    )
    service = get_object_or_404(
        PlannedService.objects.select_related("provider_organisation"), pk=pk, plan=plan
    )
    if request.method == "POST":
        form = forms.WhoVisitsForm(request.POST)
        if form.is_valid():
            try:
                services.name_who_visits(
                    actor=request.user,
                    plan=plan,
                    expected_version=form.cleaned_data["version"],
                    service=service,
                    team=form.cleaned_data["provider_team"],
                    practitioner=form.cleaned_data["provider_practitioner"],
                )
            except services.CarePlanConflict as conflict:
                form.add_error(None, conflict.messages[0])
                data = form.data.copy()
                data["version"] = conflict.plan.version
                form.data = data
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(
                    request, f"{service.get_kind_display()}: now visited by {service.who_visits}."
                )
                return redirect("careplans:orphaned_services")
    else:
        form = forms.WhoVisitsForm(initial={"version": plan.version})
    return render(
        request,
        "careplans/who_visits.jinja",
        {
            "page_title": f"Who visits: {service.get_kind_display()}",
            "plan": plan,
            "service": service,
            "form": form,
        },
    )
