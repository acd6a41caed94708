"""Secure messages between professionals about a person (issue #15, ADR 71): the same legitimate
relationship as the record, audited, unread counts in the header at a bounded cost."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caretrust.access.models import AuditEvent
from caretrust.messaging import selectors, services
from caretrust.notifications.models import Notification
from caretrust.organisations.models import Team


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(
        "physio9", role="practitioner", profession="physiotherapist", email="p9@example.org"
    )


def test_a_message_is_sent_read_and_audited(user_for, accepted) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    person = accepted.person
    message = services.send_message(
        actor=ot,
        person=person,
        subject="Her ankles",
        body="Swollen again on Monday: can you look on your visit?",
        recipient_user=nurse,
    )
    assert selectors.unread_count(nurse) == 1 and selectors.unread_count(ot) == 0
    note = Notification.objects.get(user=nurse, kind="message")
    assert note.kind == "message" and person.family_name not in note.text
    assert note.link == f"/messages/{message.uuid}/"

    conversation = services.read_conversation(actor=nurse, message=message)
    assert conversation == [message]
    assert selectors.unread_count(nurse) == 0
    rows = AuditEvent.objects.filter(object_type="messaging.message", object_id=str(message.pk))
    assert {r.action for r in rows} == {"create", "read"}
    assert {r.person_ref for r in rows} == {person.audit_ref}

    answer = services.reply(actor=nurse, message=message, body="Yes, Thursday.")
    assert answer.thread == message and answer.recipient_user == ot
    assert selectors.unread_count(ot) == 1
    assert services.read_conversation(actor=ot, message=answer) == [message, answer]


def test_a_message_about_someone_you_may_not_see_is_refused_and_audited(
    client, user_for, accepted, outsider
) -> None:
    person = accepted.person
    with pytest.raises(PermissionDenied):
        services.send_message(
            actor=outsider, person=person, subject="x", body="y", recipient_user=user_for("ot")
        )
    with pytest.raises(ValidationError, match="no relationship"):
        services.send_message(
            actor=user_for("ot"), person=person, subject="x", body="y", recipient_user=outsider
        )

    client.force_login(outsider)
    response = client.post(
        f"/messages/new/{person.ref}/",
        {"send_to": f"user:{user_for('ot').pk}", "subject": "Hello", "body": "About her"},
    )
    assert response.status_code == 403
    refused = AuditEvent.objects.filter(actor=outsider, action="access_denied")
    assert refused.filter(person_ref=person.audit_ref).exists()

    # A message the outsider is not party to (nor has a relationship for) is refused too.
    message = services.send_message(
        actor=user_for("ot"),
        person=person,
        subject="Plan",
        body="Review on Friday",
        recipient_user=user_for("nurse"),
    )
    assert client.get(f"/messages/{message.uuid}/").status_code == 403
    assert refused.filter(details__path=f"/messages/{message.uuid}/").exists()


def test_a_team_message_reaches_only_the_members_who_care_for_the_person(
    user_for, accepted, outsider
) -> None:
    team = Team.objects.get(code="paignton-mdt")
    team.memberships.create(user=outsider)  # no relationship with her
    team.memberships.create(user=user_for("nurse"))  # her referral's team: a relationship
    message = services.send_message(
        actor=user_for("ot"),
        person=accepted.person,
        subject="Case conference",
        body="Who can come on Friday?",
        recipient_team=team,
    )
    assert set(message.receipts.values_list("user__username", flat=True)) == {"nurse"}
    with pytest.raises(ValidationError, match="Nobody in"):
        services.send_message(
            actor=user_for("ot"),
            person=accepted.person,
            subject="x",
            body="y",
            recipient_team=Team.objects.get(code="brixham-mdt"),
        )


def test_the_inbox_and_a_message_by_clicking(client, user_for, accepted) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    client.force_login(ot)
    person_page = client.get(f"/people/{accepted.person.ref}/").content.decode()
    assert "Send a message about this person" in person_page
    form = client.get(f"/messages/new/{accepted.person.ref}/")
    assert form.status_code == 200
    empty = client.post(f"/messages/new/{accepted.person.ref}/", {"send_to": "", "subject": ""})
    page = empty.content.decode()
    assert "There is a problem" in page and 'href="#send_to"' in page
    sent = client.post(
        f"/messages/new/{accepted.person.ref}/",
        {"send_to": f"user:{nurse.pk}", "subject": "Her ankles", "body": "Swollen"},
    )
    assert sent.status_code == 302

    client.force_login(nurse)
    home = client.get("/").content.decode()
    assert "Messages (1)" in home
    inbox = client.get("/messages/").content.decode()
    assert "Her ankles" in inbox and "Unread" in inbox
    (receipt,) = selectors.inbox(nurse)
    message = receipt.message
    assert "Swollen" in client.get(f"/messages/{message.uuid}/").content.decode()
    assert "Messages (0)" in client.get("/messages/").content.decode()


def test_header_counts_cost_the_same_with_one_or_many_unread(client, user_for, accepted) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    client.force_login(nurse)

    def send(n: int) -> None:
        for i in range(n):
            services.send_message(
                actor=ot, person=accepted.person, subject=f"S{i}", body="B", recipient_user=nurse
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/settings/").status_code == 200
        return len(captured)

    send(1)
    one = queries()
    send(20)
    many = queries()
    assert "Messages (21)" in client.get("/notifications/settings/").content.decode()
    assert one == many
