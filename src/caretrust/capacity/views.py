"""Capacity pages: record a capacity assessment, a best-interests decision, an LPA or deputy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from caretrust.access import policy
from caretrust.capacity import forms, selectors, services
from caretrust.capacity.mca import FUNCTIONAL_ABILITIES
from caretrust.capacity.models import CapacityAssessment
from caretrust.organisations.models import User
from caretrust.people.models import Person
from caretrust.ui.forms import add_form_errors


def _person(request, ref, action: str) -> Person:
    # The form names the person: a read of their record, audited by the selector.
    return selectors.person_for_form(request.user, ref, action)


def _page(request, template: str, title: str, status: int = 200, **context) -> HttpResponse:
    return render(request, template, {"page_title": title, **context}, status=status)


def new(request: HttpRequest, ref: str) -> HttpResponse:
    person = _person(request, ref, "capacity.assess")
    form = forms.CapacityAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found = services.record_capacity_assessment(
                actor=request.user,
                person=person,
                decision=data["decision"],
                category=data["category"],
                practicable_steps=data["practicable_steps"],
                impairment=data["impairment"] == "yes",
                impairment_details=data["impairment_details"],
                unable_to=set(data["unable_to"]),
                functional_details=data["functional_details"],
                assessed_on=data["assessed_on"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "The capacity assessment is recorded.")
            return redirect("capacity:assessment", found.uuid)
    return _page(
        request,
        "capacity/new.jinja",
        f"Record a capacity assessment: {person.display_name}",
        400 if form.errors else 200,
        form=form,
        person=person,
    )


def assessment(request: HttpRequest, uuid: str) -> HttpResponse:
    found = selectors.assessment(request.user, uuid)
    return _page(
        request,
        "capacity/assessment.jinja",
        f"Capacity assessment: {found.person.display_name}",
        assessment=found,
        abilities=[(text, key in found.unable_to) for key, text in FUNCTIONAL_ABILITIES.items()],
        can_decide=found.lacks_capacity
        and bool(policy.decide(request.user, "capacity.best_interests", found.person)),
    )


def new_best_interests(request: HttpRequest, ref: str) -> HttpResponse:
    person = _person(request, ref, "capacity.best_interests")
    lacking = list(CapacityAssessment.objects.filter(person=person, lacks_capacity=True))
    initial = {"capacity_assessment": request.GET.get("assessment", "")}
    form = forms.BestInterestsForm(request.POST or None, assessments=lacking, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next(a for a in lacking if str(a.uuid) == data["capacity_assessment"])
        try:
            found = services.record_best_interests(
                actor=request.user,
                capacity_assessment=chosen,
                decision=data["decision"],
                wishes_and_feelings=data["wishes_and_feelings"],
                consulted=data["consulted"],
                less_restrictive_options=data["less_restrictive_options"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "The best-interests decision is recorded.")
            return redirect("capacity:best_interests", found.uuid)
    return _page(
        request,
        "capacity/new_best_interests.jinja",
        f"Record a best-interests decision: {person.display_name}",
        400 if form.errors else 200,
        form=form,
        person=person,
        has_assessment=bool(lacking),
    )


def best_interests(request: HttpRequest, uuid: str) -> HttpResponse:
    found = selectors.best_interests(request.user, uuid)
    return _page(
        request,
        "capacity/best_interests.jinja",
        f"Best-interests decision: {found.person.display_name}",
        decision=found,
    )


def _portal_users(person: Person) -> list[User]:
    # Through the reverse relation: capacity sits below the portal (the portal reads who may act).
    return [
        account.user
        for account in person.portal_accounts.filter(
            relationship="carer", revoked_at__isnull=True
        ).select_related("user")
    ]


def new_authority(request: HttpRequest, ref: str) -> HttpResponse:
    person = _person(request, ref, "capacity.record_authority")
    portal_users = _portal_users(person)
    form = forms.AuthorityForm(request.POST or None, portal_users=portal_users)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found = services.record_authority(
                actor=request.user,
                person=person,
                kind=data["kind"],
                holder_name=data["holder_name"],
                holder_relationship=data["holder_relationship"],
                registered_on=data["registered_on"],
                reference=data["reference"],
                scope_notes=data["scope_notes"],
                life_sustaining_treatment=data["life_sustaining_treatment"],
                holder_user=next(
                    (u for u in portal_users if str(u.pk) == data["holder_user"]), None
                ),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "The power of attorney or deputyship is recorded.")
            return redirect("capacity:authority", found.uuid)
    return _page(
        request,
        "capacity/new_authority.jinja",
        f"Record a lasting power of attorney: {person.display_name}",
        400 if form.errors else 200,
        form=form,
        person=person,
    )


def authority(request: HttpRequest, uuid: str) -> HttpResponse:
    found = selectors.authority(request.user, uuid)
    return _page(
        request,
        "capacity/authority.jinja",
        f"{found.get_kind_display()}: {found.person.display_name}",
        authority=found,
    )
