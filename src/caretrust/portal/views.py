from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from caretrust.access import policy
from caretrust.portal.models import PersonPortalAccount
from caretrust.portal.presenters import portal_home


def home(request: HttpRequest) -> HttpResponse:
    account = PersonPortalAccount.objects.filter(user=request.user, revoked_at__isnull=True).first()
    if account is not None:
        policy.require(request.user, "portal.view_own_care", account.person)
    else:
        policy.require(request.user, "portal.view_own_care")
    page = portal_home(request.user)
    return render(request, page.template, {"page": page, "page_title": page.title})


def financial_assessment_letter(request: HttpRequest) -> HttpResponse:
    """The person's latest financial assessment, explained as in the finance officer's letter."""
    from django.http import Http404

    from caretrust.access import audit
    from caretrust.funding.models import FinancialAssessment
    from caretrust.funding.views import letter_context

    account = PersonPortalAccount.objects.filter(user=request.user, revoked_at__isnull=True).first()
    if account is None:
        policy.require(request.user, "portal.view_own_care")
        raise Http404("No care record is linked to this account.")
    person = account.person.survivor()
    policy.require(request.user, "portal.view_own_care", person)
    assessment = (
        FinancialAssessment.objects.filter(person=person)
        .order_by("-assessed_on", "-recorded_at")
        .first()
    )
    if assessment is None:
        raise Http404("No financial assessment has been recorded yet.")
    audit.record_read(
        actor=request.user,
        obj=assessment,
        person_ref=person.audit_ref,
        details={"page": "portal financial assessment letter"},
    )
    return render(request, "funding/letter.jinja", letter_context(assessment))
