"""The person page, "About me", people search and break-glass. Thin: decisions in access.policy,
writes in services, page values in presenters."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent, BreakGlassLimit
from caretrust.access.services import break_glass as open_break_glass
from caretrust.people import nhs_number
from caretrust.people.models import Person, PersonIdentifier
from caretrust.people.selectors import record_people_ids
from caretrust.record import presenters, selectors, services
from caretrust.record.forms import AboutMeForm, BreakGlassForm, QuarantineForm, SearchForm
from caretrust.record.models import Sector
from caretrust.ui.forms import add_form_errors

TIMELINE_PAGE_SIZE = 25


def search(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "people.find")
    form = SearchForm(request.GET or None)
    rows = None
    if form.is_bound and form.is_valid():
        people = list(
            selectors.search_people(  # audits the people it fetches (ADR 89)
                viewer=request.user,
                name=form.cleaned_data["name"],
                nhs=form.cleaned_data["nhs_number"],
                birth_date=form.cleaned_data["birth_date"],
            )[:50]
        )
        numbers = dict(
            PersonIdentifier.objects.filter(
                person__in=people, system=nhs_number.SYSTEM
            ).values_list("person_id", "value")
        )
        rows = presenters.search_rows(people, numbers)
    return render(
        request, "record/search.jinja", {"form": form, "rows": rows, "page_title": "Find a person"}
    )


def _refused(request, person: Person, reason: str, form: BreakGlassForm | None = None):
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.ACCESS_DENIED,
        obj=person,
        person_ref=person.audit_ref,
        reason=reason,
    )
    context = {
        "person_ref": str(person.ref),
        "reason": reason,
        "can_break_glass": bool(policy.decide(request.user, "people.break_glass", person)),
        "form": form or BreakGlassForm(),
        "justifications": BreakGlassForm.base_fields["justification"].choices,
        "minimum_reason_length": BreakGlassLimit.current().minimum_reason_length,
        "page_title": "You cannot see this record",
    }
    return render(request, "record/refused.jinja", context, status=403)


def person(request: HttpRequest, ref) -> HttpResponse:
    person = get_object_or_404(selectors.people_for_record(), ref=ref)
    if person.merged_into_id:
        return redirect("record:person", ref=person.survivor().ref)
    decision = policy.decide(request.user, "people.view_record", person)
    if not decision.allowed:
        return _refused(request, person, decision.reason)
    audit.remember_read_decision(request.user, person, decision)  # the hub's selectors reuse it
    sector = request.GET.get("sector", "")
    sector = sector if sector in Sector.values else ""
    kind = request.GET.get("type", "")[:64]
    person_ids = record_people_ids(person)
    # The timeline records the page's read row; the hub's selectors add their parts to it
    # (ADR 101, ADR 107).
    timeline = selectors.timeline_page(
        person,
        person_ids,
        viewer=request.user,
        sector=sector,
        kind=kind,
        page=request.GET.get("page"),
        per_page=TIMELINE_PAGE_SIZE,
        reason=decision.reason,
    )
    alerts, carers = selectors.alerts_and_carers(person, person_ids, viewer=request.user)
    page = presenters.person_page(
        person=person,
        person_ids=person_ids,
        events=timeline.events,
        kinds=timeline.kinds,
        sector=sector,
        kind=kind,
        alerts=alerts,
        carers=carers,
        about=selectors.current_about_me(person, viewer=request.user),
        access_basis=decision.reason,
        can_edit=bool(policy.decide(request.user, "people.edit_record", person)),
        can_unmerge=bool(policy.decide(request.user, "people.unmerge")),
    )
    from caretrust.record import hub

    return render(
        request,
        "record/person.jinja",
        {
            "page": page,
            "page_title": page.name,
            "hub": hub.sections_for(request.user, person),
            "hub_alerts": hub.alerts_for(request.user, person, decision.basis),
            "can_correct": bool(policy.decide(request.user, "people.correct_demographics", person)),
        },
    )


def about_me(request: HttpRequest, ref) -> HttpResponse:
    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    policy.require(request.user, "people.edit_record", person)
    current = selectors.current_about_me(person, viewer=request.user)  # audits the read
    if request.method == "POST":
        form = AboutMeForm(request.POST)
        if form.is_valid():
            services.save_about_me(actor=request.user, person=person, **form.cleaned_data)
            return redirect("record:person", ref=person.ref)
    else:
        initial = {}
        if current:
            initial = {
                k: getattr(current, k)
                for k in ("what_matters", "communication", "lives_with", "carer")
            }
        form = AboutMeForm(initial=initial)
    return render(
        request,
        "record/about_me.jinja",
        {
            "form": form,
            "person_ref": str(person.ref),
            "name": person.display_name,
            "page_title": f"About me: {person.display_name}",
        },
    )


@require_POST
def break_glass(request: HttpRequest, ref) -> HttpResponse:
    person = get_object_or_404(Person, ref=ref)
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        try:
            open_break_glass(
                actor=request.user,
                person=person,
                justification=form.cleaned_data["justification"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        except PermissionDenied as exc:
            return _refused(request, person, str(exc))
        else:
            return redirect("record:person", ref=person.ref)
    decision = policy.decide(request.user, "people.view_record", person)
    return _refused(request, person, decision.reason, form)


# ------------------------------------------------------------------------------- quarantine


def quarantine(request: HttpRequest) -> HttpResponse:
    """Resources about someone the importer could not identify: served to nobody until resolved."""
    policy.require(request.user, "record.data_quality")
    page = Paginator(selectors.quarantined_resources(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "record/quarantine.jinja",
        {"page": page, "page_title": "Records in quarantine"},
    )


def quarantined_resource(request: HttpRequest, pk: int) -> HttpResponse:
    # 403, 404, or the resource with its read recorded (ADR 107); also when a form comes back.
    resource = selectors.quarantined_resource_for(request.user, pk)
    form = QuarantineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "attach":
                target = form.cleaned_data["person"]
                services.attach_quarantined(
                    actor=request.user,
                    resource=resource,
                    person=target,
                    note=form.cleaned_data["reason"],
                )
                messages.success(
                    request, f"{resource.resource_type} attached to {target.display_name}'s record."
                )
            else:
                services.reject_quarantined(
                    actor=request.user, resource=resource, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request, f"{resource.resource_type} rejected: it will not be served."
                )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return redirect("record:quarantine")
    return render(
        request,
        "record/quarantined_resource.jinja",
        {
            "resource": resource,
            "content": json.dumps(resource.content, indent=2, sort_keys=True),
            "form": form,
            "page_title": f"Quarantined {resource.resource_type}",
        },
    )
