"""Chained parameters and `_has` (R4 search.html#chaining, #has; ADR 0121), one level deep and
through Patient, the one type every person's record hangs from.

- `Observation?subject:Patient.identifier=system|value`, `Condition?patient.family=Smith`,
  `Encounter?subject.birthdate=ge1950`: the Patients the chained part finds (the people index's
  own search, so every Patient parameter and modifier it takes) narrow the search to their
  records.
- `Patient?_has:Condition:patient:status=active`: the Patients with at least one resource of
  that type the inner parameter finds, over the types the shared record keeps.

Each answers a query of person ids that the type's search applies (`SearchParams.people`).
Both sides are read under the client's access rules in the query itself: the Patients a chain
looks at are only those the client may read, and `_has` looks only at resources the client
could search for, so neither says anything about records the client may not see. Nothing is
shown by the inner search, so it writes no audit row; what the outer search shows is audited
by it as always."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext, SearchParams
from caretrust.people.models import Person

PATIENT_REFERENCES = ("patient", "subject")


class NotChainable(Exception):
    """A chain or `_has` caretrust does not support: ignored and reported, or a 400 when the
    client asked for strict handling (ADR 0119)."""


def is_chained(name: str) -> bool:
    """Whether a search parameter as sent is a chain (`a.b`, `a:Type.b`) or a `_has`."""
    return name.startswith("_has:") or "." in name


def people_for(
    ctx: FhirContext, resource_type: str, handler: registry.ResourceHandler, name: str, value: str
) -> QuerySet:
    """The ids of the people a chained parameter or `_has` (one value of it) selects."""
    if name.startswith("_has:"):
        return _has(ctx, resource_type, name, value)
    return _chain(ctx, resource_type, handler, name, value)


def targets(handler: registry.ResourceHandler, reference: str) -> tuple[str, ...]:
    """The types a reference parameter points at (`patient`, `subject`: Patient unless the
    handler says otherwise, as `_revinclude` reads it)."""
    default = ("Patient",) if reference in PATIENT_REFERENCES else ()
    return handler.search_targets.get(reference, default)


def chain_names() -> list[str]:
    """The Patient parameters a chain can end in (what the CapabilityStatement lists)."""
    patients = registry.get("Patient")
    return list(patients.search_params) if patients is not None else []


def chainable(handler: registry.ResourceHandler) -> list[str]:
    """The reference parameters of a type that chains start from."""
    if not handler.chains or "search" not in handler.interactions():
        return []
    return [
        name
        for name, kind in handler.search_params.items()
        if kind == "reference" and "Patient" in targets(handler, name)
    ]


def _chain(
    ctx: FhirContext, resource_type: str, handler: registry.ResourceHandler, name: str, value: str
) -> QuerySet:
    head, _, tail = name.partition(".")
    reference, _, target = head.partition(":")
    if "." in tail:
        raise NotChainable(f"{name!r}: chains of more than one level are not supported")
    if reference not in chainable(handler):
        raise NotChainable(
            f"{name!r}: {resource_type} has no reference parameter {reference!r} to chain from"
        )
    if (target or "Patient") != "Patient":
        raise NotChainable(f"{name!r}: chains are supported only to Patient, not to {target}")
    from caretrust.fhir.handlers import PatientHandler

    patients = registry.get("Patient")
    if not isinstance(patients, PatientHandler) or not patients.supports(tail):
        raise NotChainable(f"{name!r}: Patient has no search parameter {tail!r} to chain to")
    _needs_search(ctx, "Patient")
    found = patients.matching_people(ctx, SearchParams(params={tail: [value]})).values("pk")
    # A record stays with the person it was kept for when two people are merged: the people
    # merged into a match are theirs too (people.selectors.record_people_ids).
    return Person.objects.filter(Q(pk__in=found) | Q(merged_into__in=found)).order_by().values("pk")


def _has(ctx: FhirContext, resource_type: str, name: str, value: str) -> QuerySet:
    parts = name.split(":")
    if len(parts) < 4:
        raise NotChainable(f"{name!r}: _has is _has:Type:reference:parameter")
    kind, reference, inner = parts[1], parts[2], ":".join(parts[3:])
    if resource_type != "Patient":
        raise NotChainable(f"{name!r}: _has is supported on Patient only")
    if inner.startswith("_has") or is_chained(inner):
        raise NotChainable(f"{name!r}: _has of more than one level is not supported")
    from caretrust.fhir.handlers import StoredResourceHandler

    handler = registry.get(kind)
    if not isinstance(handler, StoredResourceHandler):
        raise NotChainable(
            f"{name!r}: _has is supported over the types the shared record keeps, not {kind}"
        )
    if reference not in chainable(handler):
        raise NotChainable(f"{name!r}: {kind} has no reference parameter {reference!r} to Patient")
    if not handler.supports(inner):
        raise NotChainable(f"{name!r}: {kind} has no search parameter {inner!r}")
    _needs_search(ctx, kind)
    rows = handler.matching_rows(ctx, SearchParams(params={inner: [value]}))
    if rows is None:
        return Person.objects.none().values("pk")
    about = rows.filter(person__isnull=False).order_by().values("person_id")
    # The Patient a record is about is its person's survivor when people were merged.
    survivors = (
        Person.objects.filter(pk__in=about, merged_into__isnull=False)
        .order_by()
        .values("merged_into_id")
    )
    return Person.objects.filter(Q(pk__in=about) | Q(pk__in=survivors)).order_by().values("pk")


def _needs_search(ctx: FhirContext, resource_type: str) -> None:
    """A backend-services token must be allowed to search the type a chain or `_has` reads."""
    if ctx.scopes is None:
        return
    from caretrust.fhir.smart import permits

    if not permits(ctx.scopes, resource_type, "search"):
        raise registry.Forbidden(
            f"the access token's scopes ({ctx.scopes}) do not allow search of {resource_type}, "
            "which the chained parameter reads"
        )
