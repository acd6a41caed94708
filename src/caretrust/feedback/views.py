from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from caretrust.access import policy
from caretrust.feedback.forms import SurveyForm
from caretrust.feedback.services import ACTION, submit_response
from caretrust.feedback.surveys import SURVEYS
from caretrust.ui.forms import add_form_errors


def _survey(request: HttpRequest, key: str, url_name: str) -> HttpResponse:
    policy.require(request.user, ACTION[key])
    survey = SURVEYS[key]
    if request.method == "POST":
        form = SurveyForm(request.POST, survey=survey)
        if form.is_valid():
            try:
                submit_response(actor=request.user, survey=key, answers=form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(
                    request,
                    "Thank you: your answers are counted for this month. You can change them "
                    "until the month ends.",
                )
                return redirect(url_name)
    else:
        form = SurveyForm(survey=survey)
    return render(
        request,
        "feedback/survey.jinja",
        {"page_title": survey.title, "survey": survey, "form": form},
    )


def experience(request: HttpRequest) -> HttpResponse:
    return _survey(request, "experience", "feedback:experience")


def pulse(request: HttpRequest) -> HttpResponse:
    return _survey(request, "pulse", "feedback:pulse")


def scorecard(request: HttpRequest) -> HttpResponse:
    from caretrust.feedback.presenters import scorecard_view

    policy.require(request.user, "feedback.scorecard")
    return render(
        request, "feedback/scorecard.jinja", {"page_title": "Scorecard", **scorecard_view()}
    )
