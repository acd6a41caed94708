from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.timezone import localtime

from caretrust.subscriptions.models import Delivery

TAG = {
    Delivery.Status.PENDING: "nhsuk-tag--grey",
    Delivery.Status.RETRYING: "nhsuk-tag--orange",
    Delivery.Status.DELIVERED: "nhsuk-tag--green",
    Delivery.Status.DEAD: "nhsuk-tag--red",
    Delivery.Status.DISMISSED: "nhsuk-tag--grey",
    Delivery.Status.SKIPPED: "nhsuk-tag--grey",
}


def delivery_row(delivery: Delivery) -> dict:
    subscription = delivery.subscription
    return {
        "uuid": str(delivery.uuid),
        "client": subscription.client.name,
        "organisation": subscription.organisation.name,
        # the host only: the path may carry a token of the receiver's
        "endpoint": urlsplit(subscription.endpoint).netloc,
        "subscription": str(subscription.uuid),
        "subscription_status": subscription.get_status_display(),
        "referral": delivery.referral.reference,
        "task_status": delivery.task_status,
        "status": delivery.get_status_display(),
        "tag": TAG[delivery.status],
        "attempts": delivery.attempts,
        "error": delivery.last_error,
        "created_at": localtime(delivery.created_at),
        "next_attempt_at": localtime(delivery.next_attempt_at)
        if delivery.next_attempt_at
        else None,
        "job_url": reverse("jobs:detail", kwargs={"pk": delivery.job_id})
        if delivery.job_id
        else "",
        "retry_url": reverse("subscriptions:retry", kwargs={"uuid": delivery.uuid}),
        "dismiss_url": reverse("subscriptions:dismiss", kwargs={"uuid": delivery.uuid}),
    }
