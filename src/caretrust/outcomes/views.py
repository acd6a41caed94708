from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from caretrust.access import policy
from caretrust.outcomes import selectors
from caretrust.outcomes.presenters import ASSURANCE_TEXT, dashboard_cards, risk_model_panel
from caretrust.outcomes.published import read_published, read_risk_model
from caretrust.outcomes.services import refer_from_case_finding
from caretrust.ui.forms import add_form_errors
from caretrust.ui.params import int_param


def dashboard(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "outcomes.view_dashboard")
    frame = read_published(settings.CARETRUST_ANALYTICS_DIR / "published")
    context = {"page_title": "Outcomes", "cards": [], "areas": [], "area": None}
    if frame is not None and not frame.empty:
        areas = sorted(frame[frame.level == "area"].group.unique())
        area = request.GET.get("area") if request.GET.get("area") in areas else areas[0]
        context.update(
            areas=areas,
            area=area,
            cards=dashboard_cards(frame, area),
            assurance_text=ASSURANCE_TEXT,
        )
    return render(request, "outcomes/dashboard.jinja", context)


def case_finding(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("practice", "")
    page, practices = selectors.case_finding(
        request.user,
        practice=chosen,
        top=int_param(request.GET, "top", 50, minimum=1, maximum=1000),
    )
    context = {
        "page_title": "Case finding",
        "page": page,
        "practices": practices,
        "chosen": chosen,
        # aggregate figures only (no person): how good the list is, beside age alone
        "model": risk_model_panel(read_risk_model(settings.CARETRUST_ANALYTICS_DIR / "published")),
    }
    return render(request, "outcomes/case_finding.jinja", context)


def refer(request: HttpRequest, score_id: int) -> HttpResponse:
    """Refer someone from the case-finding list, recording who agreed and how (ADR 74)."""
    from caretrust.capacity.forms import ReferralConsentForm
    from caretrust.capacity.services import ConsentGiven

    score = selectors.score_to_refer(request.user, score_id)
    form = ReferralConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = refer_from_case_finding(
                actor=request.user,
                score=score,
                consent=ConsentGiven(
                    basis=data["basis"],
                    given_by=data["given_by"],
                    method=data["method"],
                    given_on=data["given_on"],
                ),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                f"{score.person.display_name} was referred to the co-ordinators "
                f"({referral.reference}).",
            )
            return redirect("outcomes:case_finding")
    return render(
        request,
        "outcomes/refer.jinja",
        {
            "page_title": f"Refer {score.person.display_name}",
            "form": form,
            "person": score.person,
        },
        status=400 if form.errors else 200,
    )


# --- Plan ahead (issue #23) ---------------------------------------------------------------------


def plan_ahead(request: HttpRequest) -> HttpResponse:
    from caretrust.outcomes.models import ProjectionRun
    from caretrust.outcomes.plan_presenters import run_view
    from caretrust.outcomes.planning import extract_dir, shipped_scenarios, snapshot_key

    policy.require(request.user, "outcomes.plan_ahead")
    runs = ProjectionRun.objects.select_related("job", "created_by")[:50]
    views = [run_view(run) for run in runs]
    context = {
        "page_title": "Plan ahead",
        "scenarios": shipped_scenarios(),
        "runs": views,
        "finished": [v for v in views if v["done"]],
        "has_data": bool(snapshot_key(extract_dir())),
    }
    return render(request, "outcomes/plan_ahead.jinja", context)


def plan_new(request: HttpRequest) -> HttpResponse:
    from caretrust.outcomes.plan_forms import ScenarioForm
    from caretrust.outcomes.planning import shipped
    from caretrust.outcomes.services import start_projection

    policy.require(request.user, "outcomes.plan_ahead")
    stem = request.POST.get("based_on") or request.GET.get("scenario", "")
    base = shipped(stem)
    if base is None:
        messages.error(request, "Choose one of the scenarios to start from.")
        return redirect("outcomes:plan_ahead")
    if request.method == "POST":
        form = ScenarioForm(request.POST, base=base.scenario)
        if form.is_valid():
            data = form.cleaned_data
            run = start_projection(
                actor=request.user,
                name=data["name"],
                description=data["description"],
                toml=data["toml"],
                based_on=base.stem,
                seed=data["seed"],
                runs=data["runs"],
                years=data["years"],
            )
            return redirect("outcomes:plan_run", pk=run.pk)
    else:
        form = ScenarioForm(initial=ScenarioForm.initial_for(base.scenario), base=base.scenario)
    context = {
        "page_title": f"Run a scenario: {base.name}",
        "form": form,
        "base": base,
    }
    return render(request, "outcomes/plan_new.jinja", context)


def plan_run(request: HttpRequest, pk: int) -> HttpResponse:
    from caretrust.outcomes.models import ProjectionRun
    from caretrust.outcomes.plan_presenters import run_view

    policy.require(request.user, "outcomes.plan_ahead")
    run = get_object_or_404(ProjectionRun.objects.select_related("job", "created_by"), pk=pk)
    view = run_view(run)
    return render(request, "outcomes/plan_run.jinja", {"page_title": view["name"], "run": view})


def plan_compare(request: HttpRequest) -> HttpResponse:
    from caretrust.outcomes.models import ProjectionRun
    from caretrust.outcomes.plan_presenters import compare_view

    policy.require(request.user, "outcomes.plan_ahead")
    finished = ProjectionRun.objects.exclude(result=None).select_related("job", "created_by")
    try:
        a = finished.get(pk=int(request.GET.get("a", "")))
        b = finished.get(pk=int(request.GET.get("b", "")))
    except (ValueError, ProjectionRun.DoesNotExist):
        messages.error(request, "Choose two finished runs to compare.")
        return redirect("outcomes:plan_ahead")
    context = {"page_title": "Compare two runs", "compare": compare_view(a, b)}
    return render(request, "outcomes/plan_compare.jinja", context)
