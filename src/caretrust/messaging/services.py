"""Sending, replying to and reading secure messages: authorised first, audited in the same
transaction. Each recipient must have a relationship with the person (else they could not read
it); a team's message goes to the members who have one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from caretrust.access import audit, policy, relationships
from caretrust.access.models import AuditEvent
from caretrust.messaging.models import Message, Receipt
from caretrust.notifications.models import Kind
from caretrust.notifications.services import notify
from caretrust.organisations.models import Team, User
from caretrust.people.models import Person

STAFF_ROLES = (User.Role.PRACTITIONER, User.Role.COORDINATOR)


def _audit(actor: User, message: Message, action: str, **details) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=message,
        person_ref=message.person.audit_ref,
        details={"message": str(message.uuid), **details},
    )


def _recipients(person: Person, sender: User, user: User | None, team: Team | None) -> list[User]:
    if (user is None) == (team is None):
        raise ValidationError({"send_to": "Choose one colleague or one team."})
    if user is not None:
        if user.pk == sender.pk:
            raise ValidationError({"send_to": "Choose someone other than yourself."})
        if not user.is_active or user.role not in STAFF_ROLES:
            raise ValidationError({"send_to": "Choose an active practitioner or co-ordinator."})
        if not relationships.legitimate_relationship(user, person):
            raise ValidationError(
                {"send_to": f"{user.get_full_name()} has no relationship with this person."}
            )
        return [user]
    members = [
        member
        for member in User.objects.filter(
            team_memberships__team=team, is_active=True, role__in=STAFF_ROLES
        )
        .exclude(pk=sender.pk)
        .distinct()
        if relationships.legitimate_relationship(member, person)
    ]
    if not members:
        raise ValidationError({"send_to": f"Nobody in {team.name} has a relationship with them."})
    return members


def _deliver(message: Message, recipients: list[User], actor: User) -> None:
    Receipt.objects.bulk_create([Receipt(message=message, user=u) for u in recipients])
    notify(
        recipients,
        kind=Kind.MESSAGE,
        # No name or subject: notifications are not audited per person and may go by email.
        text=f"New secure message from {actor.get_full_name() or actor.username}",
        link=reverse("messaging:message", args=[message.uuid]),
    )


@transaction.atomic
def send_message(
    *,
    actor: User,
    person: Person,
    subject: str,
    body: str,
    recipient_user: User | None = None,
    recipient_team: Team | None = None,
) -> Message:
    """A professional writes to a colleague (or a team) about a person they both care for."""
    policy.require(actor, "messaging.send", person)
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = "Enter a subject."
    if not body:
        errors["body"] = "Write your message."
    if errors:
        raise ValidationError(errors)
    recipients = _recipients(person, actor, recipient_user, recipient_team)
    message = Message.objects.create(
        person=person,
        sender=actor,
        recipient_user=recipient_user,
        recipient_team=recipient_team,
        subject=subject[:200],
        body=body,
    )
    _deliver(message, recipients, actor)
    _audit(
        actor,
        message,
        AuditEvent.Action.CREATE,
        to=message.recipient_label,
        recipients=len(recipients),
    )
    return message


@transaction.atomic
def reply(*, actor: User, message: Message, body: str) -> Message:
    """A reply goes to everyone in the conversation but the writer (who still has a relationship)."""
    policy.require(actor, "messaging.read", message)
    policy.require(actor, "messaging.send", message.person)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write your reply."})
    root = message.thread or message
    people = {root.sender_id} | set(
        Receipt.objects.filter(message__thread_id=root.pk).values_list("user_id", flat=True)
    )
    people |= set(Receipt.objects.filter(message=root).values_list("user_id", flat=True))
    people |= set(Message.objects.filter(thread=root).values_list("sender_id", flat=True))
    people.discard(actor.pk)
    recipients = [
        u
        for u in User.objects.filter(pk__in=people, is_active=True)
        if relationships.legitimate_relationship(u, message.person)
    ]
    if not recipients:
        raise ValidationError({"body": "Nobody else in this conversation can read a reply now."})
    subject = root.subject if root.subject.startswith("Re: ") else f"Re: {root.subject}"
    answer = Message.objects.create(
        person=message.person,
        sender=actor,
        recipient_user=recipients[0] if len(recipients) == 1 else root.recipient_user,
        recipient_team=None if len(recipients) == 1 else root.recipient_team,
        thread=root,
        subject=subject[:200],
        body=body,
    )
    if answer.recipient_user_id is None and answer.recipient_team_id is None:
        answer.recipient_user = recipients[0]
        answer.save(update_fields=["recipient_user"])
    _deliver(answer, recipients, actor)
    _audit(actor, answer, AuditEvent.Action.CREATE, reply_to=str(root.uuid))
    return answer


@transaction.atomic
def read_conversation(*, actor: User, message: Message) -> list[Message]:
    """Open a message: authorised, audited, and the user's copies in the conversation marked read."""
    from caretrust.messaging.selectors import conversation

    policy.require(actor, "messaging.read", message)
    messages = conversation(message)
    Receipt.objects.filter(
        user=actor, message_id__in=[m.pk for m in messages], read_at__isnull=True
    ).update(read_at=timezone.now())
    _audit(actor, message, AuditEvent.Action.READ, messages=len(messages))
    return messages
