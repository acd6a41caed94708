"""`caretrust import fhir`: FHIR R4 resources into the shared care record.

Streaming: resources are read one at a time and written in batches, so memory stays flat.
Atomic per file: the whole file is one transaction; any problem rolls it back unless
`skip_invalid`, which imports the valid records and writes the rejects with their reasons.
Idempotent: source + type + the source's id decide insert, update or skip, and the source's
`meta.lastUpdated` / `meta.versionId` decide whether a record is newer or older than the one held.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from django.db import reset_queries, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.ingest import readers
from caretrust.ingest.report import FileResult, Problem, RejectsWriter
from caretrust.people import services as people_services
from caretrust.people.fhir_patient import demographics_from_patient
from caretrust.people.models import Person
from caretrust.record.models import Resource, ResourceVersion, TimelineEvent
from caretrust.record.summaries import SUBJECT_PATHS, summarise

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
RELATIVE_REF = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
ID_NAMESPACE = uuid.UUID("5b7c1f0e-2f53-4a53-9a55-7e1a4a6f2d10")
BATCH_SIZE = 500


class _Rollback(Exception):
    pass


def content_hash(resource: dict) -> str:
    return hashlib.sha256(
        json.dumps(resource, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def validate(resource: dict) -> list[tuple[str, str]]:
    """Problems (field, reason) found by the fhir.resources R4B model of the resource's type."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str):
        return [("resourceType", "missing")]
    try:
        model = get_fhir_model_class(resource_type)
    except KeyError:
        return []  # a type R4B does not know: kept as it came, never dropped
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            path = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
            problems.append((path, error.get("msg", "invalid")))
        return problems or [("", str(exc).splitlines()[0])]
    if resource_type == "Patient" and resource.get("gender") not in (
        None,
        "male",
        "female",
        "other",
        "unknown",
    ):
        return [("gender", f"{resource.get('gender')!r} is not a FHIR administrative gender")]
    return []


def _walk_references(value, path: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield path, value
        for key, child in value.items():
            if key not in ("contained", "text"):
                yield from _walk_references(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for child in value:
            yield from _walk_references(child, path)


def _parse_instant(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.utc)
    return parsed


def _identifier_index(resource: dict) -> str:
    identifiers = resource.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    lines = [
        f"{i.get('system', '')}|{i.get('value', '')}"
        for i in identifiers or []
        if isinstance(i, dict) and i.get("value")
    ]
    return "\n".join(lines) + "\n" if lines else ""


class _Pending:
    """One valid resource of the current batch and what the importer decided about it."""

    __slots__ = (
        "action",
        "existing",
        "hash",
        "item",
        "logical_id",
        "person_id",
        "resource",
        "resource_type",
        "source_id",
        "subject",
        "unresolved",
    )

    def __init__(self, item: readers.Item, resource: dict) -> None:
        self.item = item
        self.resource = resource
        self.resource_type: str = resource["resourceType"]
        self.source_id = ""
        self.logical_id = ""
        self.hash = ""
        self.action = "insert"
        self.existing: Resource | None = None
        self.unresolved: list[dict] = []
        self.subject = ""  # resolved "Patient/<logical id>" of the person the resource is about
        self.person_id: int | None = None


class FhirImporter:
    def __init__(
        self,
        *,
        source: str = "fhir",
        skip_invalid: bool = False,
        rejects: RejectsWriter | None = None,
        batch_size: int = BATCH_SIZE,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.source = source
        self.skip_invalid = skip_invalid
        self.rejects = rejects or RejectsWriter(None)
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda n: None)
        self._conditional_cache: dict[str, tuple[str, str] | None] = {}

    # ----------------------------------------------------------------------------- identities

    def logical_id(self, resource_type: str, source_id: str) -> str:
        """Our id: the source's own when it is a valid FHIR id from the default source (so
        references between files keep working), else a stable UUID derived from source and id."""
        if self.source == "fhir" and FHIR_ID.match(source_id):
            return source_id
        return str(uuid.uuid5(ID_NAMESPACE, f"{self.source}|{resource_type}|{source_id}"))

    def _source_id(self, item: readers.Item, resource: dict) -> str:
        if resource.get("id"):
            return str(resource["id"])
        if item.full_url:
            return item.full_url.removeprefix("urn:uuid:").removeprefix("urn:oid:")[:200]
        return content_hash(resource)[:40]

    # --------------------------------------------------------------------------------- files

    def import_file(self, path: Path) -> FileResult:
        result = FileResult(file=str(path))
        try:
            with transaction.atomic():
                self._run(path, result)
                if result.problems and not self.skip_invalid:
                    raise _Rollback
                self._attach_late_subjects()
                audit.record(
                    actor=None,
                    actor_label="import fhir",
                    action=AuditEvent.Action.IMPORT,
                    object_type="file",
                    object_id=path.name[:100],
                    details={
                        "source": self.source,
                        "read": result.read,
                        "inserted": result.inserted,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "rejected": result.rejected,
                    },
                )
        except _Rollback:
            result.committed = False
            result.inserted = result.updated = result.unchanged = result.older = 0
        return result

    def _items(self, path: Path) -> tuple[Iterator[readers.Item], readers.BundleInfo, bool]:
        """(items, bundle info, already validated)."""
        kind = readers.kind_of(path)
        empty = readers.BundleInfo(None, {})
        if kind == "ndjson":
            return readers.iter_ndjson(path), empty, False
        if kind == "xml":
            resource, error = readers.read_xml(path)
            if error:
                return iter([readers.Item("file", None, ("", error))]), empty, True
            if resource.get("resourceType") == "Bundle":
                info = readers.bundle_info_from_dict(resource)
                return readers.iter_dict_bundle(resource), info, True
            return iter([readers.Item("resource", resource)]), empty, True
        try:
            resource_type, info = readers.scan_json(path)
        except Exception as exc:
            return iter([readers.Item("file", None, ("", f"not valid JSON ({exc})"))]), empty, True
        if resource_type == "Bundle":
            return readers.iter_bundle_entries(path), info, False
        with path.open("rb") as handle:
            resource = json.load(handle)
        return iter([readers.Item("resource", resource)]), empty, False

    def _run(self, path: Path, result: FileResult) -> None:
        items, info, validated = self._items(path)
        batch: list[_Pending] = []
        for item in items:
            if item.resource is None and item.problem is None:
                continue  # nothing to import (a GET entry of a batch)
            result.read += 1
            if item.problem is not None:
                self._reject(result, path, item, [item.problem])
                continue
            problems = [] if validated else validate(item.resource)
            if problems:
                self._reject(result, path, item, problems)
                continue
            batch.append(_Pending(item, item.resource))
            if len(batch) >= self.batch_size:
                self._write_batch(batch, info, result)
                self.on_progress(len(batch))
                batch = []
                reset_queries()  # with DEBUG on, Django would keep every SQL statement
        if batch:
            self._write_batch(batch, info, result)
            self.on_progress(len(batch))

    def _reject(self, result, path, item, problems) -> None:
        result.rejected += 1
        for field, reason in problems:
            problem = Problem(path.name, item.location, field, reason)
            result.problems.append(problem)
        if self.skip_invalid:
            self.rejects.write(Problem(path.name, item.location, *problems[0]), item.resource)

    # ------------------------------------------------------------------------------- batches

    def _write_batch(
        self, batch: list[_Pending], info: readers.BundleInfo, result: FileResult
    ) -> None:
        # Last occurrence wins when a batch holds the same record twice.
        by_key: dict[tuple[str, str], _Pending] = {}
        for pending in batch:
            pending.source_id = self._source_id(pending.item, pending.resource)
            pending.logical_id = self.logical_id(pending.resource_type, pending.source_id)
            pending.hash = content_hash(pending.resource)
            key = (pending.resource_type, pending.source_id)
            if key in by_key:
                result.unchanged += 1
            by_key[key] = pending
        batch = list(by_key.values())
        self._decide(batch, result)
        work = [p for p in batch if p.action in ("insert", "update")]
        if not work:
            return
        self._resolve_references(work, info)
        for p in work:
            result.unresolved_references += len(p.unresolved)
        patients = [p for p in work if p.resource_type == "Patient"]
        self._link_patients(patients)
        self._attach_people([p for p in work if p.resource_type != "Patient"])
        self._store(work, result)

    def _decide(self, batch: list[_Pending], result: FileResult) -> None:
        by_type: dict[str, list[str]] = {}
        for p in batch:
            by_type.setdefault(p.resource_type, []).append(p.source_id)
        existing: dict[tuple[str, str], Resource] = {}
        for resource_type, ids in by_type.items():
            for row in Resource.objects.filter(
                source=self.source, resource_type=resource_type, source_id__in=ids
            ):
                existing[(row.resource_type, row.source_id)] = row
        for p in batch:
            held = existing.get((p.resource_type, p.source_id))
            if held is None:
                p.action = "insert"
                continue
            p.existing = held
            p.logical_id = held.logical_id
            p.action = self._compare(p, held)
            if p.action == "unchanged":
                result.unchanged += 1
            elif p.action == "older":
                result.unchanged += 1
                result.older += 1

    @staticmethod
    def _compare(p: _Pending, held: Resource) -> str:
        meta = p.resource.get("meta") or {}
        incoming_updated = _parse_instant(meta.get("lastUpdated"))
        incoming_version = str(meta.get("versionId") or "")
        if incoming_updated and held.source_last_updated:
            if incoming_updated < held.source_last_updated:
                return "older"
            if incoming_updated > held.source_last_updated:
                return "update"
        if incoming_version.isdigit() and held.source_version.isdigit():
            if int(incoming_version) < int(held.source_version):
                return "older"
            if int(incoming_version) > int(held.source_version):
                return "update"
        return "unchanged" if p.hash == held.content_hash else "update"

    # ---------------------------------------------------------------------------- references

    def _target_of(self, reference: str, info: readers.BundleInfo) -> tuple[str, str] | None:
        """(type, logical id) a reference points at, before checking that it exists."""
        if reference in info.full_urls:
            resource_type, resource_id = info.full_urls[reference]
            source_id = resource_id or reference.removeprefix("urn:uuid:").removeprefix("urn:oid:")
            return resource_type, self.logical_id(resource_type, source_id)
        match = RELATIVE_REF.search(reference)
        if match and not reference.startswith("urn:"):
            return match.group(1), self.logical_id(match.group(1), match.group(2))
        return None

    def _conditional(self, reference: str) -> tuple[str, str] | None:
        if reference in self._conditional_cache:
            return self._conditional_cache[reference]
        resource_type, _, query = reference.partition("?")
        found = None
        if query.startswith("identifier="):
            token = query.removeprefix("identifier=")
            rows = list(
                Resource.objects.filter(
                    resource_type=resource_type, identifier_index__contains=f"{token}\n"
                ).values_list("logical_id", flat=True)[:2]
            )
            found = (resource_type, rows[0]) if len(rows) == 1 else None
        self._conditional_cache[reference] = found
        return found

    def _resolve_references(self, work: list[_Pending], info: readers.BundleInfo) -> None:
        in_bundle = {
            (rt, self.logical_id(rt, rid or url.removeprefix("urn:uuid:").removeprefix("urn:oid:")))
            for url, (rt, rid) in info.full_urls.items()
        }
        in_batch = {(p.resource_type, p.logical_id) for p in work}
        found: list[tuple[_Pending, str, dict, tuple[str, str] | None]] = []
        wanted: dict[str, set[str]] = {}
        conditional_hits: set[tuple[str, str]] = set()
        for p in work:
            for path, holder in _walk_references(p.resource):
                reference = holder["reference"]
                if reference.startswith("#"):
                    continue
                if "?" in reference:
                    target = self._conditional(reference)
                    found.append((p, path, holder, target))
                    if target:
                        conditional_hits.add(target)
                    continue
                target = self._target_of(reference, info)
                found.append((p, path, holder, target))
                if target and target not in in_bundle and target not in in_batch:
                    wanted.setdefault(target[0], set()).add(target[1])
        known: set[tuple[str, str]] = in_bundle | in_batch | conditional_hits
        for resource_type, ids in wanted.items():
            rows = Resource.objects.filter(resource_type=resource_type, logical_id__in=ids)
            known.update((resource_type, i) for i in rows.values_list("logical_id", flat=True))
            if resource_type == "Patient":
                refs = Person.objects.filter(ref__in=[i for i in ids if _is_uuid(i)])
                known.update(("Patient", str(r)) for r in refs.values_list("ref", flat=True))
        for p, path, holder, target in found:
            about_person = target and target[0] == "Patient" and path.split(".")[0] in SUBJECT_PATHS
            if target is None or target not in known:
                p.unresolved.append({"path": path, "reference": holder["reference"]})
                if about_person and not p.subject:
                    # The Patient may arrive in a later file: attach the person then.
                    p.subject = f"Patient/{target[1]}"
                continue
            holder["reference"] = f"{target[0]}/{target[1]}"
            if about_person and not p.subject:
                p.subject = f"Patient/{target[1]}"

    # -------------------------------------------------------------------------------- people

    def _link_patients(self, patients: list[_Pending]) -> None:
        new = [p for p in patients if p.action == "insert"]
        incoming = [
            people_services.IncomingPerson(
                demographics=demographics_from_patient(p.resource),
                source=self.source,
                source_system=f"urn:caretrust:source:{self.source}:Patient",
                source_id=p.source_id,
            )
            for p in new
        ]
        for p, person_id in zip(
            new, people_services.add_people_from_import(incoming=incoming), strict=True
        ):
            p.person_id = person_id
        for p in patients:
            if p.action == "update" and p.existing is not None:
                p.person_id = p.existing.person_id
                if p.person_id:
                    people_services.update_demographics_from_import(
                        person_id=p.person_id,
                        demographics=demographics_from_patient(p.resource),
                        source=self.source,
                    )

    def _attach_people(self, work: list[_Pending]) -> None:
        subjects = {p.subject.removeprefix("Patient/") for p in work if p.subject}
        if not subjects:
            return
        person_of = dict(
            Resource.objects.filter(resource_type="Patient", logical_id__in=subjects)
            .exclude(person=None)
            .values_list("logical_id", "person_id")
        )
        uuids = [s for s in subjects - set(person_of) if _is_uuid(s)]
        person_of.update(
            {
                str(ref): pk
                for ref, pk in Person.objects.filter(ref__in=uuids).values_list("ref", "pk")
            }
        )
        for p in work:
            if p.subject:
                p.person_id = person_of.get(p.subject.removeprefix("Patient/"))

    # ------------------------------------------------------------------------------- storage

    def _store(self, work: list[_Pending], result: FileResult) -> None:
        now = timezone.now()
        inserts = [p for p in work if p.action == "insert"]
        rows = []
        for p in inserts:
            rows.append(self._row(p, Resource(), now, version=1))
        Resource.objects.bulk_create(rows, batch_size=1000)
        versions = [
            ResourceVersion(resource=row, version_id=1, last_updated=now, content=row.content)
            for row in rows
        ]
        events = [self._timeline(row) for row in rows if row.person_id]
        for p in work:
            if p.action != "update":
                continue
            row = self._row(p, p.existing, now, version=p.existing.version_id + 1)
            row.save()
            versions.append(
                ResourceVersion(
                    resource=row, version_id=row.version_id, last_updated=now, content=row.content
                )
            )
            TimelineEvent.objects.filter(resource=row).delete()
            if row.person_id:
                events.append(self._timeline(row))
        ResourceVersion.objects.bulk_create(versions, batch_size=1000)
        TimelineEvent.objects.bulk_create([e for e in events if e], batch_size=1000)
        result.inserted += len(inserts)
        result.updated += len(work) - len(inserts)

    def _row(self, p: _Pending, row: Resource, now: datetime, *, version: int) -> Resource:
        content = dict(p.resource)
        content["id"] = p.logical_id
        meta = content.get("meta") or {}
        summary = summarise(content)
        row.resource_type = p.resource_type
        row.logical_id = p.logical_id
        row.version_id = version
        row.last_updated = now
        row.content = content
        row.content_hash = p.hash
        row.person_id = p.person_id
        row.source = self.source
        row.source_id = p.source_id
        row.source_version = str(meta.get("versionId") or "")[:64]
        row.source_last_updated = _parse_instant(meta.get("lastUpdated"))
        row.status = summary.status
        row.date = summary.date
        row.subject_reference = p.subject
        row.unresolved = p.unresolved
        row.identifier_index = _identifier_index(content)
        return row

    def _timeline(self, row: Resource) -> TimelineEvent | None:
        if row.resource_type == "Patient":
            return None
        summary = summarise(row.content)
        return TimelineEvent(
            person_id=row.person_id,
            date=summary.date,
            sector=summary.sector,
            source=row.source,
            kind=row.resource_type,
            summary=summary.text,
            resource=row,
        )

    def _attach_late_subjects(self) -> None:
        """Resources read before their Patient (another file or a later batch) get their person
        now, with their timeline event."""
        waiting = Resource.objects.filter(person__isnull=True).exclude(subject_reference="")
        if not waiting.exists():
            return
        patient_person = Resource.objects.filter(
            resource_type="Patient", logical_id=Substr(OuterRef("subject_reference"), 9)
        ).values("person_id")[:1]
        waiting.update(person_id=Subquery(patient_person))
        fixed = (
            Resource.objects.filter(person__isnull=False, timeline_event__isnull=True)
            .exclude(resource_type="Patient")
            .exclude(subject_reference="")
        )
        events = [self._timeline(row) for row in fixed.iterator(chunk_size=1000)]
        TimelineEvent.objects.bulk_create([e for e in events if e], batch_size=1000)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def order_paths(paths: list[Path]) -> list[Path]:
    """Patients first (so other resources find their person at once), then the rest by name."""

    def key(path: Path) -> tuple[int, str]:
        name = path.name.lower()
        first = "patient" in name and "bundle" not in name
        return (0 if first else 1, str(path))

    return sorted(paths, key=key)
