"""`caretrust import fhir`: FHIR R4 resources into the shared care record.

Streaming: resources are read one at a time and written in batches, so memory stays flat.
Atomic per file: the whole file is one transaction; any problem rolls it back unless
`skip_invalid`, which imports the valid records and writes the rejects with their reasons.
Idempotent: source + type + the source's id decide insert, update or skip, and the source's
`meta.lastUpdated` / `meta.versionId` decide whether a record is newer or older than the one held.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import multiprocessing
import os
import re
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import ijson
import numpy as np
from django.db import connection, reset_queries
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from caretrust import bulk
from caretrust.ingest import limits, readers
from caretrust.ingest.atomic import Rollback, import_atomically
from caretrust.ingest.checks import Facts, content_hash, facts_of, validate
from caretrust.ingest.references import references as _references
from caretrust.ingest.report import FileResult, Problem, RejectsWriter
from caretrust.lookups import TextSet
from caretrust.people import services as people_services
from caretrust.people.fhir_patient import Demographics, demographics_from_patient
from caretrust.people.models import Person, PersonIdentifier
from caretrust.people.normalise import is_ref
from caretrust.record.models import Resource, ResourceVersion
from caretrust.record.summaries import SUBJECT_PATHS, Summary, line_columns, summarise

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
RELATIVE_REF = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(/_history/[^/]+)?$")
ID_NAMESPACE = uuid.UUID("5b7c1f0e-2f53-4a53-9a55-7e1a4a6f2d10")
BATCH_SIZE = 500
CONDITIONAL_CACHE_SIZE = 10_000
TARGETS_REMEMBERED = 100_000
_UNKNOWN = object()
# Stored Patients a file's references named, with their people: a million is about 130 MB.
PATIENT_CACHE_SIZE = 1_000_000
PEOPLE_TABLES = (Person, PersonIdentifier)  # looked up by NHS number and ref as people arrive
# The Resource fields an import writes, in the order of `FhirImporter._values`.
STORED_FIELDS = (
    "resource_type",
    "logical_id",
    "version_id",
    "last_updated",
    "content",
    "content_hash",
    "person_id",
    "source",
    "source_id",
    "source_version",
    "source_last_updated",
    "status",
    "date",
    "sector",
    "summary",
    "subject_reference",
    "unresolved",
    "identifier_index",
    "quarantined",
    "deleted_at",
)
# Below this an NDJSON file is validated in the importer's own process.
CHECK_IN_WORKERS_FROM_BYTES = 8 * 2**20


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
    return _token_lines(readers.identifier_tokens(resource))


def _token_lines(tokens) -> str:
    return "\n".join(tokens) + "\n" if tokens else ""


class _Pending:
    """One valid resource of the current batch and what the importer decided about it. Its
    facts come from the validating worker when there is one; the resource itself is parsed only
    when something needs more (a Patient's demographics, a reference to rewrite: ADR 136)."""

    __slots__ = (
        "_demographics",
        "action",
        "existing",
        "facts",
        "hash",
        "holders",
        "item",
        "listed",
        "logical_id",
        "person_id",
        "resource_type",
        "source_id",
        "subject",
        "summary",
        "text",
        "unresolved",
    )

    def __init__(self, item: readers.Item, facts: Facts) -> None:
        self.item = item
        self.facts = facts
        self.resource_type: str = facts[0]
        self.source_id = ""
        self.logical_id = ""
        self.hash = ""
        # The resource as read, in canonical JSON, while nothing in it has changed ("" once
        # something has, or when the reader did not make it): COPY stores it as it is.
        self.text = ""
        # (path, reference) of each reference in document order, as the worker listed them,
        # and (path, holding object) once the importer has walked the resource itself.
        self.listed: list[tuple[str, str]] | None = None
        self.holders: list[tuple[str, dict]] | None = None
        self.action = "insert"
        self.existing: Resource | None = None
        self.unresolved: list[dict] = []
        self.subject = ""  # resolved "Patient/<logical id>" of the person the resource is about
        self.person_id: int | None = None
        self.summary: Summary | None = None  # of the stored content, for its row and its event
        self._demographics: Demographics | None = None

    @property
    def resource(self) -> dict:
        resource = self.item.content()
        assert resource is not None  # a pending resource was read
        return resource

    def references(self) -> list[tuple[str, str]]:
        """(path, reference) of each reference, in document order."""
        if self.listed is None:
            self.holders = _references(self.resource)
            self.listed = [(path, holder["reference"]) for path, holder in self.holders]
        return self.listed

    def rewrite(self, index: int, reference: str) -> None:
        """Point the `index`th reference at `reference`."""
        if self.holders is None:
            self.holders = _references(self.resource)
        self.holders[index][1]["reference"] = reference
        self.text = ""

    @property
    def demographics(self) -> Demographics:
        """A Patient's demographics, read once (four steps of a batch use them)."""
        if self._demographics is None:
            self._demographics = self.facts[7] or demographics_from_patient(self.resource)
        return self._demographics


class FhirImporter:
    def __init__(
        self,
        *,
        source: str = "fhir",
        skip_invalid: bool = False,
        rejects: RejectsWriter | None = None,
        batch_size: int = BATCH_SIZE,
        on_progress: Callable[[int], None] | None = None,
        workers: int | None = None,
        workers_from_bytes: int = CHECK_IN_WORKERS_FROM_BYTES,
    ) -> None:
        self.source = source
        # Processes that validate a large NDJSON file ahead of the writer (0: validate here).
        self.workers = default_workers() if workers is None else workers
        self.workers_from_bytes = workers_from_bytes
        self.skip_invalid = skip_invalid
        self.rejects = rejects or RejectsWriter(None)
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda n: None)
        self._conditional_cache: dict[str, tuple[str, str] | None] = {}
        # The batch's stored Patients (logical id → person), found resolving references.
        self._person_of: dict[str, int] = {}
        # The batch's Patients' NHS numbers → who holds each already, found refusing ambiguity.
        self._holders_of: dict[str, set[int]] = {}
        # This file's: each resource type → whether the source held any before the file began.
        self._held_before: dict[str, bool] = {}
        # This file's: stored Patients its references named (logical id → person, or None).
        self._patients: dict[str, int | None] = {}
        # References read as (type, logical id), or None: not a relative reference.
        self._targets: dict[str, tuple[str, str] | None] = {}
        # Whether _patients holds every stored Patient (None: not asked yet this file).
        self._every_patient: bool | None = None

    # ----------------------------------------------------------------------------- identities

    def logical_id(self, resource_type: str, source_id: str) -> str:
        """Our id: the source's own when it is a valid FHIR id from the default source (so
        references between files keep working), else a stable UUID derived from source and id."""
        if self.source == "fhir" and FHIR_ID.match(source_id):
            return source_id
        return str(uuid.uuid5(ID_NAMESPACE, f"{self.source}|{resource_type}|{source_id}"))

    def _source_id(self, pending: _Pending) -> str:
        if pending.facts[1]:
            return pending.facts[1]
        if pending.item.full_url:
            return pending.item.full_url.removeprefix("urn:uuid:").removeprefix("urn:oid:")[:200]
        return content_hash(pending.resource)[:40]

    # --------------------------------------------------------------------------------- files

    def import_file(self, path: Path) -> FileResult:
        result = FileResult(file=str(path))
        self._copies = connection.vendor == "postgresql"  # bulk.insert's COPY: see _instant
        self._growth = bulk.Growth(Resource)
        self._people_growth = bulk.Growth(*PEOPLE_TABLES)  # grows only with new Patients
        self._held_before = {}
        self._patients = {}
        self._every_patient = None
        with self._growth.watch(), self._people_growth.watch():
            return import_atomically(
                path,
                result,
                label="import fhir",
                skip_invalid=self.skip_invalid,
                read=lambda: self._read_file(path, result),
                before_commit=lambda _: self._attach_late_subjects(),
                details={"source": self.source},
            )

    def _read_file(self, path: Path, result: FileResult) -> None:
        # Each batch's people before their identifiers and resources: checked as copied.
        bulk.check_foreign_keys_per_statement(Resource, *PEOPLE_TABLES)
        with self._checker_for(path) as checker, bulk.copies_kept_open():
            try:
                self._run(path, result, checker)
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                # A damaged .gz: nothing in it can be trusted, whatever --skip-invalid says.
                reason = f"not a readable gzip file ({exc})"
                result.problems.append(Problem(path.name, "file", "", reason))
                raise Rollback from None

    def _checker_for(self, path: Path):
        """A worker pool for a large NDJSON file; nothing for the rest (starting one costs more
        than it saves)."""
        if (
            self.workers < 1
            or readers.kind_of(path) != "ndjson"
            or path.stat().st_size < self.workers_from_bytes
        ):
            return contextlib.nullcontext(None)
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )

    def _items(
        self, path: Path, checker: Executor | None
    ) -> tuple[Iterator[readers.Item], readers.BundleInfo, bool]:
        """(items, bundle info, already validated)."""
        kind = readers.kind_of(path)
        empty = readers.BundleInfo(None, {})
        problem = readers.file_problem(path)
        if problem:
            return iter([readers.Item("file", None, ("", problem))]), empty, True
        if kind == "ndjson":
            return readers.iter_ndjson(path, checker), empty, False
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
        except readers.Refused as exc:
            refused = readers.Item(exc.location, None, (exc.field, exc.reason))
            return iter([refused]), empty, True
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            reason = f"not valid JSON ({str(exc).strip().splitlines()[0].strip()})"
            return iter([readers.Item("file", None, ("", reason))]), empty, True
        if resource_type == "Bundle":
            return readers.iter_bundle_entries(path, info.oversized), info, False
        with readers.open_bytes(path) as handle:
            text = limits.skip_bom(handle).read(limits.MAX_RECORD_BYTES + 1)
        if len(text) > limits.MAX_RECORD_BYTES:
            reason = f"one resource larger than the limit of {limits.MAX_RECORD_BYTES:,} bytes"
            return iter([readers.Item("resource", None, ("", reason))]), empty, True
        return iter([readers.Item("resource", json.loads(text))]), empty, False

    def _run(self, path: Path, result: FileResult, checker: Executor | None) -> None:
        items, info, validated = self._items(path, checker)
        batch: list[_Pending] = []
        seen = _SeenIds()
        for item in items:
            if item.resource is None and item.problem is None and item.raw is None:
                continue  # nothing to import (a GET entry of a batch)
            result.read += 1
            if item.problem is not None:
                self._reject(result, path, item, [item.problem])
                continue
            text, listed, facts = "", None, None
            if item.checked is not None:
                problems, digest, text, listed, facts = item.checked
            else:
                problems, digest = ([] if validated else validate(item.resource)), ""
            if problems:
                self._reject(result, path, item, problems)
                continue
            if facts is None:
                facts = facts_of(item.resource)
            earlier = seen.add(facts[0], facts[1], item.location)
            if earlier:
                rid = f"{facts[0]}/{facts[1]}"
                reason = f"{rid} is also at {earlier} of this file: one id, one resource a file"
                self._reject(result, path, item, [("id", reason)])
                continue
            pending = _Pending(item, facts)
            pending.hash = digest
            pending.text = text
            pending.listed = listed
            batch.append(pending)
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
            self.rejects.write(Problem(path.name, item.location, *problems[0]), item.content())

    # ------------------------------------------------------------------------------- batches

    def _write_batch(
        self, batch: list[_Pending], info: readers.BundleInfo, result: FileResult
    ) -> None:
        # Last occurrence wins when a batch holds the same record twice.
        by_key: dict[tuple[str, str], _Pending] = {}
        for pending in batch:
            pending.source_id = self._source_id(pending)
            pending.logical_id = self.logical_id(pending.resource_type, pending.source_id)
            pending.hash = pending.hash or content_hash(pending.resource)
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
        refused = self._refuse_ambiguous(patients, result)
        if refused:
            work = [p for p in work if p not in refused]
            patients = [p for p in patients if p not in refused]
        self._warn_invalid_nhs_numbers(patients, result)
        self._link_patients(patients)
        self._attach_people([p for p in work if p.resource_type != "Patient"])
        self._store(work, result)
        added: dict[str, int] = {}
        for p in work:
            added[p.resource_type] = added.get(p.resource_type, 0) + 1
        for resource_type, rows in added.items():
            self._growth.add(rows, kind=resource_type)
        self._people_growth.add(sum(p.action == "insert" for p in patients))
        self._remember_patients(patients)

    def _decide(self, batch: list[_Pending], result: FileResult) -> None:
        by_type: dict[str, list[str]] = {}
        for p in batch:
            by_type.setdefault(p.resource_type, []).append(p.source_id)
        existing: dict[tuple[str, str], Resource] = {}
        for resource_type, ids in by_type.items():
            if not self._source_held(resource_type):
                # Nothing of this type came from this source before this file, and a file gives
                # each id once (_SeenIds): only a resource without an id, known by its content
                # or its fullUrl, can be held already (an earlier batch of the same file).
                ids = [
                    p.source_id
                    for p in batch
                    if p.resource_type == resource_type and not p.facts[1]
                ]
                if not ids:
                    continue
            for row in Resource.objects.filter(
                source=self.source, resource_type=resource_type, source_id__in_array=TextSet(ids)
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

    def _source_held(self, resource_type: str) -> bool:
        """Whether this source held any resource of the type when the file began (asked the
        first time the file gives the type, before any of them is written)."""
        held = self._held_before.get(resource_type)
        if held is None:
            held = self._held_before[resource_type] = Resource.objects.filter(
                source=self.source, resource_type=resource_type
            ).exists()
        return held

    @staticmethod
    def _compare(p: _Pending, held: Resource) -> str:
        incoming_updated = _parse_instant(p.facts[3])
        incoming_version = p.facts[2]
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
        target = self._targets.get(reference, _UNKNOWN)
        if target is _UNKNOWN:
            match = RELATIVE_REF.search(reference)
            target = None
            if match and not reference.startswith("urn:"):
                target = match.group(1), self.logical_id(match.group(1), match.group(2))
            if len(self._targets) >= TARGETS_REMEMBERED:
                self._targets.clear()
            # The same reference recurs (a person's Encounters name their Patient, one after
            # another): read once; it depends on nothing but the importer's source.
            self._targets[reference] = target
        return target  # type: ignore[return-value]

    def _conditional(
        self, reference: str, info: readers.BundleInfo, in_batch: dict[str, tuple[str, str]]
    ) -> tuple[str, str] | None:
        """The one resource a conditional reference (`Type?identifier=system|value`) names: an
        entry of the same Bundle, a resource of the same batch, or one already stored."""
        if reference in info.identifiers:
            return self._target_of(info.identifiers[reference], info)
        if reference in in_batch:
            return in_batch[reference]
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
        if found:  # a miss may be filled by a later file: only hits are remembered
            if len(self._conditional_cache) > CONDITIONAL_CACHE_SIZE:
                self._conditional_cache.clear()
            self._conditional_cache[reference] = found
        return found

    def _resolve_references(self, work: list[_Pending], info: readers.BundleInfo) -> None:
        in_bundle = {
            (rt, self.logical_id(rt, rid or url.removeprefix("urn:uuid:").removeprefix("urn:oid:")))
            for url, (rt, rid) in info.full_urls.items()
        }
        in_batch = {(p.resource_type, p.logical_id) for p in work}
        batch_identifiers = {
            f"{p.resource_type}?identifier={token}": (p.resource_type, p.logical_id)
            for p in work
            for token in p.facts[4]
        }
        found: list[tuple[_Pending, int, str, str, tuple[str, str] | None]] = []
        wanted: dict[str, set[str]] = {}
        conditional_hits: set[tuple[str, str]] = set()
        for p in work:
            for index, (path, reference) in enumerate(p.references()):
                if reference.startswith("#"):
                    continue
                if "?" in reference:
                    target = self._conditional(reference, info, batch_identifiers)
                    found.append((p, index, path, reference, target))
                    if target:
                        conditional_hits.add(target)
                    continue
                target = self._target_of(reference, info)
                found.append((p, index, path, reference, target))
                if target and target not in in_bundle and target not in in_batch:
                    wanted.setdefault(target[0], set()).add(target[1])
        known: set[tuple[str, str]] = in_bundle | in_batch | conditional_hits
        self._person_of = {}
        for resource_type, ids in wanted.items():
            if resource_type == "Patient":
                self._look_up_patients(ids, known)
                continue
            rows = Resource.objects.filter(
                resource_type=resource_type, logical_id__in_array=TextSet(ids)
            )
            known.update((resource_type, i) for i in rows.values_list("logical_id", flat=True))
        for p, index, path, reference, target in found:
            about_person = target and target[0] == "Patient" and path.split(".")[0] in SUBJECT_PATHS
            if target is None or target not in known:
                p.unresolved.append({"path": path, "reference": reference})
                if about_person and not p.subject:
                    # The Patient may arrive in a later file: attach the person then.
                    p.subject = f"Patient/{target[1]}"
                continue
            # ADR 0103: a resolved reference names our copy as `Type/id`; a version-specific
            # one (`Type/id/_history/N`) keeps its version.
            ours = f"{target[0]}/{target[1]}{_history_suffix(reference, info)}"
            if ours != reference:
                p.rewrite(index, ours)
            if about_person and not p.subject:
                p.subject = f"Patient/{target[1]}"

    def _look_up_patients(self, ids: set[str], known: set[tuple[str, str]]) -> None:
        """Which of the stored Patients `ids` names exist, with their people for _attach_people
        (one look-up, not two: ADR 133). Each is asked once a file: a person's Patient is named
        by each of their Conditions and medicines, which a file seldom holds together."""
        asked = [i for i in ids if i not in self._patients]
        if asked and self._every_patient is None:
            self._every_patient = self._load_every_patient()
            asked = [i for i in asked if i not in self._patients]
        if asked and len(self._patients) + len(asked) > PATIENT_CACHE_SIZE:
            self._forget_patients()
        if asked:
            found = {}
            if not self._every_patient:  # (when it is, only a person's own ref can be found)
                found = dict(
                    Resource.objects.filter(
                        resource_type="Patient", logical_id__in_array=TextSet(asked)
                    ).values_list("logical_id", "person_id")
                )
            # A person of the index is also served as Patient/<their ref> (ADR 0103); their
            # person is found by _attach_people.
            refs = [i for i in asked if i not in found and is_ref(i)]
            found.update(
                (str(ref), None)
                for ref in Person.objects.filter(ref__in=refs).values_list("ref", flat=True)
            )
            for logical_id, person_id in found.items():
                self._patients[logical_id] = person_id
        for logical_id in ids:
            if logical_id in self._patients:
                known.add(("Patient", logical_id))
                person_id = self._patients[logical_id]
                if person_id is not None:
                    self._person_of[logical_id] = person_id

    def _load_every_patient(self) -> bool:
        """Every stored Patient with its person, once a file, when there are no more than the
        cache holds: a file of Encounters then names no Patient the importer must ask for, so
        its look-ups never end the COPY kept open (ADR 138)."""
        patients = Resource.objects.filter(resource_type="Patient")
        if patients.count() > PATIENT_CACHE_SIZE:
            return False
        self._patients.update(patients.values_list("logical_id", "person_id").iterator(10_000))
        return True

    def _forget_patients(self) -> None:
        self._patients.clear()  # flat memory, whatever the file
        self._every_patient = False

    def _remember_patients(self, patients: list[_Pending]) -> None:
        """The Patients this batch stored, so later batches' references find them."""
        if len(self._patients) + len(patients) > PATIENT_CACHE_SIZE:
            self._forget_patients()
        for p in patients:
            self._patients[p.logical_id] = p.person_id

    # -------------------------------------------------------------------------------- people

    def _refuse_ambiguous(self, patients: list[_Pending], result: FileResult) -> list[_Pending]:
        """Patients whose NHS number more than one person already holds: refused, naming them,
        rather than attached to a guess."""
        numbers = {p.demographics.nhs_number for p in patients} - {""}
        # Kept for _link_patients: the same numbers' holders, in the same transaction.
        self._holders_of = people_services.nhs_number_holders(numbers)
        ambiguous = {n: sorted(h) for n, h in self._holders_of.items() if len(h) > 1}
        refused = []
        for p in patients:
            number = p.demographics.nhs_number
            if number in ambiguous:
                refused.append(p)
                self._reject(
                    result,
                    Path(result.file),
                    p.item,
                    [
                        (
                            "Patient.identifier",
                            f"NHS number {number} is held by {len(ambiguous[number])} people "
                            "in the index: merge or correct them, then import again",
                        )
                    ],
                )
        return refused

    def _warn_invalid_nhs_numbers(self, patients: list[_Pending], result: FileResult) -> None:
        for p in patients:
            for value in people_services.invalid_nhs_numbers(p.demographics):
                result.warnings.append(
                    Problem(
                        Path(result.file).name,
                        p.item.location,
                        "Patient.identifier",
                        f"{value!r} is not a valid NHS number: kept, flagged, not used to match",
                    )
                )

    def _link_patients(self, patients: list[_Pending]) -> None:
        new = [p for p in patients if p.action == "insert"]
        incoming = [
            people_services.IncomingPerson(
                demographics=p.demographics,
                source=self.source,
                source_system=f"urn:caretrust:source:{self.source}:Patient",
                source_id=p.source_id,
            )
            for p in new
        ]
        people = people_services.add_people_from_import(
            incoming=incoming, holders_of=self._holders_of
        )
        for p, person_id in zip(new, people, strict=True):
            p.person_id = person_id
        for p in patients:
            if p.action == "update" and p.existing is not None:
                p.person_id = p.existing.person_id
                if p.person_id:
                    people_services.update_demographics_from_import(
                        person_id=p.person_id,
                        demographics=p.demographics,
                        source=self.source,
                    )

    def _attach_people(self, work: list[_Pending]) -> None:
        subjects = {p.subject.removeprefix("Patient/") for p in work if p.subject}
        if not subjects:
            return
        # Stored Patients named by a reference were looked up with their people already.
        person_of = {s: self._person_of[s] for s in subjects if s in self._person_of}
        person_of.update(
            Resource.objects.filter(
                resource_type="Patient", logical_id__in_array=TextSet(subjects - set(person_of))
            )
            .exclude(person=None)
            .values_list("logical_id", "person_id")
        )
        uuids = [s for s in subjects - set(person_of) if is_ref(s)]
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
        # Each new resource's row, made as COPY sends the ones before (ADR 133); no version
        # row: the current version lives only in the row (ADR 134).
        made = (self._values(p, now, version=1) for p in inserts)
        bulk.insert_rows(Resource, STORED_FIELDS, made, count=len(inserts))
        superseded: list[dict] = []  # the held current versions the updates replace
        for p in work:
            if p.action != "update":
                continue
            held = p.existing
            superseded.append(ResourceVersion.superseding(held))
            row = self._values(p, now, version=held.version_id + 1)
            for name, value in zip(STORED_FIELDS, row, strict=True):
                setattr(held, name, bulk.value_of(value))
            held.save()
        bulk.insert(ResourceVersion, superseded)
        result.inserted += len(inserts)
        result.updated += len(work) - len(inserts)

    def _values(self, p: _Pending, now: datetime, *, version: int) -> tuple:
        """The Resource row for a pending resource, its values in the order of STORED_FIELDS;
        its content a `bulk.Json` of the text as read when nothing in it changed (not parsed
        again, ADR 136)."""
        _type, source_id, source_version, source_updated, tokens, summarised, names, _ = p.facts
        if p.text and source_id == p.logical_id:
            content: bulk.Json | dict = bulk.Json(text=p.text)
            summary = p.summary = Summary(*summarised)
        else:
            content = dict(p.resource)
            content["id"] = p.logical_id
            p.text = ""  # no longer the resource as read
            summary = p.summary = summarise(content)
        line = line_columns(p.resource_type, summary)  # its timeline line (ADR 135)
        return (
            p.resource_type,
            p.logical_id,
            version,
            now,
            content,
            p.hash,
            p.person_id,
            self.source,
            p.source_id,
            source_version[:64],
            self._instant(source_updated),
            summary.status,
            summary.date,
            line["sector"],
            line["summary"],
            p.subject,
            p.unresolved,
            _token_lines(tokens),
            p.person_id is None and names,
            # A newer version from its source brings back a resource deleted over the API.
            None,
        )

    def _instant(self, value: str):
        """`meta.lastUpdated` for its column. PostgreSQL reads the instant as sent (validated,
        so with its offset) in COPY: parsing it here cost about 5 µs a resource."""
        if self._copies:
            return value or None
        return _parse_instant(value)

    def _attach_late_subjects(self) -> None:
        """Resources read before their Patient (another file or a later batch) get their person
        now, and with it their line on the person's timeline (ADR 135)."""
        waiting = Resource.objects.filter(person__isnull=True).exclude(subject_reference="")
        if not waiting.exists():
            return
        patient_person = Resource.objects.filter(
            resource_type="Patient", logical_id=Substr(OuterRef("subject_reference"), 9)
        ).values("person_id")[:1]
        waiting.update(person_id=Subquery(patient_person))
        # What found its person leaves quarantine.
        Resource.objects.filter(quarantined=True, person__isnull=False).update(quarantined=False)


def _history_suffix(reference: str, info: readers.BundleInfo) -> str:
    """`/_history/N` of a version-specific relative or absolute reference, else ""."""
    if "/_history/" not in reference or reference in info.full_urls:
        return ""
    match = RELATIVE_REF.search(reference)
    return (match.group(3) or "") if match else ""


class _SeenIds:
    """The ids a file has given so far, each with where it was first seen, in about 16 bytes an
    id whatever the file's length (a dict of them took about 190 bytes an id: 540 MB for the
    2.9 million Encounters of 100,000 people). Ids are kept as Python's own string hash (SipHash,
    keyed per process), which collides no more often than an 8-byte digest and costs a fifth as
    much; the keys never leave the process. The latest ids go in a dict; every `RECENT` of them
    are folded into two sorted arrays (hash, position). A 16 MB bitmap of the folded hashes
    answers "not seen" for almost every new id without searching the arrays."""

    RECENT = 100_000
    FILTER_BITS = 1 << 27

    def __init__(self) -> None:
        self._recent: dict[int, int] = {}
        self._hashes = np.empty(0, dtype=np.int64)
        self._positions = np.empty(0, dtype=np.int64)
        self._filter = bytearray()  # made at the first fold: most files never need it

    def add(self, resource_type: str, rid: str, location: str) -> str | None:
        """Where this resource's type and id were first seen in the file, if they were.
        `location`: "line N", "entry N" or "resource" (a file of one resource: never twice)."""
        if not rid:
            return None
        word, _, number = location.rpartition(" ")
        if not number.isdigit():
            return None
        key = hash(f"{resource_type}/{rid}")
        earlier = self._recent.get(key)
        if earlier is None and self._filter:
            slot = key & (self.FILTER_BITS - 1)
            if self._filter[slot >> 3] & (1 << (slot & 7)):
                index = int(self._hashes.searchsorted(key))
                if index < self._hashes.size and self._hashes[index] == key:
                    earlier = int(self._positions[index])
        if earlier is not None:
            return f"{word} {earlier}"  # one reader a file: lines, or a Bundle's entries
        self._recent[key] = int(number)
        if len(self._recent) >= self.RECENT:
            self._fold()
        return None

    def _fold(self) -> None:
        count = len(self._recent)
        folded = np.fromiter(self._recent.keys(), np.int64, count)
        positions = np.fromiter(self._recent.values(), np.int64, count)
        order = np.argsort(folded)
        folded, positions = folded[order], positions[order]
        # Merged into the sorted arrays where each belongs, not sorted with them: sorting all
        # of them again made three copies of the arrays at each fold (about 40 bytes an id
        # for a moment, 120 MB at the end of the population's 2.9 million Encounters).
        at = self._hashes.searchsorted(folded)
        self._hashes = np.insert(self._hashes, at, folded)
        self._positions = np.insert(self._positions, at, positions)
        self._recent.clear()
        if not self._filter:
            self._filter = bytearray(self.FILTER_BITS >> 3)
        bitmap = np.frombuffer(self._filter, dtype=np.uint8)
        slots = folded & (self.FILTER_BITS - 1)
        np.bitwise_or.at(bitmap, slots >> 3, (1 << (slots & 7)).astype(np.uint8))


def default_workers() -> int:
    """One validating process per core but one (the importer and the database need the rest)."""
    return max(1, (os.cpu_count() or 1) - 1)


def order_paths(paths: list[Path]) -> list[Path]:
    """Patients first (so other resources find their person at once), then the rest by name."""

    def key(path: Path) -> tuple[int, str]:
        name = path.name.lower()
        first = "patient" in name and "bundle" not in name
        return (0 if first else 1, str(path))

    return sorted(paths, key=key)
