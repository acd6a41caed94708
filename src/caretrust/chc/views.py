"""NHS Continuing Healthcare pages: the worklist (open cases on the 28-day clock, reviews due,
the 28-day report), a person's CHC (checklist, Fast Track, funded nursing care) and one case
(the DST, the ICB's decision, reviews). Thin: reads in selectors, writes in services."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust import clock
from caretrust.access import policy
from caretrust.chc import forms, presenters, rules, selectors, services
from caretrust.chc.models import ChcCase
from caretrust.people.models import Person
from caretrust.ui.forms import submit_form


def _year_start(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def worklist(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    rows, due = selectors.worklist(request.user, today)
    form = forms.ReportForm(request.GET or {"start": _year_start(today), "end": today})
    report = None
    if form.is_valid():
        report = selectors.clock_report(
            request.user, form.cleaned_data["start"], form.cleaned_data["end"], today
        )
    return render(
        request,
        "chc/worklist.jinja",
        {
            "page_title": "NHS Continuing Healthcare",
            "rows": rows,
            "due": due,
            "today": today,
            "form": form,
            "report": report,
            "clock_days": rules.CLOCK_DAYS,
        },
    )


def person(request: HttpRequest, ref) -> HttpResponse:
    subject = get_object_or_404(Person, ref=ref)
    return _render_person(request, subject)


def _render_person(request, subject, checklist_form=None, fast_track_form=None, fnc_form=None):
    found = selectors.person_chc(request.user, subject)
    today = clock.today()
    return render(
        request,
        "chc/person.jinja",
        {
            "page_title": f"NHS Continuing Healthcare: {subject.display_name}",
            "person": subject,
            "cases": [presenters.case_summary(c, today) for c in found["cases"]],
            "fnc": found["fnc"],
            "current": found["current"],
            "can_record": bool(policy.decide(request.user, "chc.record", subject)),
            "checklist_form": checklist_form
            or forms.ChecklistForm(initial={"completed_on": today, "received_on": today}),
            "fast_track_form": fast_track_form or forms.FastTrackForm(),
            "fnc_form": fnc_form or forms.FncForm(initial={"start": today}),
        },
    )


def _checklist_recorded(case: ChcCase) -> str:
    outcome = "positive. The 28-day clock has started." if case.checklist_positive else "negative."
    return "Checklist recorded: " + outcome


def _to_case(case: ChcCase) -> HttpResponse:
    return redirect("chc:case", case.uuid)


@require_POST
def checklist(request: HttpRequest, ref) -> HttpResponse:
    subject = get_object_or_404(Person, ref=ref)
    return submit_form(
        request,
        forms.ChecklistForm(request.POST),
        lambda form: services.record_checklist(actor=request.user, person=subject, **form.values()),
        success=_checklist_recorded,
        then=_to_case,
        again=lambda form: _render_person(request, subject, checklist_form=form),
    )


@require_POST
def fast_track(request: HttpRequest, ref) -> HttpResponse:
    subject = get_object_or_404(Person, ref=ref)
    return submit_form(
        request,
        forms.FastTrackForm(request.POST),
        lambda form: services.refer_fast_track(
            actor=request.user, person=subject, **form.cleaned_data
        ),
        success="Fast Track referral sent to the ICB.",
        then=_to_case,
        again=lambda form: _render_person(request, subject, fast_track_form=form),
    )


@require_POST
def fnc(request: HttpRequest, ref) -> HttpResponse:
    subject = get_object_or_404(Person, ref=ref)
    return submit_form(
        request,
        forms.FncForm(request.POST),
        lambda form: services.record_fnc(actor=request.user, person=subject, **form.cleaned_data),
        success="Funded nursing care recorded.",
        then=lambda _fnc: redirect("chc:person", subject.ref),
        again=lambda form: _render_person(request, subject, fnc_form=form),
    )


def case(request: HttpRequest, uuid) -> HttpResponse:
    return _render_case(request, selectors.case(request.user, uuid))


def _render_case(request, found: ChcCase, dst_form=None, decision_form=None, review_form=None):
    today = clock.today()
    status = found.status
    return render(
        request,
        "chc/case.jinja",
        {
            "page_title": f"NHS Continuing Healthcare case: {found.person.display_name}",
            "case": found,
            "summary": presenters.case_summary(found, today),
            "checklist_rows": presenters.checklist_rows(found),
            "dst_rows": presenters.dst_rows(found),
            "reviews": list(found.reviews.all()),
            "pending_review": found.reviews.filter(done_on__isnull=True).first(),
            "can_dst": status == "awaiting_dst"
            and bool(policy.decide(request.user, "chc.record", found)),
            "can_decide": status in ("awaiting_decision", "fast_track")
            and bool(policy.decide(request.user, "chc.decide", found)),
            "can_review": status == "eligible"
            and bool(policy.decide(request.user, "chc.record", found)),
            "dst_form": dst_form or forms.DstForm(initial={"completed_on": today}),
            "decision_form": decision_form or forms.DecisionForm(initial={"decided_on": today}),
            "review_form": review_form or forms.ReviewForm(initial={"done_on": today}),
        },
    )


def _case_for_write(request, uuid) -> ChcCase:
    found = get_object_or_404(ChcCase.objects.select_related("person"), uuid=uuid)
    policy.require(request.user, "chc.view", found)
    return found


@require_POST
def dst(request: HttpRequest, uuid) -> HttpResponse:
    found = _case_for_write(request, uuid)
    return submit_form(
        request,
        forms.DstForm(request.POST),
        lambda form: services.record_dst(actor=request.user, case=found, **form.values()),
        success="Assessment recorded. The ICB decides next.",
        then=lambda _dst: _to_case(found),
        again=lambda form: _render_case(request, found, dst_form=form),
    )


@require_POST
def decide(request: HttpRequest, uuid) -> HttpResponse:
    found = _case_for_write(request, uuid)
    return submit_form(
        request,
        forms.DecisionForm(request.POST),
        lambda form: services.decide(actor=request.user, case=found, **form.cleaned_data),
        success="Decision recorded.",
        then=lambda _decision: _to_case(found),
        again=lambda form: _render_case(request, found, decision_form=form),
    )


@require_POST
def review(request: HttpRequest, uuid) -> HttpResponse:
    found = _case_for_write(request, uuid)

    def write(form) -> None:
        pending = found.reviews.filter(done_on__isnull=True).first()
        if pending is None:
            raise ValidationError("No review is due for this case.")
        services.record_review(actor=request.user, review=pending, **form.cleaned_data)

    return submit_form(
        request,
        forms.ReviewForm(request.POST),
        write,
        success="Review recorded.",
        then=lambda _review: _to_case(found),
        again=lambda form: _render_case(request, found, review_form=form),
    )
