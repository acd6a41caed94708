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
