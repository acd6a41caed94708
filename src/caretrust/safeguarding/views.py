"""Safeguarding pages: raise a concern (from a person, visit, task or referral), the
safeguarding worklist, a concern and its enquiry, the s42 decision, MSP, risk, plan, conclusion,
and the SAC figures. Thin: services write, selectors read and audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.people.models import Person
from caretrust.people.normalise import is_ref
from caretrust.safeguarding import forms, sac, selectors, services, states
from caretrust.safeguarding.models import ABUSE_TYPES, Concern, DecisionTimescale, RaisedFrom
from caretrust.ui.forms import submit_form


def _page(request, template: str, title: str, status: int = 200, **context) -> HttpResponse:
    return render(request, template, {"page_title": title, **context}, status=status)


def index(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "safeguarding.view")
    rows = selectors.worklist_rows(request.user)
    return _page(
        request,
        "safeguarding/index.jinja",
        "Safeguarding",
        rows=rows,
        overdue={c.pk for c in rows["to_decide"] if selectors.is_overdue(c)},
        today=clock.today(),
    )


def _raised_from(request, person: Person) -> tuple[str, str]:
    """Where the concern was raised, checked to be about this person (else "their record")."""
    source, ident = request.GET.get("from", ""), request.GET.get("id", "")[:64]
    if source == RaisedFrom.VISIT and is_ref(ident):
        from caretrust.careplans.models import Visit

        visit = Visit.objects.filter(uuid=ident, person=person).first()
        if visit is not None:
            return source, f"Visit: {visit.get_kind_display()} on {visit.date:%d %B %Y}"
    if source == RaisedFrom.TASK and is_ref(ident):
        from caretrust.workspace.models import Task

        task = Task.objects.filter(uuid=ident, person=person).first()
        if task is not None:
            return source, f"Task: {task.title}"[:200]
    if source == RaisedFrom.REFERRAL and ident:
        from caretrust.referrals.models import Referral

        referral = Referral.objects.filter(reference=ident, person=person).first()
        if referral is not None:
            return source, f"Referral {referral.reference}"
    return RaisedFrom.PERSON, "Their record"


def raise_concern(request: HttpRequest, ref) -> HttpResponse:
    person = selectors.person_to_raise_concern_about(request.user, ref)  # 404, 403, or read
    source, label = _raised_from(request, person)

    def write(form):
        data = form.cleaned_data
        return services.raise_concern(
            actor=request.user,
            person=person,
            details=services.ConcernDetails(
                facts=data["facts"],
                abuse_types=data["abuse_types"],
                location=data["location"],
                source_of_risk=data["source_of_risk"],
                immediate_actions=data["immediate_actions"],
                person_wishes=data["person_wishes"],
                raised_from=source,
                raised_from_label=label,
            ),
        )

    return submit_form(
        request,
        forms.ConcernForm(request.POST if request.method == "POST" else None),
        write,
        success=_concern_raised,
        then=lambda concern: redirect("safeguarding:concern", concern.uuid),
        again=lambda form: _page(
            request,
            "safeguarding/raise.jinja",
            f"Raise a safeguarding concern: {person.display_name}",
            400 if form.errors else 200,
            person=person,
            form=form,
            raised_from=label,
            timescale=DecisionTimescale.current(),
        ),
    )


def _concern_raised(concern: Concern) -> str:
    team = concern.responsible_team.name if concern.responsible_team else "The council"
    return (
        f"Concern raised. {team} will decide by {concern.decision_due:%d %B %Y} whether "
        "it needs a section 42 enquiry."
    )


def concern(request: HttpRequest, uuid) -> HttpResponse:
    found = selectors.concern_for(request.user, uuid)
    enquiry = getattr(found, "enquiry", None) if found.status != states.CONCERN else None
    return _page(
        request,
        "safeguarding/concern.jinja",
        f"Safeguarding concern: {found.person.display_name}",
        concern=found,
        enquiry=enquiry,
        plan=list(enquiry.plan.all()) if enquiry else [],
        abuse_types=found.abuse_type_labels,
        overdue=selectors.is_overdue(found),
        can_decide=found.status == states.CONCERN
        and policy.decide(request.user, "safeguarding.decide", found).allowed,
        can_enquire=found.status in states.ENQUIRY_STATES
        and policy.decide(request.user, "safeguarding.enquire", found).allowed,
        reviews=list(found.reviews.all()),
        can_review=policy.decide(request.user, "safeguarding.review", found).allowed,
    )


def _concern_to_change(request, uuid, action: str) -> Concern:
    found = selectors.concern_for(request.user, uuid)
    policy.require(request.user, action, found)
    return found


def _concern_form(
    action: str,
    form_class,
    title: str,
    button_text: str,
    done: str,
    save: Callable[[Any, Concern, dict], object],
    intro: Callable[[Concern], str] | str = "",
):
    """A page with one form about a concern: the user may `action` it; a valid form posts to
    `save(actor, concern, cleaned_data)` (a service) and returns to the concern with `done`
    (`ui.forms.submit_form`); otherwise the form again (400 with its errors)."""

    def view(request: HttpRequest, uuid) -> HttpResponse:
        found = _concern_to_change(request, uuid, action)
        extra = {"intro": intro(found) if callable(intro) else intro} if intro else {}
        return submit_form(
            request,
            form_class(request.POST if request.method == "POST" else None),
            lambda form: save(request.user, found, form.cleaned_data),
            success=done,
            then=lambda _saved: redirect("safeguarding:concern", found.uuid),
            again=lambda form: _page(
                request,
                "safeguarding/form.jinja",
                f"{title}: {found.person.display_name}",
                400 if form.errors else 200,
                concern=found,
                form=form,
                heading=title,
                button_text=button_text,
                **extra,
            ),
        )

    return view


def _decide(actor, concern: Concern, data: dict):
    return services.decide(
        actor=actor,
        concern=concern,
        criteria=services.Criteria(
            care_and_support_needs=forms.yes_no(data["care_and_support_needs"]),
            abuse_or_neglect=forms.yes_no(data["abuse_or_neglect"]),
            unable_to_protect=forms.yes_no(data["unable_to_protect"]),
            care_and_support_needs_evidence=data["care_and_support_needs_evidence"],
            abuse_or_neglect_evidence=data["abuse_or_neglect_evidence"],
            unable_to_protect_evidence=data["unable_to_protect_evidence"],
        ),
        route=data["route"],
        reasons=data["reasons"],
        caused_to_enquire=data["caused_to_enquire"] or "council",
    )


def _decision_intro(found: Concern) -> str:
    return (
        f"Concern received {found.received_on:%d %B %Y}; the decision is due by "
        f"{found.decision_due:%d %B %Y} ({found.timescale_text}, the council's procedure). "
        "Section 42(1) of the Care Act 2014: all three criteria must be met for a section 42 "
        "enquiry."
    )


decide = _concern_form(
    "safeguarding.decide",
    forms.DecisionForm,
    "Section 42 decision",
    "Record the decision",
    "The section 42 decision is recorded.",
    _decide,
    intro=_decision_intro,
)


def _record_outcomes(actor, concern: Concern, data: dict):
    return services.record_personal_outcomes(
        actor=actor,
        concern=concern,
        asked=data["asked"],
        desired_outcomes=data["desired_outcomes"],
        not_asked_reason=data["not_asked_reason"],
        lacked_capacity=data["lacked_capacity"],
        advocate=forms.yes_no(data["advocate"]),
    )


outcomes = _concern_form(
    "safeguarding.enquire",
    forms.OutcomesForm,
    "What the person wants to happen",
    "Save their outcomes",
    "The person's desired outcomes are recorded.",
    _record_outcomes,
    intro="Making Safeguarding Personal: ask the person at the start what they want to "
    "happen, and record it in their words.",
)

# The risk and plan forms' fields are the services' arguments.
risk = _concern_form(
    "safeguarding.enquire",
    forms.RiskForm,
    "Risk assessment",
    "Save the risk assessment",
    "The risk assessment is recorded.",
    lambda actor, concern, data: services.record_risk(actor=actor, concern=concern, **data),
)
plan = _concern_form(
    "safeguarding.enquire",
    forms.PlanActionForm,
    "Add to the safeguarding plan",
    "Add the action",
    "The action is added to the safeguarding plan.",
    lambda actor, concern, data: services.add_plan_action(actor=actor, concern=concern, **data),
)


def _conclude(actor, concern: Concern, data: dict):
    return services.conclude(
        actor=actor,
        concern=concern,
        conclusion=services.Conclusion(
            action_taken=forms.yes_no(data["action_taken"]),
            risk_result=data["risk_result"],
            msp_achieved=data["msp_achieved"],
            outcome_summary=data["outcome_summary"],
            ceased_at_request=data["ceased_at_request"],
        ),
    )


conclude = _concern_form(
    "safeguarding.enquire",
    forms.ConcludeForm,
    "Conclude the enquiry",
    "Conclude the enquiry",
    "The enquiry is concluded.",
    _conclude,
)


def _record_review(actor, concern: Concern, data: dict):
    return services.record_review(
        actor=actor,
        concern=concern,
        basis=data["basis"],
        decided_on=data["decided_on"],
        adult_died=forms.yes_no(data["adult_died"]),
        sab_reference=data["sab_reference"],
    )


# Record the board's decision to hold a Safeguarding Adults Review (s44) about this adult.
review = _concern_form(
    "safeguarding.review",
    forms.ReviewForm,
    "Record a Safeguarding Adults Review",
    "Record the review",
    "The decision to hold a Safeguarding Adults Review is recorded.",
    _record_review,
    intro=(
        "The Safeguarding Adults Board must arrange a review when the adult died, or "
        "suffered serious abuse or neglect, and agencies could have worked together better "
        "(Care Act 2014 s44(1) to (3)); it may arrange one in other cases (s44(4))."
    ),
)


def _years() -> list[sac.FinancialYear]:
    current = sac.FinancialYear.containing(clock.today())
    return [sac.FinancialYear(current.start_year - n) for n in range(0, 4)]


def sac_figures(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "safeguarding.sac")
    years = _years()
    try:
        year = sac.FinancialYear.parse(request.GET.get("year") or years[1].label)
    except ValueError as problem:
        return _page(
            request,
            "safeguarding/sac.jinja",
            "Safeguarding Adults Collection",
            400,
            problem=str(problem),
            years=years,
            year=None,
            figures=[],
        )
    return _page(
        request,
        "safeguarding/sac.jinja",
        "Safeguarding Adults Collection",
        years=years,
        year=year,
        figures=sac.figures(year),
        abuse_types=ABUSE_TYPES,
    )


def sac_csv(request: HttpRequest, year: str) -> HttpResponse:
    policy.require(request.user, "safeguarding.sac")
    try:
        fy = sac.FinancialYear.parse(year)
    except ValueError as problem:
        raise Http404(str(problem)) from problem
    body = sac.as_csv(fy, sac.figures(fy))
    from django.db import transaction

    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            object_type="safeguarding.sac",
            object_id=fy.label,
            details={"figures": "counts only"},
        )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sac-{fy.label}.csv"'
    return response
