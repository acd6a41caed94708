"""The audit log is a hash chain: `caretrust audit verify` finds an altered row, a deleted row in
the middle and rows removed from the end; on PostgreSQL the application's role cannot change it."""

from __future__ import annotations

import itertools

import pytest
from django.db import ProgrammingError, connection, transaction
from typer.testing import CliRunner

from caretrust.access import audit, chain
from caretrust.access.models import AuditCheckpoint, AuditEvent
from caretrust.cli import app

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _write(n: int) -> list[AuditEvent]:
    return [
        audit.record(
            actor=None,
            actor_label="test",
            action=AuditEvent.Action.READ,
            object_type="test",
            object_id=str(i),
            person_ref=f"person-{i}",
            details={"i": i, "note": "ünïcode"},
        )
        for i in range(n)
    ]


def _tamper(statement: str, params: list) -> None:
    """What someone with the database's owner password could do (triggers lifted)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute("ALTER TABLE access_auditevent DISABLE TRIGGER USER")
            cursor.execute(statement, params)
            cursor.execute("ALTER TABLE access_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS access_auditevent_append_only")
            cursor.execute(statement, params)


def test_rows_link_in_order_and_verify() -> None:
    events = _write(5)
    sequences = [e.sequence for e in events]
    assert sequences == list(range(sequences[0], sequences[0] + 5))
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.row_hash
    stored = AuditEvent.objects.get(pk=events[2].pk)
    assert chain.digest(stored) == stored.row_hash
    assert chain.verify().ok
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_a_batch_of_reads_is_stored_as_given_and_verifies() -> None:
    """A request's read rows are appended together (on PostgreSQL by the chain's own INSERT, ADR
    128): each row stored with every field as given, its id set, and the chain intact."""
    from caretrust.organisations.models import Organisation, User

    organisation = Organisation.objects.create(code="AUD1", name="Audit test", kind="gp_practice")
    user = User.objects.create(username="auditor", role="analyst", organisation=organisation)
    addresses = ["10.1.2.3", None, "2001:db8::1"]  # REMOTE_ADDR, or None
    events = [
        AuditEvent(
            actor=user,
            actor_username=user.username,
            action=AuditEvent.Action.READ,
            object_type="referrals.in_tray",
            object_id=str(i),
            person_ref=f"ref-{i}",
            organisation_id=organisation.pk,
            client_address=address,
            reason="a reason, with 'quotes' and ünïcode" if i == 1 else "",
            details={"results": 4, "parts": ["a", "b"], "nested": {"x": [1, 2.5, None]}},
        )
        for i, address in enumerate(addresses)
    ]
    with transaction.atomic():
        chain.append(events)
    for event, address in zip(events, addresses, strict=True):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert not event._state.adding
        assert (stored.sequence, stored.row_hash, stored.prev_hash) == (
            event.sequence,
            event.row_hash,
            event.prev_hash,
        )
        assert stored.actor_id == user.pk and stored.organisation_id == organisation.pk
        assert stored.client_address == (address or None)
        assert stored.details == event.details and stored.reason == event.reason
        assert stored.occurred_at == event.occurred_at
        assert chain.digest(stored) == stored.row_hash
    assert chain.verify().ok


def test_the_chains_insert_writes_every_column_of_the_model() -> None:
    """The chain's INSERT names its columns (ADR 128): a column added to AuditEvent must be added
    there too, or this fails."""
    columns = {f.column for f in AuditEvent._meta.concrete_fields if not f.primary_key}
    assert {name for name, _ in chain._COLUMNS} == columns


def test_an_altered_row_is_found() -> None:
    events = _write(4)
    _tamper("UPDATE access_auditevent SET reason = %s WHERE id = %s", ["nothing", events[1].pk])
    result = chain.verify()
    assert not result.ok
    assert any(f"row {events[1].sequence} was altered" in p for p in result.problems)
    cli = runner.invoke(app, ["audit", "verify"])
    assert cli.exit_code == 1 and "altered" in cli.output


def test_a_deleted_middle_row_is_found() -> None:
    events = _write(5)
    _tamper("DELETE FROM access_auditevent WHERE id = %s", [events[2].pk])
    problems = chain.verify().problems
    assert any(f"rows {events[2].sequence}–{events[2].sequence} are missing" in p for p in problems)


def test_rows_removed_from_the_end_are_found_against_a_checkpoint() -> None:
    events = _write(5)
    chain.checkpoint()
    _tamper("DELETE FROM access_auditevent WHERE sequence >= %s", [events[3].sequence])
    problems = chain.verify().problems
    assert any("rows were removed from the end" in p for p in problems), problems


def test_an_emptied_log_is_found() -> None:
    _write(3)
    chain.checkpoint()
    _tamper("DELETE FROM access_auditevent", [])
    assert not chain.verify().ok


def test_a_checkpoint_is_written_hourly_and_logged(caplog) -> None:
    chain._last_checkpoint_check = 0.0
    AuditCheckpoint.objects.all().delete()
    with caplog.at_level("INFO", logger="caretrust.audit"):
        events = _write(1)
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.sequence, checkpoint.row_hash) == (events[0].sequence, events[0].row_hash)
    assert "audit checkpoint" in caplog.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
def test_the_application_role_can_only_add_to_the_audit_log() -> None:
    from psycopg import errors

    from caretrust.access.management.commands.setup_database_roles import setup_roles

    setup_roles("caretrust_owner", "caretrust_app")
    _write(2)
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE caretrust_app")
        # The application's own writes still work...
        audit.record(actor=None, actor_label="app", action=AuditEvent.Action.READ)
        for statement in (
            "TRUNCATE access_auditevent",
            "DELETE FROM access_auditevent",
            "UPDATE access_auditevent SET reason = 'x'",
            "DELETE FROM access_auditcheckpoint",
            "UPDATE access_auditcheckpoint SET row_hash = 'x'",
            "ALTER TABLE access_auditevent DISABLE TRIGGER USER",
            "DROP TRIGGER access_auditevent_append_only ON access_auditevent",
        ):
            with pytest.raises(ProgrammingError) as refused, transaction.atomic():
                cursor.execute(statement)
            assert isinstance(refused.value.__cause__, errors.InsufficientPrivilege), statement
        cursor.execute("RESET ROLE")
    assert chain.verify().ok
