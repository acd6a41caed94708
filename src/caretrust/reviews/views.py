"""Review pages: the team's reviews due and overdue, and one review (record it, or move it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust import clock
from caretrust.access import policy
from caretrust.reviews import forms, selectors, services
from caretrust.reviews.models import Review
from caretrust.ui.forms import submit_form


def due(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "reviews.team_list")
    today = clock.today()
    rows = selectors.team_reviews_due(request.user, today)  # records the people listed
    return render(
        request,
        "reviews/due.jinja",
        {"page_title": "Reviews due and overdue", "rows": rows, "today": today},
    )


def _review(request, uuid) -> Review:
    review = get_object_or_404(
        Review.objects.select_related("person", "plan", "plan__coordinator"), uuid=uuid
    )
    policy.require(request.user, "reviews.view", review)
    return review


def detail(request: HttpRequest, uuid) -> HttpResponse:
    review = selectors.review_for(request.user, uuid)  # 404, 403, or read and recorded
    return _render(request, review)


def _render(request, review, form=None, reschedule_form=None, request_form=None) -> HttpResponse:
    plan = review.plan
    can_record = review.status == Review.Status.SCHEDULED and bool(
        policy.decide(request.user, "reviews.record", review)
    )
    goals = "\n".join(plan.goals.values_list("text", flat=True))
    return render(
        request,
        "reviews/detail.jinja",
        {
            "page_title": f"Review of the care plan: {review.person.display_name}",
            "review": review,
            "plan": plan,
            "goals": list(plan.goals.all()),
            "services": list(plan.services.select_related("provider_organisation")),
            "state": review.window.state_on(clock.today()),
            "can_record": can_record,
            "form": form or forms.ReviewForm(initial={"done_on": clock.today(), "goals": goals}),
            "reschedule_form": reschedule_form or forms.RescheduleForm(),
            "request_form": request_form or forms.RequestForm(),
        },
    )


def _to_review(review: Review):
    return lambda _result: redirect("reviews:detail", review.uuid)


@require_POST
def record(request: HttpRequest, uuid) -> HttpResponse:
    review = _review(request, uuid)
    return submit_form(
        request,
        forms.ReviewForm(request.POST),
        lambda form: services.record_review(actor=request.user, review=review, **form.values()),
        success="Review recorded. The next review is scheduled.",
        then=_to_review(review),
        again=lambda form: _render(request, review, form=form),
    )


@require_POST
def reschedule(request: HttpRequest, uuid) -> HttpResponse:
    review = _review(request, uuid)
    return submit_form(
        request,
        forms.RescheduleForm(request.POST),
        lambda form: services.reschedule(actor=request.user, review=review, **form.cleaned_data),
        success="Review date changed.",
        then=_to_review(review),
        again=lambda form: _render(request, review, reschedule_form=form),
    )


@require_POST
def request_review(request: HttpRequest, uuid) -> HttpResponse:
    review = _review(request, uuid)
    return submit_form(
        request,
        forms.RequestForm(request.POST),
        lambda form: services.request_review(
            actor=request.user, review=review, asked_by=form.cleaned_data["asked_by"]
        ),
        success="The review is brought forward.",
        then=_to_review(review),
        again=lambda form: _render(request, review, request_form=form),
    )
