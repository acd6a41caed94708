"""Reads of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.notifications.models import Notification
from caretrust.organisations.models import User


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def unread_count(user: User) -> int:
    return unread(user).count()


def recent(user: User, limit: int = 100) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]
