"""Writing the audit log. Every service that changes a person's record calls `record` inside its
own transaction, so the change and its audit row commit or roll back together. Views call
`record_read` when they show a person's record."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from caretrust.access import chain, context
from caretrust.access.models import AuditEvent


def _describe(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    person_ref: str = "",
    reason: str = "",
    details: dict | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records.

    `actor_label` names a non-human actor (an import job, the demo loader) when `actor` is None.
    """
    if obj is not None:
        object_type, object_id = _describe(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    details = _mark_break_glass(actor if is_user else None, person_ref, details)
    event = AuditEvent(
        actor=actor if is_user else None,
        actor_username=getattr(actor, "username", "") or actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_ref=person_ref,
        organisation=getattr(actor, "organisation", None) if is_user else None,
        client_address=context.current().client_address,
        reason=reason,
        details=details or {},
    )
    chain.append([event])
    return event


def record_read(
    *,
    actor: Any,
    obj: models.Model | None = None,
    person_ref: str = "",
    object_type: str = "",
    object_id: str = "",
    reason: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Record that `actor` viewed part of a person's record. Reads commit on their own."""
    with transaction.atomic():
        return record(
            actor=actor,
            action=AuditEvent.Action.READ,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            person_ref=person_ref,
            reason=reason,
            details=details,
        )


def _mark_break_glass(actor: Any, person_ref: str, details: dict | None) -> dict:
    """Anything done about a person under break-glass says so in its audit row (and so in the
    person's own "who looked at my record")."""
    access_id = context.break_glass_access(getattr(actor, "pk", None), person_ref)
    if access_id is None:
        return details or {}
    return {**(details or {}), "break_glass": access_id}


def record_reads(
    *, actor: Any, person_refs: list[str], object_type: str, details: dict | None = None
) -> int:
    """Record that `actor` saw part of each of these people's records on one page (a list)."""
    address = context.current().client_address
    organisation = getattr(actor, "organisation", None)
    events = [
        AuditEvent(
            actor=actor,
            actor_username=actor.username,
            action=AuditEvent.Action.READ,
            object_type=object_type,
            person_ref=ref,
            organisation=organisation,
            client_address=address,
            details=_mark_break_glass(actor, ref, details),
        )
        for ref in person_refs
    ]
    if not context.batch_reads(events):  # in a request: written with the page's other reads
        with transaction.atomic():
            chain.append(events)
    return len(events)


def people_shown(*, actor: Any, objects, object_type: str, details: dict | None = None) -> int:
    """Audit a list page: one read row for each person it shows (objects are people or have a
    `person`; those about no one are skipped)."""
    refs = []
    for obj in objects:
        person = obj if hasattr(obj, "audit_ref") else getattr(obj, "person", None)
        if person is not None and person.audit_ref not in refs:
            refs.append(person.audit_ref)
    if not refs:
        return 0
    return record_reads(actor=actor, person_refs=refs, object_type=object_type, details=details)


# ------------------------------------------------------------ selectors that audit themselves


class _AuditedQuerySet(models.QuerySet):
    """A queryset that records a read row for each person in the rows it fetches (ADR 89).

    Counting, `exists()` and use as a subquery fetch nobody and record nothing; `values()` rows
    carry no person and record nothing either. The audit travels with every clone, so a page
    sliced from a selector's queryset records exactly the people on that page."""

    _audit: tuple[Any, str] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._audit = self._audit
        return clone

    def _fetch_all(self) -> None:
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching:
            self._record(self._result_cache)

    def iterator(self, chunk_size=None):
        rows = []
        for row in super().iterator(chunk_size=chunk_size):
            rows.append(row)
            yield row
        self._record(rows)

    def _record(self, rows) -> None:
        if not self._audit or not rows or not isinstance(rows[0], models.Model):
            return
        actor, object_type = self._audit
        people_shown(
            actor=actor, objects=rows, object_type=object_type, details={"results": len(rows)}
        )


_audited_classes: dict[type, type] = {}


def audited(queryset: models.QuerySet, *, actor: Any, object_type: str) -> models.QuerySet:
    """`queryset`, recording a read by `actor` of each person it fetches (one row per person per
    fetch, like `people_shown`). Selectors that return people's data to a user wrap what they
    return in it, so no page can forget the audit row (ADR 89)."""
    cls = type(queryset)
    if not issubclass(cls, _AuditedQuerySet):
        if cls not in _audited_classes:
            _audited_classes[cls] = type(f"Audited{cls.__name__}", (_AuditedQuerySet, cls), {})
        queryset = queryset._chain()
        queryset.__class__ = _audited_classes[cls]
    else:
        queryset = queryset._chain()
    queryset._audit = (actor, object_type)
    return queryset
