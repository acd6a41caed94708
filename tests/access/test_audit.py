"""The audit log is written with the change it records and can never be altered."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from caretrust.access import audit
from caretrust.access.models import AuditEvent, AuditImmutableError
from caretrust.organisations.models import Team
from caretrust.organisations.services import add_team_member


@pytest.fixture
def admin(user_for):
    return user_for("admin")


def test_a_committed_change_always_has_its_audit_row(admin, user_for) -> None:
    analyst = user_for("analyst")
    team = Team.objects.get(code="paignton-mdt")
    before = AuditEvent.objects.count()

    membership = add_team_member(actor=admin, team=team, user=analyst)

    event = AuditEvent.objects.get(object_type="organisations.teammembership")
    assert AuditEvent.objects.count() == before + 1
    assert event.object_id == str(membership.pk)
    assert event.actor == admin
    assert event.actor_username == "admin"
    assert event.organisation == admin.organisation
    assert event.details == {"team": "paignton-mdt", "user": "analyst", "is_lead": False}


def test_a_failed_change_leaves_no_audit_row(admin, user_for) -> None:
    nurse = user_for("nurse")  # already in the Torquay team
    team = Team.objects.get(code="torquay-mdt")
    before = AuditEvent.objects.count()

    with pytest.raises(IntegrityError):
        add_team_member(actor=admin, team=team, user=nurse)

    assert AuditEvent.objects.count() == before


def test_a_rolled_back_transaction_takes_its_audit_row_with_it(admin) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=admin, action=AuditEvent.Action.UPDATE, object_type="x", object_id="1")
        raise RuntimeError("the change failed after its audit row was written")
    assert AuditEvent.objects.count() == before


def test_the_application_cannot_update_or_delete_audit_rows(admin) -> None:
    event = audit.record(actor=admin, action=AuditEvent.Action.READ, person_ref="P1")
    event.reason = "tampered"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.reason == ""


def test_the_database_refuses_updates_that_bypass_the_model(admin) -> None:
    event = audit.record(actor=admin, action=AuditEvent.Action.READ, person_ref="P1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE access_auditevent SET reason = 'tampered' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_postgresql_refuses_deletes_that_bypass_the_model(admin) -> None:
    event = audit.record(actor=admin, action=AuditEvent.Action.READ, person_ref="P1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_reads_of_a_person_record_are_recorded_and_queryable_per_person(admin) -> None:
    audit.record_read(actor=admin, person_ref="P42", object_type="record.timeline")
    audit.record_read(actor=admin, person_ref="P7", object_type="record.timeline")
    reads = AuditEvent.objects.about_person("P42")
    assert [(e.action, e.actor_username) for e in reads] == [("read", "admin")]
