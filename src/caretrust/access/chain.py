"""The audit log as a hash chain, and checkpoints of its head kept where the application cannot
change them.

Each audit row carries a sequence number, the hash of the row before it and its own hash (SHA-256
over its fields and that previous hash, in a canonical JSON form). Altering a row breaks its own
hash; removing one leaves a gap and breaks the next row's link; removing rows from the end is found
against the latest checkpoint, which records the head (sequence and hash) at least hourly and on
demand (`caretrust audit checkpoint`), in a table the application's database role may only add to,
and in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger("caretrust.audit")

GENESIS = "0" * 64
CHECKPOINT_EVERY = timedelta(hours=1)
# One number for the advisory lock that serialises appends on PostgreSQL ("audit" in ASCII).
_LOCK_KEY = 0x6175646974
_last_checkpoint_check = 0.0
# Take the lock, then read the head: two statements, one message, no parameters (`_locked_head`).
_LOCK_AND_HEAD = (
    f"SELECT pg_advisory_xact_lock({_LOCK_KEY}); "  # noqa: S608 (a constant of this module)
    "SELECT sequence, row_hash FROM access_auditevent"
    " WHERE sequence IS NOT NULL ORDER BY sequence DESC LIMIT 1"
)


def canonical(event) -> bytes:
    """The fields a row's hash covers, as canonical JSON bytes."""
    fields = {
        "sequence": event.sequence,
        "prev_hash": event.prev_hash,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_ref": event.person_ref,
        "organisation_id": event.organisation_id,
        "client_address": event.client_address,
        "reason": event.reason,
        "details": event.details,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(event) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _locked_head() -> tuple[int, str]:
    """Take the append lock, then read the chain's head.

    Two statements on PostgreSQL: under READ COMMITTED a statement sees the rows committed when
    it began, so a head read in the same statement that waited for the lock missed the rows the
    previous holder committed meanwhile, and two appends took the same sequence number (found
    by benchmarks/bench_my_work.py: list pages auditing at once failed).

    The two statements go to the server in one message (ADR 128): a query string of several
    statements, sent without parameters (the simple query protocol, whichever cursor binding is
    configured), runs them one after the other, each with a snapshot of its own, so the head is
    read after the lock is held, as before, and the lock is held for one round trip fewer."""
    from caretrust.access.models import AuditEvent

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_AND_HEAD)
            cursor.nextset()  # past the lock's empty row, to the head's
            row = cursor.fetchone()
        return (row[0], row[1]) if row and row[0] is not None else (0, GENESIS)
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "row_hash").first()
    return head if head else (0, GENESIS)


def _lock() -> None:
    """Only one transaction appends at a time, so sequence numbers and links never fork. On
    SQLite a write transaction already holds the database's one write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def append(events: list) -> list:
    """Give each new AuditEvent its place in the chain and insert them (inside a transaction)."""

    if not events:
        return events
    if connection.in_atomic_block:
        return _append(events)  # the caller's transaction holds the lock until it commits
    with transaction.atomic():
        return _append(events)


def _append(events: list) -> list:
    from caretrust.access.models import AuditEvent

    sequence, previous = _locked_head()
    now = timezone.now()
    for event in events:
        sequence += 1
        event.sequence = sequence
        event.prev_hash = previous
        if event.occurred_at is None:
            event.occurred_at = now
        event.row_hash = digest(event)
        previous = event.row_hash
    if connection.vendor == "postgresql":
        _insert(events)
    else:
        AuditEvent.objects.bulk_create(events)
    _checkpoint_if_due(events[-1])
    return events


# The chain's rows, inserted on PostgreSQL by one statement of fixed shape (ADR 128): the rows
# travel as one JSON document (one parameter, whatever the number of rows), so the SQL is a
# constant of this module rather than an INSERT the ORM compiles, and the driver quotes, value
# by value for each append (a page of 50 reads cost 6.6 ms of web CPU that way). The same columns
# the model writes; the ids come back as bulk_create's would.
_COLUMNS = (
    ("occurred_at", "timestamptz"),
    ("actor_id", "bigint"),
    ("actor_username", "text"),
    ("action", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("person_ref", "text"),
    ("organisation_id", "bigint"),
    ("client_address", "inet"),
    ("reason", "text"),
    ("details", "jsonb"),
    ("sequence", "bigint"),
    ("prev_hash", "text"),
    ("row_hash", "text"),
)
_NAMES = ", ".join(name for name, _ in _COLUMNS)
_INSERT = (
    f"INSERT INTO access_auditevent ({_NAMES}) SELECT {_NAMES} "  # noqa: S608 (constants)
    f"FROM jsonb_to_recordset(%s::jsonb) AS r({', '.join(f'{n} {k}' for n, k in _COLUMNS)}) "
    "RETURNING sequence, id"
)


def _json_value(name: str, value):
    if name == "occurred_at":
        return value.isoformat()
    if name == "client_address":
        return value or None  # as the model's field stores a blank address
    return value


def _insert(events: list) -> None:
    rows = [
        {name: _json_value(name, getattr(event, name)) for name, _ in _COLUMNS} for event in events
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [json.dumps(rows, ensure_ascii=False)])
        ids = dict(cursor.fetchall())
    for event in events:
        event.pk = ids[event.sequence]
        event._state.adding = False
        event._state.db = connection.alias


def _checkpoint_if_due(last) -> None:
    """At least hourly: a checkpoint of the head, written by whichever append comes first after
    the hour (checked against the database at most once a minute per process)."""
    global _last_checkpoint_check
    from caretrust.access.models import AuditCheckpoint

    now = time.monotonic()
    if now - _last_checkpoint_check < 60:
        return
    _last_checkpoint_check = now
    latest = (
        AuditCheckpoint.objects.order_by("-taken_at").values_list("taken_at", flat=True).first()
    )
    if latest is None or timezone.now() - latest >= CHECKPOINT_EVERY:
        _write_checkpoint(last.sequence, last.row_hash, taken_by="hourly")


def _write_checkpoint(sequence: int, row_hash: str, taken_by: str):
    from caretrust.access.models import AuditCheckpoint

    checkpoint = AuditCheckpoint.objects.create(
        sequence=sequence, row_hash=row_hash, taken_by=taken_by
    )
    logger.info("audit checkpoint: sequence %s hash %s (%s)", sequence, row_hash, taken_by)
    return checkpoint


def checkpoint(taken_by: str = "on demand"):
    """Record the chain's head now (`caretrust audit checkpoint`)."""
    from caretrust.access.models import AuditEvent

    with transaction.atomic():
        _lock()
        head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "row_hash").first()
        sequence, row_hash = head if head else (0, GENESIS)
        return _write_checkpoint(sequence, row_hash, taken_by)


@dataclass
class Verification:
    rows: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, chunk_size: int = 5000) -> Verification:
    """Walk the chain in sequence order and hold it against every checkpoint."""
    from caretrust.access.models import AuditCheckpoint, AuditEvent

    result = Verification()
    expected_sequence, previous = 1, GENESIS
    hash_at: dict[int, str] = {}
    checkpoints = list(AuditCheckpoint.objects.order_by("sequence", "taken_at"))
    wanted = {c.sequence for c in checkpoints}
    rows: Iterable = AuditEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size)
    for event in rows:
        result.rows += 1
        if event.sequence != expected_sequence:
            result.problems.append(
                f"rows {expected_sequence}–{event.sequence - 1} are missing (deleted)"
                if event.sequence > expected_sequence
                else f"row {event.sequence} is out of order or repeated"
            )
        elif event.prev_hash != previous:
            result.problems.append(f"row {event.sequence} does not link to the row before it")
        if digest(event) != event.row_hash:
            result.problems.append(f"row {event.sequence} was altered (its hash does not match)")
        if event.sequence in wanted:
            hash_at[event.sequence] = event.row_hash
        expected_sequence, previous = event.sequence + 1, event.row_hash
    last_sequence = expected_sequence - 1
    for c in checkpoints:
        result.checkpoints += 1
        if c.sequence == 0:
            continue
        if c.sequence > last_sequence:
            result.problems.append(
                f"the log ends at row {last_sequence} but a checkpoint of "
                f"{c.taken_at:%Y-%m-%d %H:%M} saw row {c.sequence}: rows were removed from the end"
            )
        elif hash_at.get(c.sequence) != c.row_hash:
            result.problems.append(
                f"row {c.sequence} differs from the checkpoint of {c.taken_at:%Y-%m-%d %H:%M}"
            )
    return result
