"""Every selector that returns a person's data to a user takes the viewer, refuses a viewer with no
relationship to the person (returns nothing, records nothing) and records the read itself: one
audit row naming the viewer, the person and the selector's purpose (issue #14, ADR 101). The
list selectors of ADR 89 (worklist, in-tray, caseload, team visits, search) are tested with their
pages; these are the task, message and per-person selectors that audited in their views."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.access.relationships import legitimate_relationship
from caretrust.assessments import selectors as assessments
from caretrust.careplans import selectors as careplans
from caretrust.carers import selectors as carers
from caretrust.entitlements import selectors as entitlements
from caretrust.messaging import selectors as messaging
from caretrust.messaging import services as messaging_services
from caretrust.messaging.models import Message, Receipt
from caretrust.record import selectors as record
from caretrust.workspace import selectors as workspace
from caretrust.workspace import services as workspace_services
from caretrust.workspace.models import Task
from tests.factories import demo_user, make_plan


@pytest.fixture
def plan(demo_directory):
    """Mary Jones's plan: her referral routed to the Torquay team, held by the OT."""
    return make_plan()


@pytest.fixture
def person(plan):
    return plan.person


@pytest.fixture
def ot(demo_directory):
    return demo_user("ot")


@pytest.fixture
def coordinator(demo_directory):
    return demo_user("coordinator")


@pytest.fixture
def stranger(person):
    """A member of staff whose role may read records, with no relationship with Mary."""
    user = demo_user("discharge")
    assert legitimate_relationship(user, person) is None
    return user


def reads(viewer, person, purpose: str) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.READ,
        actor=viewer,
        person_ref=person.audit_ref,
        object_type=purpose,
    ).count()


def nothing_read_by(viewer) -> bool:
    return not AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=viewer).exists()


# ---------------------------------------------------------------------- per-person selectors

PER_PERSON = [
    pytest.param(
        lambda person, viewer: careplans.current_plan(person, viewer=viewer),
        "careplans.current_plan",
        None,
        id="careplans.current_plan",
    ),
    pytest.param(
        lambda person, viewer: careplans.upcoming_visits(
            person, timezone.localdate(), 14, viewer=viewer
        ),
        "careplans.upcoming_visits",
        [],
        id="careplans.upcoming_visits",
    ),
    pytest.param(
        lambda person, viewer: carers.carers_of(person, viewer=viewer),
        "carers.carers_of",
        [],
        id="carers.carers_of",
    ),
    pytest.param(
        lambda person, viewer: record.current_about_me(person, viewer=viewer),
        "record.about_me",
        None,
        id="record.current_about_me",
    ),
    pytest.param(
        lambda person, viewer: entitlements.entitlements_of(person, viewer=viewer),
        "entitlements.person",
        None,
        id="entitlements.entitlements_of",
    ),
    pytest.param(
        lambda person, viewer: workspace.open_tasks_about(person, viewer=viewer),
        "workspace.tasks_about",
        [],
        id="workspace.open_tasks_about",
    ),
    pytest.param(
        lambda person, viewer: messaging.messages_about(person, viewer=viewer),
        "messaging.messages_about",
        [],
        id="messaging.messages_about",
    ),
]


@pytest.mark.parametrize(("select", "purpose", "nothing"), PER_PERSON)
def test_a_per_person_selector_records_the_read(person, ot, select, purpose, nothing) -> None:
    select(person, ot)
    assert reads(ot, person, purpose) == 1
    row = AuditEvent.objects.get(actor=ot, object_type=purpose)
    assert row.details["basis"] == "legitimate_relationship"
    assert row.details["purpose"] == purpose


@pytest.mark.parametrize(("select", "purpose", "nothing"), PER_PERSON)
def test_a_per_person_selector_gives_a_stranger_nothing(
    person, stranger, select, purpose, nothing
) -> None:
    assert select(person, stranger) == nothing
    assert nothing_read_by(stranger)


def test_the_current_plan_is_the_plan(plan, ot) -> None:
    assert careplans.current_plan(plan.person, viewer=ot) == plan


def test_the_eligibility_decision_for_rules_records_nothing(person, ot) -> None:
    """Rules and services (the agreement checklist, who pays) read without a viewer: nothing is
    shown to anyone, so nothing is recorded."""
    assessments.eligibility_decision_of(person)
    entitlements.s117_in_force(person)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ).exists()


# ---------------------------------------------------------------------------------- tasks


@pytest.fixture
def task(person, coordinator, ot):
    return workspace_services.create_task(
        actor=coordinator,
        person=person,
        title="Check the bath board",
        due_date=timezone.localdate() + timedelta(days=2),
        assigned_user=ot,
    )


def test_my_tasks_records_each_person_shown(task, person, ot) -> None:
    assert workspace.my_tasks(ot) == [task]
    assert reads(ot, person, "workspace.tasks") == 1


def test_my_tasks_drops_a_task_about_a_stranger(task, stranger) -> None:
    Task.objects.filter(pk=task.pk).update(assigned_user=stranger)
    assert workspace.my_tasks(stranger) == []
    assert nothing_read_by(stranger)


def test_tasks_set_by_records_each_person_shown(task, person, coordinator) -> None:
    assert workspace.tasks_set_by(coordinator) == [task]
    assert reads(coordinator, person, "workspace.tasks") == 1


def test_tasks_set_by_drops_a_task_about_a_stranger(task, stranger) -> None:
    Task.objects.filter(pk=task.pk).update(created_by=stranger)
    assert workspace.tasks_set_by(stranger) == []
    assert nothing_read_by(stranger)


def test_the_header_count_records_nothing(task, ot) -> None:
    assert workspace.open_task_count(ot) == 1
    assert nothing_read_by(ot)


# ------------------------------------------------------------------------------- messages


@pytest.fixture
def message(person, coordinator, ot):
    return messaging_services.send_message(
        actor=coordinator, person=person, subject="Bath", body="Board fitted?", recipient_user=ot
    )


def test_the_inbox_records_each_person_shown(message, person, ot) -> None:
    assert [r.message for r in messaging.inbox(ot)] == [message]
    assert reads(ot, person, "messaging.inbox") == 1


def test_the_inbox_drops_a_message_about_a_stranger(message, stranger) -> None:
    Receipt.objects.filter(message=message).update(user=stranger)
    assert messaging.inbox(stranger) == []
    assert nothing_read_by(stranger)


def test_sent_messages_record_each_person_shown(message, person, coordinator) -> None:
    assert messaging.sent_by(coordinator) == [message]
    assert reads(coordinator, person, "messaging.inbox") == 1


def test_sent_messages_drop_a_message_about_a_stranger(message, stranger) -> None:
    Message.objects.filter(pk=message.pk).update(sender=stranger)
    assert messaging.sent_by(stranger) == []
    assert nothing_read_by(stranger)


# ------------------------------------------------------------------- one row per page part


def test_parts_of_one_page_share_the_pages_read_row(client, person, ot) -> None:
    """On the person page the hub's selectors (plan, carers, tasks, messages, About me) add their
    purpose to the page's one read row rather than a row each."""
    client.force_login(ot)
    assert client.get(reverse("record:person", args=[person.ref])).status_code == 200
    (row,) = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, actor=ot, person_ref=person.audit_ref
    )
    assert row.object_type == "people.person"
    assert {"careplans.current_plan", "carers.carers_of", "record.about_me"} <= set(
        row.details["parts"]
    )


def test_a_viewer_object_decides_once_for_the_parts_of_a_page(person, ot) -> None:
    """Several parts of one page about one person ask the record rule once (the decision is kept
    on the viewer object, which lives for one request)."""
    careplans.current_plan(person, viewer=ot)
    with CaptureQueriesContext(connection) as remembered:
        careplans.current_plan(person, viewer=ot)
    audit.forget_read_decisions(ot)
    with CaptureQueriesContext(connection) as decided:
        careplans.current_plan(person, viewer=ot)
    assert len(remembered) < len(decided)
    assert reads(ot, person, "careplans.current_plan") == 3
