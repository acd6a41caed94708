"""The linkage review queue: pairs the model was unsure about, with their match weights."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from caretrust.access import audit, policy
from caretrust.people import services
from caretrust.people.models import LinkCandidate
from caretrust.people.presenters import candidate_view


def review_queue(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "people.review_links")
    pending = LinkCandidate.objects.filter(status=LinkCandidate.Status.PENDING).select_related(
        "incoming", "existing"
    )
    page = Paginator(pending, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "people/link_queue.jinja",
        {
            "candidates": [candidate_view(c) for c in page],
            "count": page.paginator.count,
            "page_title": "Possible matches to review",
        },
    )


def review_candidate(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "people.review_links")
    candidate = get_object_or_404(
        LinkCandidate.objects.select_related("incoming", "existing"), pk=pk
    )
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
                return redirect("record:link_queue")
        else:
            error = "Choose whether these records are the same person"
    else:
        for person in (candidate.incoming, candidate.existing):
            audit.record_read(
                actor=request.user,
                obj=person,
                person_ref=person.audit_ref,
                reason="linkage review",
            )
    return render(
        request,
        "people/link_candidate.jinja",
        {"c": candidate_view(candidate), "error": error, "page_title": "Review a possible match"},
    )
