from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.subscriptions import presenters, selectors, services
from caretrust.subscriptions.models import Delivery


def deliveries(request: HttpRequest) -> HttpResponse:
    dead, recent = selectors.deliveries_for_admin(request.user)
    return render(
        request,
        "subscriptions/deliveries.jinja",
        {
            "page_title": "Subscription deliveries",
            "dead": [presenters.delivery_row(d) for d in dead],
            "recent": [presenters.delivery_row(d) for d in recent],
        },
    )


def _act(request: HttpRequest, uuid, action, done: str) -> HttpResponse:
    policy.require(request.user, "subscriptions.manage")
    delivery = get_object_or_404(Delivery.objects.select_related("subscription"), uuid=uuid)
    try:
        delivery = action(actor=request.user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(status=delivery.get_status_display().lower()))
    return redirect("subscriptions:deliveries")


@require_POST
def retry(request: HttpRequest, uuid) -> HttpResponse:
    return _act(request, uuid, services.retry, "Delivery sent again: it is now {status}.")


@require_POST
def dismiss(request: HttpRequest, uuid) -> HttpResponse:
    return _act(request, uuid, services.dismiss, "Dead letter dismissed.")
