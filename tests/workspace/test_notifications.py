"""In-app notifications and email (issue #15, ADR 71): raised when work arrives, emailed through
the job runner after the change commits, never with personal data, as each user chose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from caretrust.notifications import selectors, services
from caretrust.notifications.models import Notification
from caretrust.organisations.models import Team
from caretrust.workspace import services as tasks


@pytest.fixture
def today():
    from caretrust import clock

    return clock.today()


def _set_task(user_for, accepted, today, **assignee):
    return tasks.create_task(
        actor=user_for("ot"),
        person=accepted.person,
        title="Check Mary Jones's heart failure medicines",
        due_date=today + timedelta(days=2),
        **assignee,
    )


def test_a_task_assigned_to_you_notifies_you_and_emails_no_personal_data(
    user_for, accepted, today, django_capture_on_commit_callbacks
) -> None:
    nurse = user_for("nurse")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        task = _set_task(user_for, accepted, today, assigned_user=nurse)
    note = Notification.objects.get(user=nurse, kind="task_assigned")
    assert note.link == f"/workspace/tasks/{task.uuid}/" and note.read_at is None
    assert "Mary" not in note.text and "heart" not in note.text
    assert note.emailed_at is not None

    [email] = mail.outbox
    assert email.to == ["nurse@example.org"]
    assert email.subject == "You have a new task in caretrust"
    assert f"/workspace/tasks/{task.uuid}/" in email.body
    person = accepted.person
    for personal in (
        person.given_name,
        person.family_name,
        person.nhs_number or "no-nhs-number",
        "heart failure",
        task.title,
        str(person.birth_date.year),
    ):
        assert personal not in email.body and personal not in email.subject


def test_a_team_task_notifies_every_member_but_the_setter(
    user_for, accepted, today, django_capture_on_commit_callbacks
) -> None:
    team = Team.objects.get(code="torquay-mdt")
    with django_capture_on_commit_callbacks(execute=True):
        _set_task(user_for, accepted, today, assigned_team=team)
    told = set(
        Notification.objects.filter(kind="task_assigned").values_list("user__username", flat=True)
    )
    assert told == {"coordinator", "nurse", "socialworker"}


def test_email_settings_are_respected_and_in_app_is_always_on(
    user_for, accepted, today, django_capture_on_commit_callbacks
) -> None:
    nurse = user_for("nurse")
    services.set_email_choices(actor=nurse, by_email=["message"])
    assert services.email_choices(nurse)["task_assigned"] is False
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _set_task(user_for, accepted, today, assigned_user=nurse)
    assert mail.outbox == []
    assert Notification.objects.filter(user=nurse, kind="task_assigned").count() == 1

    services.set_email_choices(actor=nurse, by_email=["task_assigned"])
    with django_capture_on_commit_callbacks(execute=True):
        _set_task(user_for, accepted, today, assigned_user=nurse)
    assert len(mail.outbox) == 1


def test_a_routed_referral_notifies_the_team_in_tray(user_for, accepted) -> None:
    # The fixture routed Mary's referral to the Torquay team: its practitioners were told.
    told = Notification.objects.filter(kind="referral_in_tray")
    assert set(told.values_list("user__username", flat=True)) == {"nurse", "ot", "socialworker"}
    assert all(n.link == "/referrals/in-tray/" for n in told)


def test_a_missed_visit_task_is_its_own_kind(user_for, accepted, today) -> None:
    coordinator = user_for("coordinator")
    tasks.raise_task(
        person=accepted.person,
        title="Missed visit: Community nursing",
        due_date=today,
        assigned_user=coordinator,
        code="missed-visit",
        raised_by="careplans.visit:test",
    )
    note = Notification.objects.get(user=coordinator)
    assert note.kind == "visit_missed"


def test_notification_pages_mark_read_and_settings(client, user_for, accepted, today) -> None:
    nurse = user_for("nurse")
    task = _set_task(user_for, accepted, today, assigned_user=nurse)
    client.force_login(nurse)
    unread = selectors.unread_count(nurse)
    assert f"Notifications ({unread})" in client.get("/").content.decode()
    page = client.get("/notifications/").content.decode()
    assert "A task was assigned to you by Tom Hughes" in page
    note = Notification.objects.get(user=nurse, kind="task_assigned")
    opened = client.post(f"/notifications/{note.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/workspace/tasks/{task.uuid}/"
    assert selectors.unread_count(nurse) == unread - 1
    client.post("/notifications/read/")
    assert selectors.unread_count(nurse) == 0
    # Someone else's notification cannot be opened.
    other = Notification.objects.filter(user=user_for("ot")).first() or Notification.objects.create(
        user=user_for("ot"), kind="message", text="x"
    )
    assert client.post(f"/notifications/{other.pk}/open/").status_code == 404

    assert "Settings" in client.get("/").content.decode()
    settings_page = client.get("/notifications/settings/").content.decode()
    assert "Also send me an email when" in settings_page
    client.post("/notifications/settings/", {"by_email": ["message", "visit_missed"]})
    assert services.email_choices(nurse) == {
        "task_assigned": False,
        "message": True,
        "referral_in_tray": False,
        "visit_missed": True,
    }


def test_the_demo_writes_each_email_to_a_file(
    user_for, accepted, today, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    """The dev/demo settings' backend: one file per email under var/mail (here a temporary one)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        _set_task(user_for, accepted, today, assigned_user=user_for("nurse"))
    [written] = list(tmp_path.iterdir())
    text = written.read_text()
    assert "You have a new task in caretrust" in text and "Mary" not in text
