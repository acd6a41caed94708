"""Reads of secure messages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caretrust.messaging.models import Message, Receipt
from caretrust.organisations.models import User


def unread_count(user: User) -> int:
    """One query: the header shows it on every page."""
    return Receipt.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user: User) -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(user=user)
        .select_related(
            "message",
            "message__person",
            "message__sender",
            "message__recipient_user",
            "message__recipient_team",
        )
        .order_by("-message__sent_at", "-id")
    )


def sent_by(user: User) -> QuerySet[Message]:
    return (
        Message.objects.filter(sender=user)
        .select_related("person", "recipient_user", "recipient_team")
        .order_by("-sent_at", "-id")
    )


def messages_about(user: User, person) -> QuerySet[Message]:
    """Messages about the person that the user sent or received, newest first."""
    return (
        Message.objects.filter(Q(sender=user) | Q(receipts__user=user), person=person)
        .select_related("sender", "recipient_user", "recipient_team")
        .distinct()
        .order_by("-sent_at", "-id")
    )


def conversation(message: Message) -> list[Message]:
    thread = message.thread_id or message.pk
    return list(
        Message.objects.filter(Q(pk=thread) | Q(thread_id=thread))
        .select_related("sender", "recipient_user", "recipient_team")
        .order_by("sent_at", "id")
    )
