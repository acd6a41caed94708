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


def _read_event(
    actor: Any,
    ref: str,
    *,
    object_type: str,
    object_id: str = "",
    reason: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """One read row (not yet written): `actor` saw part of the record of the person `ref`."""
    return AuditEvent(
        actor=actor,
        actor_username=actor.username,
        action=AuditEvent.Action.READ,
        object_type=object_type,
        object_id=object_id,
        person_ref=ref,
        # The id, not the object: reading `actor.organisation` fetched the organisation once per
        # page only to write its key.
        organisation_id=getattr(actor, "organisation_id", None),
        client_address=context.current().client_address,
        reason=reason,
        details=_mark_break_glass(actor, ref, details),
    )


def _write_reads(events: list[AuditEvent]) -> None:
    if not context.batch_reads(events):  # in a request: written with the page's other reads
        with transaction.atomic():
            chain.append(events)


def record_reads(
    *, actor: Any, person_refs: list[str], object_type: str, details: dict | None = None
) -> int:
    """Record that `actor` saw part of each of these people's records on one page (a list)."""
    events = [
        _read_event(actor, ref, object_type=object_type, details=details) for ref in person_refs
    ]
    _write_reads(events)
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


# ------------------------------------------------- per-person selectors that audit themselves

# The rule a selector applies before it returns part of a person's record (ADR 101): staff need
# the record rule (a legitimate relationship, else break-glass); the person and the carer they
# authorised read through the portal's rule.
_PORTAL_ROLES = {"person", "carer"}


def _read_decision(viewer: Any, person: Any):
    """The decision whether `viewer` may read `person`'s record, kept on the viewer object for
    the rest of its life (one request, on the web), as Django keeps a user's permissions: a page
    made of several per-person selectors decides once."""
    from caretrust.access import policy

    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return policy.decide(viewer, "people.view_record", person)
    cache = viewer.__dict__.setdefault("_caretrust_read_decisions", {})
    key = person.pk
    if key not in cache:
        action = (
            "portal.view_own_care"
            if getattr(viewer, "role", "") in _PORTAL_ROLES
            else "people.view_record"
        )
        cache[key] = policy.decide(viewer, action, person)
    return cache[key]


def person_read(
    viewer: Any,
    person: Any,
    *,
    purpose: str,
    obj: models.Model | None = None,
    reason: str = "",
    details: dict | None = None,
    decision: Any = None,
    own_row: bool = False,
) -> bool:
    """Authorise and audit `viewer`'s read of part of `person`'s record for a selector that
    returns it (ADR 101). False, recording nothing, when `viewer` may not read the record: the
    selector then returns nothing. True after recording the read: one row whose `object_type` is
    `purpose` (or `obj`'s type), written with the request's other reads (ADR 100). Within one
    request the parts of a page read about one person share one row: a later part adds its
    purpose to that row's `details["parts"]` rather than adding a row, so "who looked at my
    record" shows one look per page (a part that names an object other than the row's adds it to
    `details["objects"]`). The person reading their own care is not a disclosure and records
    nothing (as the portal always did).

    `decision` is a decision the page's own rule has just made (see `authorised_read`), used
    instead of the record rule and not kept. `person` may be None for a read about no one yet (a
    referral not matched to a person): its row names nobody and is never folded. `own_row`: a
    record listed under its own rule (each discharge on the person page) keeps a row naming it
    instead of folding into the page's (ADR 108)."""
    if decision is None:
        decision = _read_decision(viewer, person)
    if not decision.allowed:
        return False
    if getattr(viewer, "role", "") == "person":
        return True
    ref = person.audit_ref if person is not None else ""
    object_type, object_id = _describe(obj) if obj is not None else (purpose, "")
    for event in (context.pending_reads() or ()) if ref and not own_row else ():
        if event.actor_id == viewer.pk and event.person_ref == ref:
            event.details.setdefault("parts", []).append(purpose)
            if obj is not None and (object_type, object_id) != (event.object_type, event.object_id):
                event.details.setdefault("objects", []).append(f"{object_type}:{object_id}")
            return True
    event = _read_event(
        viewer,
        ref,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        details={"basis": decision.basis, "purpose": purpose, **(details or {})},
    )
    _write_reads([event])
    return True


def authorised_read(
    viewer: Any,
    action: str,
    target: Any,
    *,
    person: Any,
    purpose: str,
    obj: models.Model | None = None,
    details: dict | None = None,
    give_reason: bool = False,
    own_row: bool = False,
):
    """Authorise and audit a read for a selector whose page has its own rule (a referral, a plan,
    a review, a concern, a form about a person: `action` on `target`) rather than the record rule
    (ADR 107). Refused: PermissionDenied with the rule's reason, the refusal noted for the
    request's audit (`policy.require`, as the page's view did), and nothing recorded. Allowed: the
    read of `person` recorded as `person_read` records it (one row per page per person, folded
    with the page's other parts); returns the decision. `give_reason` writes the rule's reason
    into the row (safeguarding's reads do, ADR 85); `own_row` as for `person_read` (ADR 108)."""
    from caretrust.access import policy

    decision = policy.require(viewer, action, target)
    person_read(
        viewer,
        person,
        purpose=purpose,
        obj=obj,
        reason=decision.reason if give_reason else "",
        details=details,
        decision=decision,
        own_row=own_row,
    )
    return decision


def remember_read_decision(viewer: Any, person: Any, decision: Any) -> None:
    """Keep the decision a page has just made on `viewer`'s read of `person`'s record, so the
    selectors the page then calls do not decide again (the person page and its hub)."""
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        viewer.__dict__.setdefault("_caretrust_read_decisions", {})[person.pk] = decision


def forget_read_decisions(viewer: Any) -> None:
    """Drop the decisions kept on `viewer` (after its relationships change, in a command or test)."""
    viewer.__dict__.pop("_caretrust_read_decisions", None)
