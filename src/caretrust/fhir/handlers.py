"""The FHIR handlers the shared record provides: Patient (the people index: read, vread, search,
create, update, history) and read/search over every stored resource type (imports)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet

from caretrust.access import policy, relationships
from caretrust.fhir.lookups import IdSet  # registers __in_array too
from caretrust.fhir.registry import (
    Conflict,
    FhirContext,
    Invalid,
    NotFound,
    PreconditionFailed,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
    Unprocessable,
)
from caretrust.people import nhs_number
from caretrust.people import services as people_services
from caretrust.people.fhir_patient import demographics_from_patient, patient_from_person
from caretrust.people.models import Person, PersonVersion
from caretrust.people.normalise import is_ref
from caretrust.people.selectors import record_people_ids
from caretrust.record.models import Resource, ResourceVersion
from caretrust.record.summaries import SUBJECT_PATHS, UNDERSTOOD_TYPES

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
    ctx: FhirContext, queryset: QuerySet, params: SearchParams, allowed
) -> tuple[list, str | None]:
    """Keyset paging by primary key, keeping only rows `allowed(row)`; (rows, next cursor)."""
    count = max(1, min(params.count, MAX_COUNT))
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


# ---------------------------------------------------------------------------------- Patient


PATIENT_RELATED = ("gp_practice", "merged_into")  # what a Patient resource names


def _stored_person(person: Person, *, loaded: bool = False) -> Stored:
    """The Patient for `person`; `loaded` when it was fetched with PATIENT_RELATED just now, so
    only its identifiers are read (a read by id is two queries and the audit insert, not four)."""
    if loaded:
        identifiers = list(person.identifiers.all())
        return Stored(
            resource=patient_from_person(person, identifiers),
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
        "_lastUpdated": "date",
    }
    profiles = ("https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient",)
    documentation = "The people index: one Patient per person, id = the person's stable ref."

    def _get(self, ctx: FhirContext, id: str) -> Person:
        person = None
        if is_ref(id):
            # `ref` is unique: no ORDER BY (first() would sort by name), and what the Patient
            # names comes in the same query
            person = (
                Person.objects.select_related(*PATIENT_RELATED).filter(ref=id).order_by().first()
            )
        if person is None:
            raise NotFound(f"Patient/{id} is not known")
        ctx.require("people.view_record", person.survivor())
        return person

    def read(self, ctx: FhirContext, id: str) -> Stored:
        person = self._get(ctx, id)
        ctx.audit_read(person=person, object_type="Patient", object_id=id)
        return _stored_person(person, loaded=True)

    def vread(self, ctx: FhirContext, id: str, version_id: str) -> Stored:
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
        person = self._get(ctx, id)
        ctx.audit_read(person=person, object_type="Patient", object_id=f"{id}/_history")
        versions = [
            Stored(v.snapshot, str(v.version), v.recorded_at)
            for v in PersonVersion.objects.filter(person=person)
        ]
        if not versions or versions[0].version_id != str(person.version):
            versions.insert(0, _stored_person(person))
        return versions

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        ctx.require("people.find")
        people = Person.objects.filter(pk__in_array=visible_person_ids(ctx))
        for value in params.params.get("identifier", []):
            system, _, ident = value.rpartition("|")
            if system == nhs_number.SYSTEM:
                ident = nhs_number.normalise(ident)
            found = Q(identifiers__value=ident)
            if system:
                found &= Q(identifiers__system=system)
            people = people.filter(found)
        for value in params.params.get("name", []):
            people = people.filter(
                Q(family_name__istartswith=value) | Q(given_name__istartswith=value)
            )
        for value in params.params.get("family", []):
            people = people.filter(family_name__istartswith=value)
        for value in params.params.get("given", []):
            people = people.filter(given_name__istartswith=value)
        for value in params.params.get("gender", []):
            people = people.filter(sex=value)
        people = filter_date(people, "birth_date", params.params.get("birthdate", []))
        people = filter_date(
            people, "updated_at", params.params.get("_lastUpdated", []), instant=True
        )
        # Scoped in the query (visible_person_ids): every row fetched may be shown.
        if "identifier" in params.params:
            people = people.distinct()  # the identifier join can repeat a person
        rows, cursor = page_of(
            ctx,
            people.select_related(*PATIENT_RELATED).prefetch_related("identifiers"),
            params,
            lambda person: True,
        )
        ctx.audit_reads(people=rows, object_type="Patient")
        return SearchResult([_stored_person(p, loaded=True) for p in rows], cursor)

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
            raise NotFound(f"Patient/{id} is not known (ids are assigned by the server)")
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
) -> Stored:
    body = dict(content if content is not None else resource.content)
    body["id"] = resource.logical_id
    if resource.person_id:
        survivor_ref = str(resource.person.survivor().ref)
        for path in SUBJECT_PATHS:
            holder = body.get(path)
            if isinstance(holder, dict) and "reference" in holder:
                body[path] = {**holder, "reference": f"Patient/{survivor_ref}"}
                break
    return Stored(
        resource=body,
        version_id=str(version or resource.version_id),
        last_updated=updated or resource.last_updated,
    )


class StoredResourceHandler(ResourceHandler):
    """Read and search over imported resources of one type (the shared record's storage)."""

    search_params = {
        "subject": "reference",
        "patient": "reference",
        "date": "date",
        "status": "token",
        "_lastUpdated": "date",
    }
    documentation = "Read-only: resources imported into the shared care record."

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

    def _get(self, ctx: FhirContext, id: str) -> Resource:
        resource = (
            Resource.objects.filter(resource_type=self.resource_type, logical_id=id)
            .select_related("person")
            .first()
        )
        if resource is None:
            raise NotFound(f"{self.resource_type}/{id} is not known")
        self._authorise(ctx, resource)
        return resource

    def read(self, ctx: FhirContext, id: str) -> Stored:
        resource = self._get(ctx, id)
        ctx.audit_read(person=resource.person, object_type=self.resource_type, object_id=id)
        return stored(resource)

    def vread(self, ctx: FhirContext, id: str, version_id: str) -> Stored:
        resource = self._get(ctx, id)
        version = ResourceVersion.objects.filter(resource=resource, version_id=version_id).first()
        if version is None:
            raise NotFound(f"{self.resource_type}/{id} has no version {version_id}")
        ctx.audit_read(
            person=resource.person,
            object_type=self.resource_type,
            object_id=f"{id}/_history/{version_id}",
        )
        return stored(resource, version.content, version.version_id, version.last_updated)

    def history(self, ctx: FhirContext, id: str) -> list[Stored]:
        resource = self._get(ctx, id)
        ctx.audit_read(
            person=resource.person, object_type=self.resource_type, object_id=f"{id}/_history"
        )
        return [
            stored(resource, v.content, v.version_id, v.last_updated)
            for v in ResourceVersion.objects.filter(resource=resource)
        ]

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        rows = Resource.objects.filter(
            resource_type=self.resource_type, quarantined=False
        ).select_related("person")
        visible = Q(person_id__in_array=visible_person_ids(ctx))
        if ctx.allowed("fhir.read_reference_data"):
            visible |= Q(person__isnull=True)
        rows = rows.filter(visible)
        for name in ("subject", "patient"):
            for value in params.params.get(name, []):
                person = person_for_reference(value)
                if person is None:
                    return SearchResult([], None)
                ctx.require("people.view_record", person.survivor())
                rows = rows.filter(person_id__in=record_people_ids(person.survivor()))
        for value in params.params.get("status", []):
            rows = rows.filter(status__in=value.split(","))
        rows = filter_date(rows, "date", params.params.get("date", []))
        rows = filter_date(
            rows, "last_updated", params.params.get("_lastUpdated", []), instant=True
        )
        # Scoped in the query above: every row fetched may be shown.
        page, cursor = page_of(ctx, rows, params, lambda row: True)
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
        return SearchResult([stored(r) for r in page], cursor, included)


# Types the shared record answers for until an app registers its own handler.
STORED_TYPES = (
    *(t for t in UNDERSTOOD_TYPES if t != "Patient"),
    "AllergyIntolerance",
    "Appointment",
    "Consent",
    "DiagnosticReport",
    "DocumentReference",
    "Goal",
    "Immunization",
    "Location",
    "MedicationStatement",
    "Organization",
    "Practitioner",
    "PractitionerRole",
)


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
) -> SearchResult:
    """The search every person-scoped resource of an app shares: `patient`/`subject` narrows to
    one person, `filters` applies the app's own parameters, each row is checked against `action`
    and every row returned is an audited read."""
    reference = params.first("patient") or params.first("subject")
    if reference:
        person = person_for_reference(reference)
        if person is None:
            return SearchResult(matches=[])
        queryset = queryset.filter(person=person)
    # What the client may see, in the query: by default the records of the people it may see;
    # an app whose rule is not the person's (referrals: the referrer sees its own) says so.
    queryset = filters(queryset).filter(
        scope if scope is not None else Q(person_id__in_array=visible_person_ids(ctx))
    )
    rows, cursor = page_of(
        ctx, queryset, params, lambda row: policy.decide(ctx.user, action, row).allowed
    )
    for row in rows:
        ctx.audit_read(person=row.person, object_type=resource_type, object_id=object_id(row))
    return SearchResult(matches=[to_stored(row) for row in rows], next_cursor=cursor)
