from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import audit, policy
from caretrust.outcomes import selectors
from caretrust.outcomes.access_rules import practices_for
from caretrust.outcomes.models import RiskScore
from caretrust.outcomes.presenters import ASSURANCE_TEXT, dashboard_cards
from caretrust.outcomes.published import read_published
from caretrust.outcomes.services import refer_from_case_finding
from caretrust.web.params import int_param


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
    policy.require(request.user, "outcomes.case_finding")
    practices = practices_for(request.user)
    chosen = request.GET.get("practice", "")
    shown_practices = [p for p in practices if p.code == chosen] or practices
    page = selectors.case_finding_list(
        shown_practices, top=int_param(request.GET, "top", 50, minimum=1, maximum=1000)
    )
    audit.record_reads(
        actor=request.user,
        person_refs=[row.person_ref for row in page.rows],
        object_type="outcomes.case_finding",
        details={"practices": [p.code for p in shown_practices]},
    )
    context = {
        "page_title": "Case finding",
        "page": page,
        "practices": practices,
        "chosen": chosen,
    }
    return render(request, "outcomes/case_finding.jinja", context)


@require_POST
def refer(request: HttpRequest, score_id: int) -> HttpResponse:
    policy.require(request.user, "outcomes.case_finding")
    score = get_object_or_404(RiskScore.objects.select_related("person"), pk=score_id)
    if score.person.gp_practice not in practices_for(request.user):
        raise PermissionDenied("This person is not registered at one of your practices.")
    try:
        referral = refer_from_case_finding(actor=request.user, score=score)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{score.person.display_name} was referred to the co-ordinators ({referral.reference}).",
        )
    return redirect("outcomes:case_finding")
