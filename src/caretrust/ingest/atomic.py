"""One file, one transaction, for every importer: a file with any problem changes nothing
(unless --skip-invalid), and a committed file leaves one audit row with its counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.ingest.report import FileResult


class Rollback(Exception):
    """Raised inside an import to undo the whole file."""


def import_atomically(
    path: Path,
    result: FileResult,
    *,
    label: str,
    skip_invalid: bool,
    read: Callable[[], Any],
    before_commit: Callable[[Any], None] = lambda read_value: None,
    details: dict[str, Any] | None = None,
) -> FileResult:
    """`read()` the file into the database, then `before_commit(what read returned)`, and audit
    the file as `label`, all in one transaction; any problem (without `skip_invalid`) or a
    `Rollback` undoes it and the result says nothing was committed."""
    try:
        with transaction.atomic():
            read_value = read()
            if result.problems and not skip_invalid:
                raise Rollback
            before_commit(read_value)
            audit.record(
                actor=None,
                actor_label=label,
                action=AuditEvent.Action.IMPORT,
                object_type="file",
                object_id=path.name[:100],
                details={
                    **(details or {}),
                    "read": result.read,
                    "inserted": result.inserted,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": result.rejected,
                },
            )
    except Rollback:
        result.committed = False
        result.inserted = result.updated = result.unchanged = result.older = 0
    return result
