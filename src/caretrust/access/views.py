"""The privacy officer's pages: break-glass accesses to review, and the audit log by person."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent, BreakGlassAccess, PrivacyAlert
from caretrust.access.services import acknowledge_alert, review_break_glass

PAGE_SIZE = 50


def break_glass_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "access.review_break_glass")
    accesses = BreakGlassAccess.objects.select_related(
        "user__organisation", "person", "reviewed_by"
    )
    to_review = accesses.filter(reviewed_at__isnull=True).order_by("started_at")
    reviewed = list(accesses.filter(reviewed_at__isnull=False).order_by("-reviewed_at")[:20])
    to_review = list(to_review)
    audit.people_shown(
        actor=request.user,
        objects=[*to_review, *reviewed],
        object_type="access.break_glass_review",
    )
    context = {
        "page_title": "Break-glass reviews",
        "to_review": to_review,
        "reviewed": reviewed,
        "outcomes": BreakGlassAccess.ReviewOutcome.choices,
        "alerts": PrivacyAlert.objects.filter(acknowledged_at__isnull=True).select_related("user"),
    }
    return render(request, "access/break_glass_list.jinja", context)


@require_POST
def break_glass_review(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_object_or_404(BreakGlassAccess, pk=pk)
    try:
        review_break_glass(
            actor=request.user,
            access=access,
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Review recorded for {access.user}'s access to {access.person}.")
    return redirect("access:break_glass")


@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(PrivacyAlert, pk=pk)
    acknowledge_alert(actor=request.user, alert=alert)
    messages.success(request, f"Alert about {alert.user} marked as dealt with.")
    return redirect("access:break_glass")


def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what, filtered by person (a person's ref) or user name: 'who looked at my record'."""
    policy.require(request.user, "access.view_audit")
    person_ref = request.GET.get("person", "").strip()
    username = request.GET.get("user", "").strip()
    events = AuditEvent.objects.select_related("organisation")
    if person_ref:
        events = events.about_person(person_ref)
    if username:
        events = events.filter(actor_username=username)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_title": "Audit log", "page": page, "person": person_ref, "user": username}
    return render(request, "access/audit_log.jinja", context)
