"""The privacy officer reviews break-glass access and searches the audit log by person."""

from __future__ import annotations

from datetime import date

import pytest

from caretrust.access.models import BreakGlassAccess
from caretrust.access.services import break_glass
from tests.factories import person_row


@pytest.fixture
def opened(user_for):
    person = person_row(given_name="Ada", family_name="Lovell", birth_date=date(1938, 1, 2))
    return break_glass(
        actor=user_for("nurse"),
        person=person,
        justification="public_interest",
        reason="Ambulance crew raised a safeguarding concern",
    )


def test_the_privacy_officer_reviews_a_break_glass_access(client, opened, user_for) -> None:
    client.force_login(user_for("privacy"))
    page = client.get("/privacy/break-glass/").content.decode()
    assert "To review (1)" in page
    assert "Ambulance crew raised a safeguarding concern" in page
    response = client.post(
        f"/privacy/break-glass/{opened.pk}/review/",
        {"outcome": "appropriate", "notes": "Checked with the crew."},
        follow=True,
    )
    assert "Review recorded" in response.content.decode()
    opened.refresh_from_db()
    assert opened.review_outcome == "appropriate"
    assert opened.reviewed_by == user_for("privacy")
    assert "Nothing is waiting for review." in client.get("/privacy/break-glass/").content.decode()


def test_a_review_needs_an_outcome(client, opened, user_for) -> None:
    client.force_login(user_for("privacy"))
    response = client.post(f"/privacy/break-glass/{opened.pk}/review/", {}, follow=True)
    assert "Choose whether the access was appropriate." in response.content.decode()
    assert BreakGlassAccess.objects.get().reviewed_at is None


def test_the_audit_log_answers_who_looked_at_a_record(client, opened, user_for) -> None:
    client.force_login(user_for("privacy"))
    page = client.get(f"/privacy/audit/?person={opened.person.audit_ref}").content.decode()
    assert "1 events match." in page
    assert "Break-glass access" in page
    assert "nurse" in page


@pytest.mark.parametrize("url", ["/privacy/break-glass/", "/privacy/audit/"])
def test_other_roles_cannot_open_the_privacy_pages(client, demo_directory, user_for, url) -> None:
    client.force_login(user_for("nurse"))
    assert client.get(url).status_code == 403
