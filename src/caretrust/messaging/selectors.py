"""Reads of secure messages."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from caretrust.access import audit
from caretrust.access.relationships import people_with_relationship
from caretrust.messaging.models import Message, Receipt
from caretrust.organisations.models import User


def unread(user: User) -> QuerySet[Receipt]:
    """The user's unread messages' receipts: the header counts them on every page."""
    return Receipt.objects.filter(user=user, read_at__isnull=True)


def unread_count(user: User) -> int:
    return unread(user).count()


def _about_related(viewer: User, rows: list, message_of) -> list:
    """The rows whose message is about someone `viewer` has a relationship with (one check for
    the whole list)."""
    related = people_with_relationship(viewer, [message_of(r).person for r in rows])
    return [r for r in rows if message_of(r).person_id in related]


def inbox(viewer: User, *, fetch: int = 200) -> list[Receipt]:
    """Messages to the viewer, newest first, about people they still have a relationship with;
    the read of each person named is recorded (ADR 101)."""
    receipts = list(
        Receipt.objects.filter(user=viewer)
        .select_related(
            "message",
            "message__person",
            "message__sender",
            "message__recipient_user",
            "message__recipient_team",
        )
        .order_by("-message__sent_at", "-id")[:fetch]
    )
    shown = _about_related(viewer, receipts, lambda r: r.message)
    audit.people_shown(
        actor=viewer, objects=[r.message for r in shown], object_type="messaging.inbox"
    )
    return shown


def sent_by(viewer: User, *, fetch: int = 100) -> list[Message]:
    """Messages the viewer sent, newest first, about people they still have a relationship
    with; audited."""
    sent = list(
        Message.objects.filter(sender=viewer)
        .select_related("person", "recipient_user", "recipient_team")
        .order_by("-sent_at", "-id")[:fetch]
    )
    shown = _about_related(viewer, sent, lambda m: m)
    audit.people_shown(actor=viewer, objects=shown, object_type="messaging.inbox")
    return shown


def messages_about(person, *, viewer: User, limit: int = 5) -> list[Message]:
    """Messages about the person that the viewer sent or received, newest first, when the viewer
    may read the person's record (the read recorded); else none."""
    if not audit.person_read(viewer, person, purpose="messaging.messages_about"):
        return []
    return list(
        Message.objects.filter(Q(sender=viewer) | Q(receipts__user=viewer), person=person)
        .select_related("sender", "recipient_user", "recipient_team")
        .distinct()
        .order_by("-sent_at", "-id")[:limit]
    )


def conversation(message: Message) -> list[Message]:
    thread = message.thread_id or message.pk
    return list(
        Message.objects.filter(Q(pk=thread) | Q(thread_id=thread))
        .select_related("sender", "recipient_user", "recipient_team")
        .order_by("sent_at", "id")
    )


def person_to_write_about(viewer: User, ref):
    """The person for "send a secure message": Http404 if there is none (or merged away),
    PermissionDenied (the refusal noted) if `viewer` may not send one about them, else the person
    with the read recorded (ADR 107)."""
    from caretrust.people.models import Person

    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        "messaging.send",
        person,
        person=person,
        purpose="messaging.new_message",
        obj=person,
    )
    return person
