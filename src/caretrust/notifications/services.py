"""Raising notifications (other areas' services call `notify`) and each user's email choices."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.notifications.models import EMAIL_BY_DEFAULT, EmailChoice, Kind, Notification
from caretrust.organisations.models import Team, User


def wants_email(user: User, kind: str) -> bool:
    choice = EmailChoice.objects.filter(user=user, kind=kind).values_list("by_email", flat=True)
    return next(iter(choice), kind in EMAIL_BY_DEFAULT)


def email_choices(user: User) -> dict[str, bool]:
    """Every kind with the user's choice (their saved one, else the default)."""
    saved = dict(EmailChoice.objects.filter(user=user).values_list("kind", "by_email"))
    return {kind: saved.get(kind, kind in EMAIL_BY_DEFAULT) for kind in Kind.values}


@transaction.atomic
def set_email_choices(*, actor: User, by_email: Iterable[str]) -> dict[str, bool]:
    policy.require(actor, "notifications.settings")
    chosen = set(by_email)
    for kind in Kind.values:
        EmailChoice.objects.update_or_create(
            user=actor, kind=kind, defaults={"by_email": kind in chosen}
        )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="notifications.emailchoice",
        object_id=str(actor.pk),
        details={"by_email": sorted(chosen & set(Kind.values))},
    )
    return email_choices(actor)


def team_members(team: Team, *, exclude: User | None = None) -> list[User]:
    members = User.objects.filter(team_memberships__team=team, is_active=True).distinct()
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    return list(members)


def notify(users: Iterable[User], *, kind: str, text: str, link: str = "") -> list[Notification]:
    """Tell each user that something waits for them. `text` must not name the person it is about:
    it shows in lists that are not audited per person and may go by email (see `emails`).
    Emails go after the change commits, through the background job runner (ADR 48)."""
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    if not recipients:
        return []
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(user=user, kind=kind, text=text[:300], link=link, created_at=now)
            for user in recipients.values()
        ]
    )
    saved = dict(
        EmailChoice.objects.filter(user_id__in=recipients, kind=kind).values_list(
            "user_id", "by_email"
        )
    )
    # bulk_create returns primary keys on PostgreSQL and SQLite (RETURNING).
    to_email = [
        n.pk
        for n in created
        if recipients[n.user_id].email and saved.get(n.user_id, kind in EMAIL_BY_DEFAULT)
    ]
    if to_email:
        from caretrust.notifications.tasks import send_notification_email

        transaction.on_commit(
            lambda: [send_notification_email.enqueue(pk) for pk in to_email]  # type: ignore[func-returns-value]
        )
    return created


def notify_team(team: Team, *, kind: str, text: str, link: str = "", exclude=None) -> list:
    return notify(team_members(team, exclude=exclude), kind=kind, text=text, link=link)


def mark_read(*, actor: User, notification: Notification | None = None) -> int:
    """Mark one notification (or all of the user's) read. Only the user's own."""
    unread = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())
