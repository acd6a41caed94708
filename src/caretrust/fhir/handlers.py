"""The FHIR handlers the shared record provides: Patient (the people index: read, vread, search,
create, update, history) and read/search over every stored resource type (imports)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q, QuerySet

from caretrust.access import policy, relationships
from caretrust.fhir.registry import (
    Conflict,
    FhirContext,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    PreconditionFailed,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
    Unprocessable,
)
from caretrust.lookups import IdSet  # registers __in_array too
from caretrust.people import nhs_number
from caretrust.people import services as people_services
from caretrust.people.fhir_patient import (
    VERIFICATION_EXTENSION,
    VERIFICATION_SYSTEM,
    demographics_from_patient,
    patient_from_person,
)
from caretrust.people.models import Person, PersonIdentifier, PersonVersion
from caretrust.people.normalise import is_ref
from caretrust.people.selectors import record_people_ids
from caretrust.record.models import Resource, ResourceVersion
from caretrust.record.summaries import SUBJECT_PATHS

MAX_COUNT = 100
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


# ------------------------------------------------------------------------------- parameters


def date_range(value: str) -> tuple[str, date, date]:
    """'ge2020-05' → ('ge', first day, last day) of the precision given."""
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    try:
        if len(text) == 4:
            start = date(int(text), 1, 1)
            end = date(int(text), 12, 31)
        elif len(text) == 7:
            start = date(int(text[:4]), int(text[5:7]), 1)
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            end = following - timedelta(days=1)
        else:
            start = end = date.fromisoformat(text[:10])
    except ValueError:
        raise Invalid(f"{value!r} is not a FHIR date", expression="date") from None
    return prefix, start, end


def filter_date(queryset: QuerySet, field: str, values: list[str], *, instant: bool = False):
    for value in values:
        prefix, start, end = date_range(value)
        low: date | datetime = start
        high: date | datetime = end
        if instant:
            low = datetime.combine(start, time.min, tzinfo=UTC)
            high = datetime.combine(end, time.max, tzinfo=UTC)
        if prefix == "eq":
            queryset = queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})
        elif prefix == "ne":
            queryset = queryset.exclude(**{f"{field}__gte": low, f"{field}__lte": high})
        elif prefix in ("gt", "sa"):
            queryset = queryset.filter(**{f"{field}__gt": high})
        elif prefix in ("lt", "eb"):
            queryset = queryset.filter(**{f"{field}__lt": low})
        elif prefix == "ge":
            queryset = queryset.filter(**{f"{field}__gte": low})
        elif prefix == "le":
            queryset = queryset.filter(**{f"{field}__lte": high})
        else:
            raise Invalid(f"date prefix {prefix!r} is not supported", expression=field)
    return queryset


def _cursor(params: SearchParams) -> int:
    """The keyset cursor: a primary key, so digits within a 64-bit integer (PostgreSQL would
    refuse a larger one with an error, not an empty page)."""
    if not params.cursor:
        return 0
    if not (params.cursor.isascii() and params.cursor.isdigit()) or len(params.cursor) > 18:
        raise Invalid("the paging cursor is not valid", expression="_cursor")
    return int(params.cursor)


def person_for_reference(value: str) -> Person | None:
    """`Patient/<id>` or `<id>`: a person's ref, or the id of an imported Patient resource."""
    ident = value.rsplit("/", 1)[-1]
    if is_ref(ident):
        person = Person.objects.filter(ref=ident).first()
        if person is not None:
            return person
    resource = (
        Resource.objects.filter(resource_type="Patient", logical_id=ident)
        .select_related("person")
        .first()
    )
    return resource.person if resource is not None else None


def visible_person_ids(ctx: FhirContext) -> IdSet:
    """The people whose records the client may read, worked out once per request in the
    database, so a search never fetches (and then drops) rows the client may not see: its cost
    does not depend on how much it cannot see."""
    if ctx.visible_people is None:
        ctx.visible_people = IdSet(relationships.visible_person_ids(ctx.user))
    return ctx.visible_people


def page_of(
    ctx: FhirContext,
    queryset: QuerySet,
    params: SearchParams,
    allowed,
    *,
    sorts: dict[str, str] | None = None,
) -> tuple[list, str | None]:
    """Keyset paging by primary key, keeping only rows `allowed(row)`; (rows, next cursor).
    With `_sort` (names mapped to fields by `sorts`), the order asked for, the primary key
    breaking ties, and the cursor the number of rows already passed (ADR 0119)."""
    count = max(1, min(params.count, MAX_COUNT))
    # A row without the value sorts last either way, on SQLite (which puts NULL first going
    # up) as on PostgreSQL (which puts it first going down): found by the conformance suite.
    order = [
        F(sorts[name[1:]]).desc(nulls_last=True)
        if name.startswith("-")
        else F(sorts[name]).asc(nulls_last=True)
        for name in params.sort
        if sorts and name.lstrip("-") in sorts
    ]
    if order:
        return _sorted_page(queryset.order_by(*order, "pk"), params, allowed, count)
    after = _cursor(params)
    rows: list = []
    queryset = queryset.filter(pk__gt=after).order_by("pk")
    last_seen = after
    while len(rows) <= count:
        chunk = list(queryset.filter(pk__gt=last_seen)[: (count + 1) * 2])
        if not chunk:
            break
        for row in chunk:
            last_seen = row.pk
            if allowed(row):
                rows.append(row)
                if len(rows) > count:
                    break
        if len(chunk) < (count + 1) * 2:
            break
    if len(rows) > count:
        rows = rows[:count]
        return rows, str(rows[-1].pk)
    return rows, None


def _sorted_page(queryset: QuerySet, params: SearchParams, allowed, count: int):
    """A sorted page: the cursor is how many rows of the ordered query came before it."""
    offset = _cursor(params)
    rows: list = []
    passed = offset
    while len(rows) <= count:
        chunk = list(queryset[passed : passed + (count + 1) * 2])
        for row in chunk:
            passed += 1
            if allowed(row):
                rows.append(row)
                if len(rows) > count:
                    break
        if len(chunk) < (count + 1) * 2:
            break
    if len(rows) > count:
        return rows[:count], str(passed - 1)
    return rows, None


def filter_string(queryset: QuerySet, field: str, key: str, values: list[str]) -> QuerySet:
    """A string parameter on one column (ADR 0119): starts with, ignoring case (R4's default),
    `:exact` (the whole value, case and accents as sent), `:contains` (anywhere, ignoring case),
    `:missing` (true: empty; false: present)."""
    modifier = key.partition(":")[2]
    for value in values:
        if modifier == "missing":
            queryset = _missing(queryset, field, key, value, blank=True)
        elif modifier == "exact":
            queryset = queryset.filter(**{field: value})
        elif modifier == "contains":
            queryset = queryset.filter(**{f"{field}__icontains": value})
        else:
            queryset = queryset.filter(**{f"{field}__istartswith": value})
    return queryset


def filter_token(queryset: QuerySet, field: str, key: str, values: list[str]) -> QuerySet:
    """A token parameter on one code column: any of a comma list, `:not` (none of them),
    `:missing`. A `system|code` matches on its code (the column keeps codes only)."""
    modifier = key.partition(":")[2]
    for value in values:
        if modifier == "missing":
            queryset = _missing(queryset, field, key, value, blank=True)
            continue
        codes = [token.rpartition("|")[2] for token in value.split(",")]
        if modifier == "not":
            queryset = queryset.exclude(**{f"{field}__in": codes})
        else:
            queryset = queryset.filter(**{f"{field}__in": codes})
    return queryset


def _missing(queryset: QuerySet, field: str, key: str, value: str, *, blank: bool) -> QuerySet:
    """`:missing=true` keeps the rows without a value (null, or also "" when `blank`), `false` the
    rows with one."""
    empty = Q(**{f"{field}__isnull": True})
    if blank:
        empty |= Q(**{field: ""})
    return queryset.filter(empty) if _boolean(value, key) else queryset.exclude(empty)


def filter_missing(queryset: QuerySet, field: str, key: str, values: list[str]) -> QuerySet:
    for value in values:
        queryset = _missing(queryset, field, key, value, blank=False)
    return queryset


def _boolean(value: str, key: str) -> bool:
    if value not in ("true", "false"):
        raise Invalid(f"{key} takes true or false, not {value!r}", expression=key)
    return value == "true"


def uuids(value: str) -> list[uuid.UUID]:
    """`_id=a,b` for types whose ids are UUIDs: the ones that are (any other matches nothing)."""
    found = []
    for ident in value.split(","):
        try:
            found.append(uuid.UUID(ident))
        except ValueError:
            continue
    return found


def values_of(params: SearchParams, name: str) -> list[tuple[str, list[str]]]:
    """Each form of a parameter that was sent: [("family", [...]), ("family:exact", [...])]."""
    return [
        (key, values)
        for key, values in params.params.items()
        if key == name or key.startswith(f"{name}:")
    ]


# ---------------------------------------------------------------------------------- Patient


PATIENT_RELATED = ("gp_practice", "merged_into")  # what a Patient resource names


def source_patient_ids(person_ids: list[int]) -> dict[int, list[str]]:
    """The ids of the Patients sources sent for each person (one query for a page of people)."""
    found: dict[int, list[str]] = {}
    rows = (
        Resource.objects.filter(resource_type="Patient", person_id__in=person_ids)
        .filter(rejected_at__isnull=True)
        .order_by("pk")
        .values_list("person_id", "logical_id")
    )
    for person_id, logical_id in rows:
        found.setdefault(person_id, []).append(logical_id)
    return found


def _with_source_links(resource: dict, logical_ids: list[str]) -> dict:
    """The index's Patient points at each Patient a source sent for the person (ADR 0103)."""
    if logical_ids:
        resource["link"] = [
            *(resource.get("link") or []),
            *({"other": {"reference": f"Patient/{i}"}, "type": "seealso"} for i in logical_ids),
        ]
    return resource


def _stored_person(
    person: Person, *, loaded: bool = False, sources: list[str] | None = None
) -> Stored:
    """The Patient for `person`; `loaded` when it was fetched with PATIENT_RELATED just now, so
    only its identifiers are read (a read by id is two queries and the audit insert, not four).
    `sources`: the ids of the Patients sources sent for the person, linked from it."""
    if loaded:
        identifiers = list(person.identifiers.all())
        return Stored(
            resource=_with_source_links(patient_from_person(person, identifiers), sources or []),
            version_id=str(person.version),
            last_updated=person.updated_at,
        )
    person = (
        Person.objects.select_related(*PATIENT_RELATED)
        .prefetch_related("identifiers")
        .get(pk=person.pk)
    )
    return Stored(
        resource=patient_from_person(person),
        version_id=str(person.version),
        last_updated=person.updated_at,
    )


def _validated_demographics(resource: dict):
    demographics = demographics_from_patient(resource)
    for system, value in demographics.identifiers:
        if system == nhs_number.SYSTEM and not nhs_number.is_valid(value):
            raise Unprocessable(f"{value} is not a valid NHS number", expression="identifier")
    if not (demographics.given_name.strip() or demographics.family_name.strip()):
        raise Unprocessable("a Patient needs a name (not blank)", expression="name")
    return demographics


class PatientHandler(ResourceHandler):
    resource_type = "Patient"
    search_params = {
        "identifier": "token",
        "name": "string",
        "family": "string",
        "given": "string",
        "birthdate": "date",
        "gender": "token",
        "_id": "token",
        "_lastUpdated": "date",
    }
    search_modifiers = {
        "name": ("exact", "contains"),
        "family": ("exact", "contains", "missing"),
        "given": ("exact", "contains", "missing"),
        "gender": ("not", "missing"),
        "birthdate": ("missing",),
    }
    SORT_FIELDS = {
        "_lastUpdated": "updated_at",
        "_id": "ref",
        "birthdate": "birth_date",
        "family": "family_name",
        "given": "given_name",
    }
    search_sorts = tuple(SORT_FIELDS)
    counts = True
    chains = True
    profiles = ("https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient",)
    documentation = "The people index: one Patient per person, id = the person's stable ref."

    def _person(self, id: str) -> Person | None:
        if not is_ref(id):
            return None
        # `ref` is unique: no ORDER BY (first() would sort by name), and what the Patient
        # names comes in the same query
        return Person.objects.select_related(*PATIENT_RELATED).filter(ref=id).order_by().first()

    def _get(self, ctx: FhirContext, id: str) -> Person:
        person = self._person(id)
        if person is None:
            raise NotFound(f"Patient/{id} is not known")
        ctx.require("people.view_record", person.survivor())
        return person

    def read(self, ctx: FhirContext, id: str) -> Stored:
        person = self._person(id)
        if person is None:
            return _SENT_PATIENTS.read(ctx, id)
        ctx.require("people.view_record", person.survivor())
        ctx.audit_read(person=person, object_type="Patient", object_id=id)
        sources = source_patient_ids([person.pk]).get(person.pk, [])
        return _stored_person(person, loaded=True, sources=sources)

    def vread(self, ctx: FhirContext, id: str, version_id: str) -> Stored:
        if self._person(id) is None:
            return _SENT_PATIENTS.vread(ctx, id, version_id)
        person = self._get(ctx, id)
        version = PersonVersion.objects.filter(person=person, version=version_id).first()
        if version is None:
            if str(person.version) == version_id:
                ctx.audit_read(person=person, object_type="Patient", object_id=id)
                return _stored_person(person)
            raise NotFound(f"Patient/{id} has no version {version_id}")
        ctx.audit_read(
            person=person, object_type="Patient", object_id=f"{id}/_history/{version_id}"
        )
        return Stored(version.snapshot, str(version.version), version.recorded_at)

    def history(self, ctx: FhirContext, id: str) -> list[Stored]:
        if self._person(id) is None:
            return _SENT_PATIENTS.history(ctx, id)
        person = self._get(ctx, id)
        ctx.audit_read(person=person, object_type="Patient", object_id=f"{id}/_history")
        versions = [
            Stored(v.snapshot, str(v.version), v.recorded_at)
            for v in PersonVersion.objects.filter(person=person)
        ]
        if not versions or versions[0].version_id != str(person.version):
            versions.insert(0, _stored_person(person))
        return versions

    def _people(self, ctx: FhirContext, params: SearchParams) -> QuerySet:
        ctx.require("people.find")
        people = Person.objects.filter(pk__in_array=visible_person_ids(ctx))
        for value in params.params.get("_id", []):
            people = people.filter(ref__in=[i for i in value.split(",") if is_ref(i)])
        for value in params.params.get("identifier", []):
            system, _, ident = value.rpartition("|")
            if system == nhs_number.SYSTEM:
                ident = nhs_number.normalise(ident)
            found = Q(identifiers__value=ident)
            if system:
                found &= Q(identifiers__system=system)
            people = people.filter(found)
        for key, values in values_of(params, "name"):
            for value in values:
                modifier = key.partition(":")[2]
                lookup = {"exact": "", "contains": "__icontains"}.get(modifier, "__istartswith")
                people = people.filter(
                    Q(**{f"family_name{lookup}": value}) | Q(**{f"given_name{lookup}": value})
                )
        for key, values in values_of(params, "family"):
            people = filter_string(people, "family_name", key, values)
        for key, values in values_of(params, "given"):
            people = filter_string(people, "given_name", key, values)
        for key, values in values_of(params, "gender"):
            people = filter_token(people, "sex", key, values)
        people = filter_date(people, "birth_date", params.params.get("birthdate", []))
        people = filter_missing(
            people, "birth_date", "birthdate:missing", params.params.get("birthdate:missing", [])
        )
        people = filter_date(
            people, "updated_at", params.params.get("_lastUpdated", []), instant=True
        )
        for found in params.people:  # `_has` (ADR 0121)
            people = people.filter(pk__in=found)
        if "identifier" in params.params:
            people = people.distinct()  # the identifier join can repeat a person
        return people

    def matching_people(self, ctx: FhirContext, params: SearchParams) -> QuerySet:
        """The people the parameters select among those the client may see (a chain's
        Patients, ADR 0121): a query, nothing read or audited."""
        return self._people(ctx, params)

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        people = self._people(ctx, params)
        if params.count_only:
            return SearchResult([], total=people.count())
        # Scoped in the query (visible_person_ids): every row fetched may be shown.
        rows, cursor = page_of(
            ctx,
            people.select_related(*PATIENT_RELATED).prefetch_related("identifiers"),
            params,
            lambda person: True,
            sorts=self.SORT_FIELDS,
        )
        ctx.audit_reads(people=rows, object_type="Patient")
        sources = source_patient_ids([p.pk for p in rows])
        return SearchResult(
            [_stored_person(p, loaded=True, sources=sources.get(p.pk)) for p in rows], cursor
        )

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        demographics = _validated_demographics(resource)
        try:
            person = people_services.create_person(
                actor=ctx.user, demographics=demographics, source=f"api:{ctx.client or 'local'}"
            )
        except people_services.DuplicateNhsNumber as exc:
            raise Conflict(
                f"NHS number {exc.number} already belongs to Patient/{exc.existing.survivor().ref}: "
                "one person per NHS number. Read or update that Patient (a conditional create "
                "with If-None-Exist finds it), or send the record for linkage review.",
                expression="Patient.identifier",
            ) from None
        except ValidationError as exc:
            raise Unprocessable("; ".join(exc.messages)) from None
        return _stored_person(person)

    def update(self, ctx: FhirContext, id: str, resource: dict, if_match: str | None) -> Stored:
        person = Person.objects.filter(ref=id).first() if is_ref(id) else None
        if person is None:
            if Resource.objects.filter(resource_type="Patient", logical_id=id).exists():
                # A Patient a source sent: its next version, kept as sent (ADR 109).
                return _SENT_PATIENTS.update(ctx, id, resource, if_match)
            raise NotFound(
                f"Patient/{id} is not known (a new person's id is assigned by the server: POST)"
            )
        demographics = _validated_demographics(resource)
        expected = None
        if if_match is not None:
            if not if_match.isdigit():
                raise PreconditionFailed(f"If-Match {if_match!r} is not a version of Patient/{id}")
            expected = int(if_match)
        try:
            person = people_services.update_demographics(
                actor=ctx.user, person=person, demographics=demographics, expected_version=expected
            )
        except people_services.StaleVersion as exc:
            raise PreconditionFailed(
                f"Patient/{id} is at version {exc.current}, not {if_match}"
            ) from None
        except PermissionDenied as exc:
            from caretrust.fhir.registry import Forbidden

            raise Forbidden(str(exc)) from None
        except people_services.DuplicateNhsNumber as exc:
            raise Conflict(
                f"NHS number {exc.number} already belongs to Patient/{exc.existing.survivor().ref}: "
                "one person per NHS number.",
                expression="Patient.identifier",
            ) from None
        except ValidationError as exc:
            raise Unprocessable("; ".join(exc.messages)) from None
        return _stored_person(person)


# ----------------------------------------------------------------------- stored resources


def stored(
    resource: Resource,
    content: dict | None = None,
    version: int | None = None,
    updated: datetime | None = None,
    deleted: bool = False,
) -> Stored:
    body = dict(content if content is not None else resource.content)
    body["id"] = resource.logical_id
    if resource.person_id:
        # The subject as the source sent it when it names the Patient we hold for it (the
        # importer rewrote it to `Patient/<id>`, ADR 0103); a subject that did not resolve
        # but whose person we know (attached later, or by data quality) names the person's
        # Patient in the index, so every subject served can be read.
        for path in SUBJECT_PATHS:
            holder = body.get(path)
            if isinstance(holder, dict) and "reference" in holder:
                if holder["reference"] != resource.subject_reference:
                    survivor_ref = str(resource.person.survivor().ref)
                    body[path] = {**holder, "reference": f"Patient/{survivor_ref}"}
                break
    return Stored(
        resource=body,
        version_id=str(version or resource.version_id),
        last_updated=updated or resource.last_updated,
        deleted=deleted,
    )


def _expected(if_match: str | None, name: str) -> int | None:
    if if_match is None:
        return None
    if not (if_match.isascii() and if_match.isdigit()) or len(if_match) > 18:
        raise PreconditionFailed(f"If-Match {if_match!r} is not a version of {name}")
    return int(if_match)


class StoredResourceHandler(ResourceHandler):
    """Every interaction over the resources the shared record keeps as sent (imports, and
    writes over the API: ADR 0103, ADR 109)."""

    search_params = {
        "_id": "token",
        "identifier": "token",
        "subject": "reference",
        "patient": "reference",
        "date": "date",
        "status": "token",
        "_lastUpdated": "date",
    }
    search_modifiers = {
        "status": ("not", "missing"),
        "date": ("missing",),
    }
    SORT_FIELDS = {"_lastUpdated": "last_updated", "_id": "logical_id", "date": "date"}
    search_sorts = tuple(SORT_FIELDS)
    counts = True
    chains = True
    documentation = (
        "Resources kept as sent (imported, or written over this API): read, vread, history, "
        "search, create, update (also to a new id the client chose), patch, delete."
    )

    def __init__(self, resource_type: str) -> None:
        self.resource_type = resource_type
        self.search_includes = (f"{resource_type}:subject", f"{resource_type}:patient")

    def _authorise(self, ctx: FhirContext, resource: Resource) -> None:
        if resource.quarantined:
            # About someone we could not identify: served to nobody until data quality attaches
            # it to a person (or rejects it). Not found, so its existence says nothing either.
            raise NotFound(f"{self.resource_type}/{resource.logical_id} is not known")
        if resource.person_id is None:
            ctx.require("fhir.read_reference_data")
        else:
            ctx.require("people.view_record", resource.person.survivor())

    def _get(self, ctx: FhirContext, id: str, *, deleted: bool = False) -> Resource:
        resource = (
            Resource.objects.filter(resource_type=self.resource_type, logical_id=id)
            .select_related("person")
            .first()
        )
        if resource is None:
            raise NotFound(f"{self.resource_type}/{id} is not known")
        self._authorise(ctx, resource)
        if resource.deleted_at is not None and not deleted:
            raise Gone(f"{self.resource_type}/{id} was deleted (its history can still be read)")
        return resource

    def to_stored(self, resource: Resource, **version: Any) -> Stored:
        """How a stored row is served (StoredPatients adds caretrust's additions)."""
        return stored(resource, **version)

    def read(self, ctx: FhirContext, id: str) -> Stored:
        resource = self._get(ctx, id)
        ctx.audit_read(person=resource.person, object_type=self.resource_type, object_id=id)
        return self.to_stored(resource)

    def vread(self, ctx: FhirContext, id: str, version_id: str) -> Stored:
        """The current version from the row itself, an earlier one from its ResourceVersion
        (ADR 134); a version that is a delete answers 410 Gone."""
        resource = self._get(ctx, id, deleted=True)
        if version_id.isdigit() and int(version_id) == resource.version_id:
            if resource.deleted_at is not None:
                raise Gone(f"{self.resource_type}/{id} was deleted at version {version_id}")
            found = self.to_stored(resource)
        else:
            version = ResourceVersion.objects.filter(
                resource=resource, version_id=version_id
            ).first()
            if version is None:
                raise NotFound(f"{self.resource_type}/{id} has no version {version_id}")
            if version.deleted:
                raise Gone(f"{self.resource_type}/{id} was deleted at version {version_id}")
            found = self.to_stored(
                resource,
                content=version.content,
                version=version.version_id,
                updated=version.last_updated,
            )
        ctx.audit_read(
            person=resource.person,
            object_type=self.resource_type,
            object_id=f"{id}/_history/{version_id}",
        )
        return found

    def history(self, ctx: FhirContext, id: str) -> list[Stored]:
        """Newest first: the current version (the row itself, ADR 134), then the ones it
        superseded (ResourceVersion)."""
        resource = self._get(ctx, id, deleted=True)
        ctx.audit_read(
            person=resource.person, object_type=self.resource_type, object_id=f"{id}/_history"
        )
        return [
            self.to_stored(resource, deleted=resource.deleted_at is not None),
            *(
                self.to_stored(
                    resource,
                    content=v.content,
                    version=v.version_id,
                    updated=v.last_updated,
                    deleted=v.deleted,
                )
                for v in ResourceVersion.objects.filter(resource=resource).order_by("-version_id")
            ),
        ]

    # Writes (ADR 109): each a new version of the same row, through fhir.services.

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        return self._write(ctx, str(uuid.uuid4()), resource, None, create_only=True)

    def update(self, ctx: FhirContext, id: str, resource: dict, if_match: str | None) -> Stored:
        return self._write(ctx, id, resource, _expected(if_match, f"{self.resource_type}/{id}"))

    def _write(
        self,
        ctx: FhirContext,
        id: str,
        resource: dict,
        expected: int | None,
        *,
        create_only: bool = False,
    ) -> Stored:
        from caretrust.fhir import services

        held = Resource.objects.filter(resource_type=self.resource_type, logical_id=id).first()
        if held is not None and (held.quarantined or held.rejected_at is not None):
            raise NotFound(f"{self.resource_type}/{id} is not known")
        try:
            row, _created = services.write_stored(
                actor=ctx.user,
                source=f"api:{ctx.client.name if ctx.client else 'local'}",
                resource_type=self.resource_type,
                logical_id=id,
                content=resource,
                expected_version=expected,
            )
        except services.StaleResource as stale:
            raise PreconditionFailed(
                f"{self.resource_type}/{id} is at version {stale.current}, not {expected}"
            ) from None
        except services.NoSuchSubject as missing:
            raise Unprocessable(
                f"{self.resource_type}.{missing.path}: {missing.reference} is not a Patient held "
                "here (create the Patient first, or refer to it by identifier)",
                expression=f"{self.resource_type}.{missing.path}",
            ) from None
        except PermissionDenied as denied:
            raise Forbidden(str(denied)) from None
        ctx.visible_people = None  # a write can change whom the client may see
        return self.to_stored(row)

    def delete(self, ctx: FhirContext, id: str, if_match: str | None) -> Stored | None:
        from caretrust.fhir import services

        row = self._get(ctx, id, deleted=True)
        try:
            row = services.delete_stored(
                actor=ctx.user, row=row, expected_version=_expected(if_match, f"{row}")
            )
        except services.StaleResource as stale:
            raise PreconditionFailed(
                f"{self.resource_type}/{id} is at version {stale.current}, not {if_match}"
            ) from None
        except PermissionDenied as denied:
            raise Forbidden(str(denied)) from None
        return None

    def _rows(self, ctx: FhirContext, params: SearchParams) -> QuerySet | None:
        """The rows the parameters select among those the client may see (None: nothing)."""
        rows = Resource.objects.filter(
            resource_type=self.resource_type, quarantined=False, deleted_at__isnull=True
        ).select_related("person")
        visible = Q(person_id__in_array=visible_person_ids(ctx))
        if ctx.allowed("fhir.read_reference_data"):
            visible |= Q(person__isnull=True)
        rows = rows.filter(visible)
        for name in ("subject", "patient"):
            for value in params.params.get(name, []):
                person = person_for_reference(value)
                if person is None:
                    return None
                ctx.require("people.view_record", person.survivor())
                rows = rows.filter(person_id__in=record_people_ids(person.survivor()))
        for found in params.people:  # chained parameters (ADR 0121)
            rows = rows.filter(person_id__in=found)
        for value in params.params.get("_id", []):
            rows = rows.filter(logical_id__in=value.split(","))
        for value in params.params.get("identifier", []):
            rows = rows.filter(identifier_matches(value))
        for key, values in values_of(params, "status"):
            rows = filter_token(rows, "status", key, values)
        rows = filter_date(rows, "date", params.params.get("date", []))
        rows = filter_missing(rows, "date", "date:missing", params.params.get("date:missing", []))
        return filter_date(
            rows, "last_updated", params.params.get("_lastUpdated", []), instant=True
        )

    def matching_rows(self, ctx: FhirContext, params: SearchParams) -> QuerySet | None:
        """The rows the parameters select among those the client may see (`_has`, ADR 0121):
        a query, nothing read or audited; None when nothing can match."""
        return self._rows(ctx, params)

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        rows = self._rows(ctx, params)
        if rows is None:
            return SearchResult([], None, total=0)
        if params.count_only:
            return SearchResult([], total=rows.count())
        # Scoped in the query above: every row fetched may be shown.
        page, cursor = page_of(ctx, rows, params, lambda row: True, sorts=self.SORT_FIELDS)
        people = {row.person_id: row.person for row in page if row.person_id}
        ctx.audit_reads(
            people=list(people.values()),
            object_type=self.resource_type,
            details={"results": len(page)},
        )
        included: list[Stored] = []
        if any(inc in self.search_includes for inc in params.include):
            for person in {p.survivor().pk: p.survivor() for p in people.values()}.values():
                ctx.audit_read(
                    person=person,
                    object_type="Patient",
                    object_id=str(person.ref),
                    details={"include": True},
                )
                included.append(_stored_person(person))
        return SearchResult([self.to_stored(r) for r in page], cursor, included)


def identifier_matches(value: str) -> Q:
    """`identifier=system|value`, `|value` (no system) or `value` (any system), over the
    identifier index (one `system|value` a line); a comma means any of them (ADR 109: what
    conditional create, update and delete find their resource by)."""
    found = Q(pk__in=[])
    for token in value.split(","):
        system, bar, ident = token.rpartition("|")
        if bar and system:
            line = f"{system}|{ident}\n"
            found |= Q(identifier_index__startswith=line) | Q(
                identifier_index__contains=f"\n{line}"
            )
        elif bar:  # "|value": an identifier with no system
            found |= Q(identifier_index__startswith=f"|{ident}\n") | Q(
                identifier_index__contains=f"\n|{ident}\n"
            )
        else:
            found |= Q(identifier_index__contains=f"|{ident}\n")
    return found


class StoredPatients(StoredResourceHandler):
    """The Patients sources sent, each under its own id and as sent, with caretrust's additions
    merged (ADR 0103): a `seealso` link to the person's Patient in the people index (and to the
    other Patients sent for the same person), and the NHS number verified where the index holds
    it as verified. Reached by id from PatientHandler; the index answers Patient searches."""

    def __init__(self) -> None:
        super().__init__("Patient")

    def to_stored(self, resource: Resource, **version: Any) -> Stored:
        found = stored(resource, **version)
        if resource.person_id is None:
            return found
        return Stored(
            resource=with_additions(found.resource, resource),
            version_id=found.version_id,
            last_updated=found.last_updated,
            deleted=found.deleted,
        )


def with_additions(body: dict, row: Resource) -> dict:
    """caretrust's additions to a Patient a source sent: links and the verified NHS number."""
    person = row.person.survivor()
    body = dict(body)
    others = [
        logical_id
        for logical_id in Resource.objects.filter(
            resource_type="Patient",
            person_id__in=record_people_ids(person),
            rejected_at__isnull=True,
        )
        .exclude(pk=row.pk)
        .order_by("pk")
        .values_list("logical_id", flat=True)
    ]
    sent_links = body.get("link") or []
    links = [
        {"other": {"reference": f"Patient/{reference}"}, "type": "seealso"}
        for reference in (str(person.ref), *others)
    ]
    new_links = [link for link in links if link not in sent_links]
    if new_links:
        body["link"] = [*sent_links, *new_links]
    verified = list(
        person.identifiers.filter(
            system=nhs_number.SYSTEM,
            data_quality="",
            verification=PersonIdentifier.Verification.VERIFIED,
        ).values_list("value", flat=True)
    )
    if verified:
        body["identifier"] = _with_verified(body.get("identifier") or [], verified)
    return body


def _verified_extension() -> dict:
    return {
        "url": VERIFICATION_EXTENSION,
        "valueCodeableConcept": {
            "coding": [
                {
                    "system": VERIFICATION_SYSTEM,
                    "code": PersonIdentifier.Verification.VERIFIED,
                    "display": PersonIdentifier.Verification.VERIFIED.label,
                }
            ]
        },
    }


def _says_verified(identifier: dict) -> bool:
    for extension in identifier.get("extension") or []:
        if extension.get("url") == VERIFICATION_EXTENSION:
            codings = (extension.get("valueCodeableConcept") or {}).get("coding") or []
            return any(c.get("code") == PersonIdentifier.Verification.VERIFIED for c in codings)
    return False


def _with_verified(identifiers: list, verified: list[str]) -> list:
    """The identifiers as sent; an NHS number the index holds as verified says so (its status
    replaced), and one the source did not send is added."""
    result, seen = [], set()
    for identifier in identifiers:
        value = nhs_number.normalise(str(identifier.get("value") or ""))
        if identifier.get("system") == nhs_number.SYSTEM and value in verified:
            seen.add(value)
            if not _says_verified(identifier):
                extensions = [
                    e
                    for e in identifier.get("extension") or []
                    if e.get("url") != VERIFICATION_EXTENSION
                ]
                identifier = {**identifier, "extension": [*extensions, _verified_extension()]}
        result.append(identifier)
    for value in verified:
        if value not in seen:
            result.append(
                {"extension": [_verified_extension()], "system": nhs_number.SYSTEM, "value": value}
            )
    return result


_SENT_PATIENTS = StoredPatients()


# Every resource type of FHIR R4 (4.0.1) that can be kept: the shared record answers for each
# (read, vread, history, search), and an app that registers its own handler for a type is
# layered over it (registry.Layered), so nothing a source sent is left unserved (ADR 0103).
# Bundle, OperationOutcome and Parameters are exchanged, not kept; Patient is PatientHandler's.
R4_RESOURCE_TYPES = tuple(
    """
Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse
AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure CapabilityStatement CarePlan
CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse ClinicalImpression
CodeSystem Communication CommunicationRequest CompartmentDefinition Composition ConceptMap
Condition Consent Contract Coverage CoverageEligibilityRequest CoverageEligibilityResponse
DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement
DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter Endpoint
EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceVariable
ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal GraphDefinition Group
GuidanceResponse HealthcareService ImagingStudy Immunization ImmunizationEvaluation
ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice Library Linkage List
Location Measure MeasureReport Media Medication MedicationAdministration MedicationDispense
MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct
MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication
MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured
MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect
MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder Observation
ObservationDefinition OperationDefinition Organization OrganizationAffiliation PaymentNotice
PaymentReconciliation Person PlanDefinition Practitioner PractitionerRole Procedure Provenance
Questionnaire QuestionnaireResponse RelatedPerson RequestGroup ResearchDefinition
ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment RiskEvidenceSynthesis
Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition
StructureMap Subscription Substance SubstanceNucleicAcid SubstancePolymer SubstanceProtein
SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification SupplyDelivery
SupplyRequest Task TerminologyCapabilities TestReport TestScript ValueSet VerificationResult
VisionPrescription
""".split()  # noqa: SIM905 (142 names read better as words than as a list literal)
)


def _importable(resource_type: str) -> bool:
    """Whether the importer's validator (fhir.resources) knows the type, so it can be kept.
    Asked of fhir.resources' type table, without loading the model: loading all 140-odd models
    took 3.4 s of every process's start (each web worker, CLI command and test process), while
    most processes validate a handful of types. `tests/fhir/test_stored_types.py` holds it equal
    to loading each model."""
    from fhir.resources.R4B import fhirtypes

    return hasattr(fhirtypes, f"{resource_type}Type")


STORED_TYPES = tuple(t for t in R4_RESOURCE_TYPES if _importable(t))


def search_for_person(
    ctx: FhirContext,
    queryset: QuerySet,
    params: SearchParams,
    *,
    resource_type: str,
    action: str,
    object_id: Callable[[Any], str],
    to_stored: Callable[[Any], Stored],
    filters: Callable[[QuerySet], QuerySet] = lambda queryset: queryset,
    scope: Q | None = None,
    id_field: str = "uuid",
) -> SearchResult:
    """The search every person-scoped resource of an app shares: `patient`/`subject` narrows to
    one person, `_id` (a comma list of `id_field` values) and `_lastUpdated` (the row's
    `updated_at`) to those, `filters` applies the app's own parameters, each row is checked
    against `action` and every row returned is an audited read. `count_only`: the number of
    rows `action` allows, nothing shown or audited (ADR 0119)."""
    reference = params.first("patient") or params.first("subject")
    if reference:
        person = person_for_reference(reference)
        if person is None:
            return SearchResult(matches=[])
        queryset = queryset.filter(person=person)
    for found in params.people:  # chained parameters (ADR 0121)
        queryset = queryset.filter(person_id__in=found)
    for value in params.params.get("_id", []):
        queryset = queryset.filter(**{f"{id_field}__in": uuids(value)})
    queryset = filter_date(
        queryset, "updated_at", params.params.get("_lastUpdated", []), instant=True
    )
    # What the client may see, in the query: by default the records of the people it may see;
    # an app whose rule is not the person's (referrals: the referrer sees its own) says so.
    queryset = filters(queryset).filter(
        scope if scope is not None else Q(person_id__in_array=visible_person_ids(ctx))
    )
    if params.count_only:
        allowed = sum(
            1
            for row in queryset.order_by("pk").iterator(chunk_size=500)
            if policy.decide(ctx.user, action, row).allowed
        )
        return SearchResult([], total=allowed)
    rows, cursor = page_of(
        ctx, queryset, params, lambda row: policy.decide(ctx.user, action, row).allowed
    )
    for row in rows:
        ctx.audit_read(person=row.person, object_type=resource_type, object_id=object_id(row))
    return SearchResult(matches=[to_stored(row) for row in rows], next_cursor=cursor)


EXPORT_CHUNK = 2000


def prefetched(obj: Any, name: str) -> bool:
    """Whether `obj.<name>` was prefetched (an export's batch): a `to_fhir` then reads it from
    memory instead of querying again for each row."""
    return name in getattr(obj, "_prefetched_objects_cache", {})


def export_for_people(
    ctx: FhirContext,
    queryset: QuerySet,
    person_ids: list[int],
    since: datetime | None,
    *,
    action: str,
    to_stored: Callable[[Any], Stored],
    scope: Q | None = None,
    secondary_use: bool = False,
) -> Iterator[tuple[int, dict]]:
    """The Bulk Data export every person-scoped app resource shares (ADR 117): the rows of
    `queryset` about `person_ids` (already people the client may read), updated at or after
    `since`, under the search's rule: the client's role may `action`, and the app's `scope`
    (referrals: the ones the client made or were routed to it) in the query. A system-level
    export (`secondary_use`) is authorised by its approval instead. `queryset` brings what
    `to_stored` reads (select_related, prefetch_related), so the number of queries is the same
    for 2 people as for 2,000. Yields (person id, resource with id and meta)."""
    if not secondary_use:
        if not ctx.allowed(action):
            return
        if scope is not None:
            queryset = queryset.filter(scope)
    queryset = queryset.filter(person_id__in=list(person_ids))
    if since is not None:
        queryset = queryset.filter(updated_at__gte=since)
    for row in queryset.order_by("pk").iterator(chunk_size=EXPORT_CHUNK):
        stored = to_stored(row)
        resource = dict(stored.resource)
        resource["meta"] = {
            **(resource.get("meta") or {}),
            "versionId": stored.version_id,
            "lastUpdated": stored.last_updated.isoformat(),
        }
        yield row.person_id, resource
