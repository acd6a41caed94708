"""Emails go through the background job runner (ADR 48) so a slow mail server never slows a page."""

from __future__ import annotations

from django.utils import timezone

try:  # Django 6 ships the API; before it, the django-tasks backport provides the same one.
    from django.tasks import task  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Django 5.2
    from django_tasks import task


@task()
def send_notification_email(notification_id: int) -> bool:
    from caretrust.notifications import emails
    from caretrust.notifications.models import Notification

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    sent = emails.send(notification)
    if sent:
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return sent
