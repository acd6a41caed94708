"""A person's entitlements to free care: see what is current, record s117 aftercare or a
reablement episode."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from caretrust.access import policy
from caretrust.entitlements import forms, selectors, services
from caretrust.people.models import Person
from caretrust.ui.forms import add_form_errors


def person(request: HttpRequest, ref) -> HttpResponse:
    subject = get_object_or_404(Person, ref=ref)
    policy.require(request.user, "entitlements.view", subject)
    s117_form, reablement_form = forms.S117Form(), forms.ReablementForm()
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = (
            forms.S117Form(request.POST) if kind == "s117" else forms.ReablementForm(request.POST)
        )
        if form.is_valid():
            try:
                if kind == "s117":
                    services.record_s117(actor=request.user, person=subject, **form.values())
                else:
                    services.start_reablement(actor=request.user, person=subject, **form.values())
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "Entitlement recorded.")
                return redirect("entitlements:person", subject.ref)
        if kind == "s117":
            s117_form = form
        else:
            reablement_form = form
    shown = selectors.entitlements_of(subject, viewer=request.user)  # audits the read (ADR 101)
    if shown is None:
        raise PermissionDenied("You may not see this person's record.")
    return render(
        request,
        "entitlements/person.jinja",
        {
            "page_title": f"Free care entitlements: {subject.display_name}",
            "person": subject,
            "s117": shown.s117,
            "reablement": shown.reablement,
            "current_s117": shown.current_s117,
            "s117_form": s117_form,
            "reablement_form": reablement_form,
        },
    )
