"""Administration pages (issue #15): staff accounts, teams and membership by clicking; closing an
account ends its sessions and flags its caseload and tasks for reassignment; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Team, TeamMembership, User
from caretrust.workspace import services
from caretrust.workspace.models import Task

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_new_ot_to_the_brixham_team(client, user_for) -> None:
    client.force_login(user_for("admin"))
    home = client.get("/").content.decode()
    assert 'href="/workspace/admin/"' in home
    assert "Add a staff account" in client.get("/workspace/admin/").content.decode()
    brixham = Team.objects.get(code="brixham-mdt")
    from caretrust.organisations.models import Organisation

    trust = Organisation.objects.get(code="DEMO-TRUST")
    form = {
        "first_name": "Ana",
        "last_name": "Costa",
        "username": "acosta",
        "email": "acosta@example.org",
        "role": "practitioner",
        "profession": "",
        "organisation": str(trust.pk),
        "team": str(brixham.pk),
        "password": "a-long-first-password-42",
    }
    bad = client.post("/workspace/admin/staff/new/", form)
    assert "Choose the practitioner" in bad.content.decode()
    response = client.post(
        "/workspace/admin/staff/new/", {**form, "profession": "occupational_therapist"}
    )
    ana = User.objects.get(username="acosta")
    assert response.url == f"/workspace/admin/staff/{ana.pk}/"
    assert (
        ana.check_password("a-long-first-password-42")
        and ana.role_label == "Occupational therapist"
    )
    assert TeamMembership.objects.filter(team=brixham, user=ana).exists()
    assert AuditEvent.objects.filter(object_type="organisations.user", action="create").exists()
    assert AuditEvent.objects.filter(object_type="organisations.teammembership").exists()
    # ... and she can sign in and sees the Brixham team.
    own = Client()
    own.force_login(ana)
    assert "Brixham locality team" in own.get("/").content.decode()


def test_only_administrators_manage_staff(client, user_for) -> None:
    client.force_login(user_for("coordinator"))
    assert client.get("/workspace/admin/").status_code == 403
    assert client.post("/workspace/admin/staff/new/", {"username": "x"}).status_code == 403


@pytest.fixture
def ot_with_work(user_for, accepted):
    ot = user_for("ot")
    task = services.create_task(
        actor=ot,
        person=accepted.person,
        title="Order the perching stool",
        due_date=timezone.localdate() + timedelta(days=1),
        assigned_user=ot,
    )
    return ot, accepted, task


def test_closing_the_ots_account(user_for, ot_with_work) -> None:
    ot, referral, task = ot_with_work
    session = Client()
    session.force_login(ot)
    assert session.get("/").status_code == 200
    result = services.close_account(
        actor=user_for("admin"), user=ot, reason="Left the trust on 1 December"
    )
    assert result == {"sessions_ended": 1, "caseload_flagged": 1, "tasks_moved": 1}
    ot.refresh_from_db()
    assert not ot.is_active
    # Signed out everywhere: the old session no longer opens pages.
    assert session.get("/").status_code == 302
    reassign = Task.objects.get(code="reassign")
    assert reassign.assigned_team.code == "torquay-mdt" and referral.reference in reassign.title
    task.refresh_from_db()
    assert task.assigned_user is None and task.assigned_team.code == "torquay-mdt"
    assert task.comments.filter(text__contains="account was closed").exists()
    assert AuditEvent.objects.filter(
        object_type="organisations.user", action="update", reason="Left the trust on 1 December"
    ).exists()
    with pytest.raises(PermissionDenied):
        services.close_account(actor=user_for("coordinator"), user=user_for("nurse"), reason="x")


def test_a_closed_accounts_caseload_is_flagged_on_the_team_caseload_and_moved_in_one_step(
    client, user_for, ot_with_work
) -> None:
    """ADR 72: the team sees "Needs reassigning" on its caseload page and moves the closed
    account's caseload to a colleague in one audited step."""
    from caretrust.referrals.models import Referral

    ot, referral, _ = ot_with_work
    nurse = user_for("nurse")
    client.force_login(nurse)
    assert "Needs reassigning" not in client.get("/referrals/caseload/").content.decode()
    services.close_account(actor=user_for("admin"), user=ot, reason="Left the trust")
    page = client.get("/referrals/caseload/").content.decode()
    assert "Needs reassigning" in page
    assert "account is closed: 1 person on their caseload needs" in page
    team = referral.routed_team
    response = client.post(
        "/referrals/caseload/",
        {"team": team.pk, "from_worker": ot.pk, "to_worker": nurse.pk},
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).allocated_to == nurse
    transfer = AuditEvent.objects.filter(actor=nurse, object_type="organisations.team").latest("pk")
    assert transfer.details["caseload_transfer"] and transfer.details["from"] == ot.username
    assert "Needs reassigning" not in client.get("/referrals/caseload/").content.decode()
