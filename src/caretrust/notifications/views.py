"""Notification pages: the list (mark read) and the email settings. Thin: services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.notifications import forms, selectors, services
from caretrust.notifications.models import Kind, Notification


def notification_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "notifications.view")
    items = [
        (n, f"{timezone.localtime(n.created_at):%d %b %Y %H:%M}")
        for n in selectors.recent(request.user)
    ]
    return render(
        request,
        "notifications/list.jinja",
        {
            "page_title": "Notifications",
            "items": items,
            "unread": sum(1 for n, _ in items if n.read_at is None),
        },
    )


@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go where it points (the page there authorises and audits)."""
    policy.require(request.user, "notifications.view")
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.mark_read(actor=request.user, notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:list")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "notifications.view")
    count = services.mark_read(actor=request.user)
    messages.success(request, f"{count} marked as read." if count else "Nothing was unread.")
    return redirect("notifications:list")


def settings_page(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "notifications.settings")
    if request.method == "POST":
        form = forms.EmailChoicesForm(request.POST)
        if form.is_valid():
            services.set_email_choices(actor=request.user, by_email=form.cleaned_data["by_email"])
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:settings")
    else:
        chosen = [k for k, on in services.email_choices(request.user).items() if on]
        form = forms.EmailChoicesForm(initial={"by_email": chosen})
    return render(
        request,
        "notifications/settings.jinja",
        {
            "page_title": "Notification settings",
            "form": form,
            "kinds": Kind.choices,
            "has_email": bool(request.user.email),
        },
    )
