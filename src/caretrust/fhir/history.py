"""Type and system `_history` (R4 http.html#history; ADR 0121): `GET /fhir/<Type>/_history` and
`GET /fhir/_history`, newest first, with `_count`, `_since` and paging, over the versions
caretrust keeps: every version of the resources the shared record keeps (the current one in
the `Resource` row, the ones it superseded in `ResourceVersion` (ADR 134), deletes included) and
of the people index's Patients (`PersonVersion`, and the current
version of a person whose record has no version row, one imported and never changed).

Only versions of resources the client may read are listed, decided in the query (the people
whose records it may read; records about nobody only with `fhir.read_reference_data`), so
the history says nothing of anything else; each page's people are audited as read. The
rows the apps keep themselves (caretrust's own CarePlans, referrals, ...) have no versions
here and are not listed (ADR 0121)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet

from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext, Stored
from caretrust.people.models import Person, PersonVersion
from caretrust.record.models import Resource, ResourceVersion

MAX_COUNT = 100
PARAMETERS = ("_count", "_since", "_cursor", "_format")
NOT_SUPPORTED = ("_at", "_list")  # would select other versions than asked: never ignored


@dataclass(frozen=True)
class Version:
    """One line of a history: the sort key (newest first), what it is, and who it is about."""

    at: datetime
    source: int  # which store: breaks ties of `at` with the primary key
    pk: int
    resource_type: str
    stored: Stored
    person: Any  # people.Person or None

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, self.source, self.pk)


# Stores, in the order that breaks a tie of time (higher first): a resource's current version
# (its Resource row) comes before the earlier versions of the same instant (ResourceVersion).
RECORD_CURRENT, RECORD, PERSON_VERSIONS, UNVERSIONED_PEOPLE = 3, 2, 1, 0


def type_history(ctx: FhirContext, resource_type: str, query: list[tuple[str, str]]) -> dict:
    handler = registry.get(resource_type)
    if handler is None:
        raise registry.NotFound(f"resource type {resource_type!r} is not supported here")
    if resource_type != "Patient" and not keeps_versions(handler):
        raise registry.NotSupported(f"{resource_type} keeps no versions to list")
    return _bundle(ctx, [resource_type], query, f"{resource_type}/_history")


def system_history(ctx: FhirContext, query: list[tuple[str, str]]) -> dict:
    from caretrust.fhir.smart import permits

    kinds = [
        kind
        for kind, handler in registry.handlers().items()
        if (kind == "Patient" or keeps_versions(handler))
        and (ctx.scopes is None or permits(ctx.scopes, kind, "search"))
    ]
    return _bundle(ctx, kinds, query, "_history")


def keeps_versions(handler: registry.ResourceHandler) -> bool:
    from caretrust.fhir.handlers import StoredResourceHandler

    stored = handler.stored if isinstance(handler, registry.Layered) else handler
    return isinstance(stored, StoredResourceHandler)


def _bundle(ctx: FhirContext, kinds: list[str], query: list[tuple[str, str]], path: str) -> dict:
    values: dict[str, list[str]] = {}
    for name, value in query:
        if "\x00" in name or "\x00" in value:
            raise registry.Invalid(f"{name!r} contains a NUL character", expression=name)
        if name in NOT_SUPPORTED:
            raise registry.Invalid(f"{name} is not supported on _history", expression=name)
        if name in PARAMETERS:  # anything else is not a history parameter: ignored (R4)
            values.setdefault(name, []).append(value)
    count = _count(values)
    since = _since(values)
    cursor = _cursor(values)
    versions = _page(ctx, kinds, since, cursor, count + 1)
    more = len(versions) > count
    versions = versions[:count]
    _audit(ctx, versions)
    kept = [(n, v[-1]) for n, v in values.items() if n in ("_since", "_format")]
    pairs = [*kept, ("_count", str(count))]
    bundle: dict = {
        "resourceType": "Bundle",
        "type": "history",
        "link": [{"relation": "self", "url": f"{ctx.base_url}/{path}?{urlencode(pairs)}"}],
        "entry": [_entry(ctx, v) for v in versions],
    }
    if cursor is None and not more:
        bundle["total"] = len(versions)  # one page holds the whole history
    if more:
        last = versions[-1]
        following = urlencode(
            [*pairs, ("_cursor", f"{last.at.isoformat()}|{last.source}|{last.pk}")]
        )
        bundle["link"].append({"relation": "next", "url": f"{ctx.base_url}/{path}?{following}"})
    return bundle


def _count(values: dict[str, list[str]]) -> int:
    text = (values.get("_count") or ["20"])[-1]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise registry.Invalid("_count must be a whole number", expression="_count")
    return max(1, min(int(text), MAX_COUNT))


def _since(values: dict[str, list[str]]) -> datetime | None:
    text = values["_since"][-1] if values.get("_since") else None
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise registry.Invalid(
            f"_since {text!r} is not a FHIR instant", expression="_since"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cursor(values: dict[str, list[str]]) -> tuple[datetime, int, int] | None:
    text = values["_cursor"][-1] if values.get("_cursor") else None
    if text is None:
        return None
    at, _, rest = text.partition("|")
    source, _, pk = rest.partition("|")
    try:
        moment = datetime.fromisoformat(at)
        if not (source.isdigit() and pk.isascii() and pk.isdigit() and len(pk) <= 18):
            raise ValueError
    except ValueError:
        raise registry.Invalid("the paging cursor is not valid", expression="_cursor") from None
    return (moment, int(source), int(pk))


def _after(field: str, source: int, cursor: tuple[datetime, int, int] | None) -> Q:
    """Rows of `source` that come after the cursor, newest first (time, store, primary key)."""
    if cursor is None:
        return Q()
    at, cursor_source, pk = cursor
    earlier = Q(**{f"{field}__lt": at})
    if source < cursor_source:
        return earlier | Q(**{field: at})
    if source == cursor_source:
        return earlier | Q(**{field: at, "pk__lt": pk})
    return earlier


def _page(
    ctx: FhirContext,
    kinds: list[str],
    since: datetime | None,
    cursor: tuple[datetime, int, int] | None,
    limit: int,
) -> list[Version]:
    from caretrust.fhir.handlers import visible_person_ids

    visible = visible_person_ids(ctx)
    found: list[Version] = []
    if kinds:  # Patients sources sent are kept in the record too (ADR 0103)
        found += _record_current(ctx, kinds, visible, since, cursor, limit)
        found += _record(ctx, kinds, visible, since, cursor, limit)
    if "Patient" in kinds:
        found += _person_versions(visible, since, cursor, limit)
        found += _unversioned_people(visible, since, cursor, limit)
    found.sort(key=lambda v: v.key, reverse=True)
    return found[:limit]


def _record_rows(
    model,
    via: str,
    ctx: FhirContext,
    kinds: list[str],
    visible,
    since: datetime | None,
    cursor: tuple[datetime, int, int] | None,
    source: int,
    limit: int,
):
    """The newest `limit` rows of `model` the caller may read: Resource rows (`via` "") or
    ResourceVersion rows (`via` "resource__", their resource's rules), past the cursor."""
    allowed = Q(**{f"{via}person_id__in_array": visible})
    if ctx.allowed("fhir.read_reference_data"):
        allowed |= Q(**{f"{via}person__isnull": True})
    rows: QuerySet = model.objects.filter(
        allowed,
        **{
            f"{via}resource_type__in": kinds,
            f"{via}quarantined": False,
            f"{via}rejected_at__isnull": True,
        },
    ).select_related(*([via.removesuffix("__")] if via else []), f"{via}person")
    if since is not None:
        rows = rows.filter(last_updated__gte=since)
    rows = rows.filter(_after("last_updated", source, cursor))
    return rows.order_by("-last_updated", "-pk")[:limit]


def _record_current(
    ctx: FhirContext,
    kinds: list[str],
    visible,
    since: datetime | None,
    cursor: tuple[datetime, int, int] | None,
    limit: int,
) -> list[Version]:
    """The current versions of the record's resources: their Resource rows (ADR 134)."""
    from caretrust.fhir.handlers import _SENT_PATIENTS, stored

    found = []
    for resource in _record_rows(
        Resource, "", ctx, kinds, visible, since, cursor, RECORD_CURRENT, limit
    ):
        shape = _SENT_PATIENTS.to_stored if resource.resource_type == "Patient" else stored
        found.append(
            Version(
                at=resource.last_updated,
                source=RECORD_CURRENT,
                pk=resource.pk,
                resource_type=resource.resource_type,
                stored=shape(resource, deleted=resource.deleted_at is not None),
                person=resource.person,
            )
        )
    return found


def _record(
    ctx: FhirContext,
    kinds: list[str],
    visible,
    since: datetime | None,
    cursor: tuple[datetime, int, int] | None,
    limit: int,
) -> list[Version]:
    """The versions the record's resources superseded (ResourceVersion, ADR 134)."""
    from caretrust.fhir.handlers import _SENT_PATIENTS, stored

    found = []
    for row in _record_rows(
        ResourceVersion, "resource__", ctx, kinds, visible, since, cursor, RECORD, limit
    ):
        resource = row.resource
        shape = _SENT_PATIENTS.to_stored if resource.resource_type == "Patient" else stored
        found.append(
            Version(
                at=row.last_updated,
                source=RECORD,
                pk=row.pk,
                resource_type=resource.resource_type,
                stored=shape(
                    resource,
                    content=row.content,
                    version=row.version_id,
                    updated=row.last_updated,
                    deleted=row.deleted,
                ),
                person=resource.person,
            )
        )
    return found


def _person_versions(
    visible, since: datetime | None, cursor: tuple[datetime, int, int] | None, limit: int
) -> list[Version]:
    rows = PersonVersion.objects.filter(person_id__in_array=visible).select_related("person")
    if since is not None:
        rows = rows.filter(recorded_at__gte=since)
    rows = rows.filter(_after("recorded_at", PERSON_VERSIONS, cursor))
    return [
        Version(
            at=row.recorded_at,
            source=PERSON_VERSIONS,
            pk=row.pk,
            resource_type="Patient",
            stored=Stored(
                {**row.snapshot, "id": str(row.person.ref)}, str(row.version), row.recorded_at
            ),
            person=row.person,
        )
        for row in rows.order_by("-recorded_at", "-pk")[:limit]
    ]


def _unversioned_people(
    visible, since: datetime | None, cursor: tuple[datetime, int, int] | None, limit: int
) -> list[Version]:
    """People whose current version has no PersonVersion row (loaded by an import and not
    changed since): that version, at the person's `updated_at`."""
    from caretrust.fhir.handlers import PATIENT_RELATED, _stored_person

    recorded = PersonVersion.objects.filter(person=OuterRef("pk"), version=OuterRef("version"))
    people = (
        Person.objects.filter(pk__in_array=visible)
        .filter(~Exists(recorded))
        .select_related(*PATIENT_RELATED)
        .prefetch_related("identifiers")
    )
    if since is not None:
        people = people.filter(updated_at__gte=since)
    people = people.filter(_after("updated_at", UNVERSIONED_PEOPLE, cursor))
    return [
        Version(
            at=person.updated_at,
            source=UNVERSIONED_PEOPLE,
            pk=person.pk,
            resource_type="Patient",
            stored=_stored_person(person, loaded=True),
            person=person,
        )
        for person in people.order_by("-updated_at", "-pk")[:limit]
    ]


def _audit(ctx: FhirContext, versions: list[Version]) -> None:
    by_type: dict[str, list] = {}
    for version in versions:
        if version.person is not None:
            by_type.setdefault(version.resource_type, []).append(version.person)
    for resource_type, people in by_type.items():
        ctx.audit_reads(people=people, object_type=resource_type, details={"history": True})


def _entry(ctx: FhirContext, version: Version) -> dict:
    from caretrust.fhir.interactions import body_of

    kind, stored = version.resource_type, version.stored
    ident = stored.resource.get("id")
    entry: dict = {"fullUrl": f"{ctx.base_url}/{kind}/{ident}"}
    response = {
        "etag": f'W/"{stored.version_id}"',
        "lastModified": stored.last_updated.isoformat(),
    }
    if stored.deleted:
        entry["request"] = {"method": "DELETE", "url": f"{kind}/{ident}"}
        entry["response"] = {"status": "410", **response}
        return entry
    entry["resource"] = body_of(stored, kind)
    method = "POST" if stored.version_id == "1" else "PUT"
    entry["request"] = {"method": method, "url": kind if method == "POST" else f"{kind}/{ident}"}
    entry["response"] = {"status": "201" if method == "POST" else "200", **response}
    return entry
