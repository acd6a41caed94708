"""Who may send and read secure messages. A message is about a person, so it needs the same
legitimate relationship as the person's record (never break-glass: sending is not read-only, and a
message is a conversation you are part of, not a record to look up), and it must be yours: you
sent it or it was addressed to you (or to your team when you had a relationship)."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role
from caretrust.ui import navigation

STAFF = {Role.COORDINATOR, Role.PRACTITIONER}


def _party(user, message) -> bool:
    from caretrust.messaging.models import Receipt

    thread = message.thread_id or message.pk
    return (
        message.sender_id == user.id
        or Receipt.objects.filter(message_id=message.pk, user=user).exists()
        # A reply's conversation: who took part in the thread may read all of it.
        or Receipt.objects.filter(message__thread_id=thread, user=user).exists()
        or type(message).objects.filter(thread_id=thread, sender=user).exists()
    )


def message_rule(user, message) -> Decision:
    if not _party(user, message):
        return Decision(False, "This message was not sent to you or by you.", "denied")
    return relationships.person_record_rule(user, message.person)


def person_rule(user, person) -> Decision:
    return relationships.person_record_rule(user, person)


policy.register("messaging.inbox", "see your secure messages", STAFF)
policy.register(
    "messaging.send", "send a secure message about a person", STAFF, object_rule=person_rule
)
policy.register("messaging.read", "read a secure message", STAFF, object_rule=message_rule)


def _unread(user) -> QuerySet:
    from caretrust.messaging.selectors import unread

    return unread(user)


navigation.register("Messages", "messaging:inbox", "messaging.inbox", order=7, count=_unread)


def _hub_messages(user, person):
    from django.urls import reverse
    from django.utils.timezone import localtime

    from caretrust.messaging.selectors import messages_about
    from caretrust.record.hub import HubLink, HubSection

    if not policy.decide(user, "messaging.inbox"):
        return None
    links = [
        HubLink(
            m.subject,
            reverse("messaging:message", args=[m.uuid]),
            f"{m.sender.get_full_name()} to {m.recipient_label}, {localtime(m.sent_at):%d %b %Y}",
        )
        for m in messages_about(person, viewer=user, limit=5)
    ]
    if policy.decide(user, "messaging.send", person):
        links.append(
            HubLink(
                "Send a message about this person",
                reverse("messaging:new", args=[person.ref]),
            )
        )
    return HubSection("Messages", links, "No messages about this person to or from you.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("messages", _hub_messages, order=41)
