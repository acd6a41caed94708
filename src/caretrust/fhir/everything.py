"""`Patient/[id]/$everything` (FHIR R4 operation): the Patient and every resource the server
holds about them, as one searchset Bundle, paged (ADR 118).

Nothing here queries a table: each resource type whose registered handler searches by `patient`
(or `subject`) is asked, through that handler's own search, for this patient's resources; so
every type the record stores and caretrust's own (referrals as ServiceRequest and Task, care
plans, care teams, questionnaire responses) come back exactly as a search would return them,
under the same rules. The handlers check each row as a search does; their per-row audit rows
are replaced by one read of the person for the whole call (`ctx.audit_read`), naming the types
and counts shown.

Parameters: `_type` (types to include, comma-separated or repeated; the Patient only when
named), `_since` (only resources last updated at or after that instant; the Patient too),
`_count` (entries a page, at most 100) and `_cursor` (the next link's)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_naive, make_aware

from caretrust.fhir import registry
from caretrust.fhir.interactions import Call, _check_scopes, body_of, no_nul
from caretrust.fhir.registry import FhirContext, SearchParams, Stored

OPERATION = {
    "name": "everything",
    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
    "documentation": "Patient/[id]/$everything: the Patient and every resource held about them "
    "that the client may read (every type searchable by patient or subject), as a searchset "
    "Bundle; _type, _since, _count with next links. One audited read of the person (ADR 118).",
}
PARAMETERS = {"_type", "_since", "_count", "_cursor", "_format"}
MAX_COUNT = 100
DEFAULT_COUNT = 50


@dataclass
class _QuietContext(FhirContext):
    """The caller's context, with each handler's audit rows counted instead of written: the
    operation writes one for the whole call."""

    shown: Counter = field(default_factory=Counter)

    def audit_read(self, *, person=None, object_type: str, object_id: str, details=None) -> None:
        self.shown[object_type] += 1

    def audit_reads(self, *, people: list, object_type: str, details=None) -> None:
        pass  # a search page: counted from the matches it returns


def _understood(handler: registry.ResourceHandler, name: str) -> bool:
    """Whether every side of the handler searches by `name` (a Layered type's side that did
    not would be left out of the search, ADR 0103: so `_since` is then applied to what the
    search returns instead)."""
    if isinstance(handler, registry.Layered):
        return _understood(handler.primary, name) and _understood(handler.stored, name)
    return name in handler.search_params


def compartment_types() -> dict[str, str]:
    """Every type searchable by patient or subject → the parameter to search it by."""
    found = {}
    for resource_type, handler in registry.handlers().items():
        if resource_type == "Patient" or "search" not in handler.interactions():
            continue
        for name in ("patient", "subject"):
            if name in handler.search_params:
                found[resource_type] = name
                break
    return found


def _since(values: list[str]) -> datetime | None:
    if not values:
        return None
    raw = values[-1]
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = datetime(day.year, day.month, day.day)
    except ValueError:  # well formed, but no such date (2024-02-30)
        moment = None
    if moment is None:
        raise registry.Invalid(f"_since {raw!r} is not an instant (ISO 8601)", expression="_since")
    return make_aware(moment) if is_naive(moment) else moment


def _count(values: list[str]) -> int:
    if not values:
        return DEFAULT_COUNT
    raw = values[-1]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7) or int(raw) < 1:
        raise registry.Invalid("_count must be a whole number from 1", expression="_count")
    return min(int(raw), MAX_COUNT)


def _types(values: list[str], available: dict[str, str], scopes: str | None) -> list[str]:
    """The types asked for (all by default), the Patient first; an unknown type is a 400 and
    one the token's scopes do not search a 403; by default, such types are left out."""
    from caretrust.fhir.smart import permits

    if not values:
        named = ["Patient", *sorted(available)]
        return [
            t
            for t in named
            if scopes is None or permits(scopes, t, "search" if t != "Patient" else "read")
        ]
    named = list(dict.fromkeys(t.strip() for v in values for t in v.split(",") if t.strip()))
    for resource_type in named:
        if resource_type != "Patient" and resource_type not in available:
            raise registry.Invalid(
                f"_type {resource_type!r} is not a type held about a patient here",
                expression="_type",
            )
        needed = "read" if resource_type == "Patient" else "search"
        if scopes is not None and not permits(scopes, resource_type, needed):
            raise registry.Forbidden(
                f"the access token's scopes ({scopes}) do not allow {needed} of {resource_type}"
            )
    return sorted(named, key=lambda t: (t != "Patient", t))


def _cursor(raw: str | None, types: list[str]) -> tuple[int, str | None]:
    """`<type index>.<that type's own cursor>`."""
    if not raw:
        return 0, None
    index, _, inner = raw.partition(".")
    if not index.isdigit() or int(index) >= len(types) or len(raw) > 200:
        raise registry.Invalid("the paging cursor is not valid", expression="_cursor")
    return int(index), inner or None


def everything(ctx: FhirContext, id: str, query: list[tuple[str, str]]) -> dict:
    """The operation's searchset Bundle (one page) for `Patient/{id}`."""
    from caretrust.fhir.handlers import person_for_reference

    values: dict[str, list[str]] = {}
    for name, value in query:
        no_nul(name, [value])
        if name not in PARAMETERS:
            raise registry.Invalid(
                f"parameter {name!r} is not supported by $everything (supported: _type, _since, "
                "_count)",
                expression=name,
            )
        values.setdefault(name, []).append(value)
    _check_scopes(ctx, Call(method="GET", resource_type="Patient", id=id))
    person = person_for_reference(id)
    if person is None:
        raise registry.NotFound(f"Patient/{id} is not known")
    ctx.require("people.view_record", person.survivor())

    available = compartment_types()
    types = _types(values.get("_type", []), available, ctx.scopes)
    since = _since(values.get("_since", []))
    count = _count(values.get("_count", []))
    index, inner = _cursor((values.get("_cursor") or [None])[-1], types)

    quiet = _QuietContext(**{f.name: getattr(ctx, f.name) for f in fields(FhirContext)})
    entries: list[tuple[str, Stored]] = []
    next_cursor: str | None = None
    while index < len(types) and len(entries) < count:
        resource_type = types[index]
        handler = registry.get(resource_type)
        assert handler is not None
        if resource_type == "Patient":
            found = [handler.read(quiet, id)]
            following = None
        else:
            params: dict[str, list[str]] = {available[resource_type]: [f"Patient/{id}"]}
            if since is not None and _understood(handler, "_lastUpdated"):
                params["_lastUpdated"] = [f"ge{since.isoformat()}"]
            result = handler.search(
                quiet, SearchParams(params=params, count=count - len(entries), cursor=inner)
            )
            found, following = result.matches, result.next_cursor
        entries += [(resource_type, s) for s in found if since is None or s.last_updated >= since]
        if following:
            next_cursor = f"{index}.{following}"
            break
        index, inner = index + 1, None
    else:
        if index < len(types):
            next_cursor = f"{index}."

    shown = Counter(t for t, _ in entries)
    ctx.audit_read(
        person=person,
        object_type="Patient",
        object_id=f"{id}/$everything",
        details={"operation": "everything", "shown": dict(sorted(shown.items()))},
    )
    return _bundle(ctx, id, entries, values, count, next_cursor)


def _bundle(
    ctx: FhirContext,
    id: str,
    entries: list[tuple[str, Stored]],
    values: dict[str, list[str]],
    count: int,
    next_cursor: str | None,
) -> dict:
    pairs: list[tuple[str, Any]] = [("_type", v) for v in values.get("_type", [])]
    pairs += [("_since", v) for v in values.get("_since", [])] + [("_count", count)]
    here = f"{ctx.base_url}/Patient/{id}/$everything"
    bundle: dict = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": f"{here}?{urlencode(pairs)}"}],
        "entry": [
            {
                "fullUrl": f"{ctx.base_url}/{resource_type}/{stored.resource['id']}",
                "resource": body_of(stored, resource_type),
                "search": {"mode": "match"},
            }
            for resource_type, stored in entries
        ],
    }
    if next_cursor:
        following = urlencode([*pairs, ("_cursor", next_cursor)])
        bundle["link"].append({"relation": "next", "url": f"{here}?{following}"})
    return bundle
