"""Notifications are the user's own: any signed-in staff member sees theirs and sets which come
by email. They name nobody (ADR 71), so they need no relationship with a person."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.ui import navigation

STAFF = {
    Role.COORDINATOR,
    Role.PRACTITIONER,
    Role.FINANCE_OFFICER,
    Role.ANALYST,
    Role.PRIVACY_OFFICER,
    Role.ADMINISTRATOR,
}
policy.register("notifications.view", "see your notifications", STAFF)
policy.register("notifications.settings", "choose which notifications come by email", STAFF)


def _unread(user) -> QuerySet:
    from caretrust.notifications.selectors import unread

    return unread(user)


# Beside the user's name: they are about the user, and the menu must stay one line wide.
navigation.register(
    "Notifications",
    "notifications:list",
    "notifications.view",
    order=8,
    count=_unread,
    place="account",
)
navigation.register(
    "Settings", "notifications:settings", "notifications.settings", order=95, place="account"
)
