"""The linkage review queue (pairs the model was unsure about, with their match weights) and the
merges of a person's record, each of which a reviewer can undo."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from caretrust.access import policy
from caretrust.people import selectors, services
from caretrust.people.forms import UnmergeForm
from caretrust.people.models import Person
from caretrust.people.presenters import candidate_view, merge_view

RECENT_MERGES = 10


def review_queue(request: HttpRequest) -> HttpResponse:
    page = selectors.review_queue_page(request.user, request.GET.get("page"))
    recent = []
    if policy.decide(request.user, "people.unmerge"):
        recent = [
            merge_view(m) for m in selectors.recent_merges(RECENT_MERGES, viewer=request.user)
        ]
    return render(
        request,
        "people/link_queue.jinja",
        {
            "candidates": [candidate_view(c) for c in page],
            "count": page.paginator.count,
            "recent_merges": recent,
            "page_title": "Possible matches to review",
        },
    )


def person_merges(request: HttpRequest, ref) -> HttpResponse:
    """Every merge into a person's record, standing or undone, with a way to undo each."""
    policy.require(request.user, "people.unmerge")
    person = get_object_or_404(Person, ref=ref)
    if person.merged_into_id:
        return redirect("people:person_merges", ref=person.survivor().ref)
    merges = [merge_view(m) for m in selectors.merges_into_record(person, viewer=request.user)]
    return render(
        request,
        "people/merges.jinja",
        {
            "name": person.display_name,
            "person_ref": str(person.ref),
            "can_view_record": bool(policy.decide(request.user, "people.view_record", person)),
            "merges": merges,
            "page_title": f"Merged records: {person.display_name}",
        },
    )


def undo_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm with a reason, then un-merge (the service authorises and audits)."""
    merge = selectors.merge_to_undo(request.user, pk)
    if merge.undone_at is not None:
        messages.info(request, "That merge has already been undone.")
        return redirect("people:person_merges", ref=merge.survivor.ref)
    form = UnmergeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            restored = services.unmerge(
                actor=request.user, merge=merge, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request,
                f"Merge undone: {restored.display_name} and {merge.survivor.display_name} are "
                "separate records again, each with their own history.",
            )
            return redirect("people:person_merges", ref=merge.survivor.ref)
    view = merge_view(merge)
    return render(
        request,
        "people/unmerge.jinja",
        {"m": view, "form": form, "page_title": "Undo a merge"},
    )


def review_candidate(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.candidate_for_review(request.user, pk)
    error = ""
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision in ("same", "different"):
            try:
                services.decide_link(
                    actor=request.user, candidate=candidate, same_person=decision == "same"
                )
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                return redirect("people:link_queue")
        else:
            error = "Choose whether these records are the same person"
    return render(
        request,
        "people/link_candidate.jinja",
        {"c": candidate_view(candidate), "error": error, "page_title": "Review a possible match"},
    )


def correct_details(request: HttpRequest, ref) -> HttpResponse:
    """Correct a person's demographics (name, date of birth, sex, address, phone): a new version
    of the person, audited with the reason (ADR 72)."""
    from caretrust.people.demographics import CorrectDemographicsForm
    from caretrust.ui.forms import add_form_errors

    person = selectors.person_to_correct(request.user, ref)
    if request.method == "POST":
        form = CorrectDemographicsForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.correct_demographics(
                    actor=request.user,
                    person=person,
                    expected_version=data.pop("version"),
                    reason=data.pop("reason"),
                    **data,
                )
            except services.StaleVersion:
                person.refresh_from_db()
                form.add_error(
                    None,
                    "Someone changed these details after you opened the page. Your correction "
                    "was not saved: check their change and make yours again.",
                )
                fresh = form.data.copy()
                fresh["version"] = person.version
                form.data = fresh
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "Their details are corrected.")
                return redirect("record:person", ref=person.ref)
    else:
        form = CorrectDemographicsForm(
            initial={
                "version": person.version,
                **{name: getattr(person, name) for name in services.CORRECTABLE_FIELDS},
            }
        )
    return render(
        request,
        "people/correct_details.jinja",
        {"page_title": f"Correct details: {person.display_name}", "person": person, "form": form},
    )
