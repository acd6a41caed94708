"""FHIR Bulk Data Access (HL7 Bulk Data IG v2) `$export` (ADR 117).

Kick-off (`GET [base]/Patient/$export`, `[base]/Group/<id>/$export`, `[base]/$export`, with
`Prefer: respond-async`) checks the request and the client's right to it, then starts a
background job (`caretrust.jobs`); the status URL answers 202 with `X-Progress` while it runs and
the manifest when it is done; DELETE cancels it and removes its files. Files are NDJSON, one per
resource type, written as rows stream from the database (memory stays flat), and served only to
the client that asked for them.

Who is exported:
* Patient level: every person the client may read (`handlers.visible_person_ids`, the rule of
  every FHIR read: relationships from workflow, never break-glass);
* Group level: the members of a Group (a GP practice's registered list, `fhir.groups`) the
  client may read;
* system level: everyone the current National Data Opt-out check cleared (ADR 87: no one who
  opted out, nationally or locally, and no one without an NHS number), for a client approved for
  secondary use (`ApiClient.secondary_use`, an analyst's client); pseudonymised
  (`pseudonymise_patient`) unless approved for identifiable data.

What is exported: each person once as the people index's Patient (id = the person's ref; under
pseudonymisation a keyed pseudonym), and the resources the shared record keeps for them as sent
(`record.Resource`: not quarantined, not deleted; the Patients sources sent are represented by
the index's Patient), and the resources caretrust's own apps keep for them (referrals as
ServiceRequest and Task, to-do Tasks, CarePlan, CareTeam, QuestionnaireResponse: every handler
that implements `ResourceHandler.export_rows`, under the rule of its own search), with every
subject reference naming the exported Patient. System level adds the resources about no one
(organisations, practitioners, medications). One audit row per person exported, per export.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from caretrust.access import audit
from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext
from caretrust.people import nhs_number
from caretrust.people.models import Person

JOB_KIND = "fhir.bulk_export"
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
KICK_OFF_PARAMS = ("_outputFormat", "_since", "_type")
CHUNK = 2000
PSEUDONYM_SYSTEM = "https://caretrust.example/Id/bulk-export-pseudonym"
# Elements of a person-linked resource that can name the person, taken off under pseudonymisation.
UNSAFE_ELEMENTS = ("text", "contained")


class ExportCancelled(Exception):
    """The client cancelled the export (DELETE on its status URL)."""


@dataclass(frozen=True)
class KickOff:
    level: str  # "patient", "group" or "system"
    group: str | None
    types: list[str] | None  # None: every type the client's scopes allow
    since: datetime | None


# ------------------------------------------------------------------------------- kick-off


def parse_kick_off(query: list[tuple[str, str]], prefer: str, accept: str) -> tuple[list, Any]:
    """The kick-off's parameters, checked: ([types] or None, since or None). Raises Invalid."""
    if "respond-async" not in [part.strip() for part in prefer.split(",")]:
        raise registry.Invalid(
            "a Bulk Data export is asynchronous: send Prefer: respond-async", expression="Prefer"
        )
    media = [part.split(";")[0].strip() for part in accept.split(",") if part.strip()]
    if media and not any(m in ("application/fhir+json", "application/json", "*/*") for m in media):
        raise registry.Invalid(
            "the kick-off answers in application/fhir+json: send Accept: application/fhir+json",
            expression="Accept",
        )
    values: dict[str, list[str]] = {}
    for name, value in query:
        if "\x00" in name or "\x00" in value:
            raise registry.Invalid(f"{name!r} contains a NUL character", expression=name)
        if name not in KICK_OFF_PARAMS:
            raise registry.Invalid(
                f"{name!r} is not a supported $export parameter (supported: "
                f"{', '.join(KICK_OFF_PARAMS)})",
                expression=name,
            )
        values.setdefault(name, []).append(value)
    for output_format in values.get("_outputFormat", []):
        if output_format not in OUTPUT_FORMATS:
            raise registry.Invalid(
                f"_outputFormat {output_format[:80]!r} is not supported: use "
                f"{', '.join(OUTPUT_FORMATS)}",
                expression="_outputFormat",
            )
    types: list[str] | None = None
    if "_type" in values:
        types = []
        for text in values["_type"]:
            for name in (t.strip() for t in text.split(",")):
                if not name or not name.isalpha() or registry.get(name) is None:
                    raise registry.Invalid(
                        f"_type {name[:64]!r} is not a resource type this server exports",
                        expression="_type",
                    )
                if name not in types:
                    types.append(name)
    since = None
    if "_since" in values:
        text = values["_since"][-1]
        try:
            since = parse_datetime(text)
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:
            raise registry.Invalid(
                f"_since {text[:40]!r} is not a FHIR instant (e.g. 2026-01-01T00:00:00Z)",
                expression="_since",
            )
    return types, since


def check_scopes(ctx: FhirContext, types: list[str] | None) -> None:
    """A SMART token must allow reading every type asked for (or, with no `_type`, at least
    one); a static token reads every type (ADR 113)."""
    if ctx.scopes is None:
        return
    from caretrust.fhir.smart import permits

    if types is None:
        if not any(permits(ctx.scopes, t, "read") for t in registry.handlers()):
            raise registry.Forbidden(
                f"the access token's scopes ({ctx.scopes}) read no resource type: an export "
                "needs system/*.read or system/<Type>.read"
            )
        return
    for resource_type in types:
        if not permits(ctx.scopes, resource_type, "read"):
            raise registry.Forbidden(
                f"the access token's scopes ({ctx.scopes}) do not allow reading {resource_type} "
                f"(an export of it needs system/{resource_type}.read or wider)"
            )


def secondary_use_people() -> QuerySet:
    """Whom a system-level export may hold (ADR 87, ADR 117): the survivors the current National
    Data Opt-out check cleared (their NHS number in the cleared cohort, no local opt-out), and
    the people merged into them, less anyone who opted out locally. Someone without an NHS
    number cannot be checked, so is left out. StaleCohort when there is no current check."""
    from caretrust.optout import selectors as optout

    cohort = optout.current_cohort("Bulk Data system-level export")
    survivors = Person.objects.filter(
        merged_into__isnull=True, pk__in=optout.cleared_people(cohort)
    ).values("pk")
    return Person.objects.filter(
        Q(pk__in=survivors) | Q(merged_into__in=survivors), opted_out_of_secondary_use=False
    )


def check_level(ctx: FhirContext, level: str, group: str | None) -> None:
    """Who may ask for what: a system export needs an approved secondary use; a Group must be
    one the client may read."""
    if level == "system":
        ctx.require("fhir.export_for_secondary_use")
        if ctx.client is None or not ctx.client.secondary_use:
            raise registry.Forbidden(
                "a system-level export is only for a client approved for secondary use "
                "(a data sharing agreement): export at Patient or Group level instead"
            )
        from caretrust.optout.selectors import StaleCohort, current_cohort

        try:
            current_cohort("Bulk Data system-level export")
        except StaleCohort as exc:
            raise registry.Forbidden(str(exc)) from None
    elif level == "group":
        from caretrust.fhir.groups import practice_for_group

        practice_for_group(str(group))  # NotFound when there is no such Group
        ctx.require("people.view_record")


def kick_off(ctx: FhirContext, level: str, group: str | None, request_url: str, **parsed) -> Any:
    """Start the export job; returns the Job (already finished with an immediate backend)."""
    from caretrust.jobs.services import submit

    types, since = parsed["types"], parsed["since"]
    check_scopes(ctx, types)
    check_level(ctx, level, group)
    return submit(
        owner=ctx.user,
        kind=JOB_KIND,
        title=f"FHIR Bulk Data export ({level} level) for {ctx.client.name if ctx.client else '?'}",
        parameters={
            "level": level,
            "group": group,
            "types": types,
            "since": since.isoformat() if since else None,
            "request": request_url,
            "transaction_time": timezone.now().isoformat(),
            "client": ctx.client.pk if ctx.client else None,
            "scopes": ctx.scopes,
            "base_url": ctx.base_url,
        },
    )


# ------------------------------------------------------------------------------ the job


def export_dir(job_id: Any) -> Path:
    root = Path(getattr(settings, "CARETRUST_BULK_EXPORT_DIR", "") or settings.VAR_DIR / "bulk")
    return root / str(job_id)


def _survivor_nhs() -> Subquery:
    """A Resource row's person's survivor's NHS number (the first held, as `Person.nhs_number`)."""
    from caretrust.people.models import PersonIdentifier

    survivor = Coalesce(OuterRef("person__merged_into"), OuterRef("person"))
    return Subquery(
        PersonIdentifier.objects.filter(
            person_id=survivor, system=nhs_number.SYSTEM, data_quality=""
        )
        .order_by("pk")
        .values("value")[:1]
    )


def pseudonym(person: Person, nhs: str | None) -> str:
    """A keyed HMAC-SHA256 of the person's NHS number (of their ref when they have none), with
    the settings secret: stable across exports for the same key, unlinkable without it."""
    key = (
        getattr(settings, "CARETRUST_PSEUDONYM_KEY", "")
        or hmac.new(
            settings.SECRET_KEY.encode(), b"caretrust bulk export pseudonyms", hashlib.sha256
        ).hexdigest()
    )
    subject = f"nhs:{nhs}" if nhs else f"ref:{person.ref}"
    return hmac.new(key.encode(), subject.encode(), hashlib.sha256).hexdigest()


def pseudonymise_patient(resource: dict, pseudo: str) -> dict:
    """What a pseudonymised Patient keeps (ADR 117): the pseudonym as id and only identifier,
    gender, birth year, year of death, the postcode district (outward code) and the GP
    practice's ODS code. Names, other identifiers, address lines, telecom and links go."""
    meta = {k: v for k, v in resource.get("meta", {}).items() if k != "profile"}
    out: dict = {"resourceType": "Patient", "id": pseudo, "meta": meta}
    out["identifier"] = [{"system": PSEUDONYM_SYSTEM, "value": pseudo}]
    if "gender" in resource:
        out["gender"] = resource["gender"]
    if resource.get("birthDate"):
        out["birthDate"] = resource["birthDate"][:4]
    if resource.get("deceasedDateTime"):
        out["deceasedDateTime"] = resource["deceasedDateTime"][:4]
    postcodes = [a.get("postalCode") for a in resource.get("address", []) if a.get("postalCode")]
    if postcodes:
        out["address"] = [{"use": "home", "postalCode": postcodes[0].split()[0]}]
    if resource.get("generalPractitioner"):
        out["generalPractitioner"] = [
            {"identifier": gp["identifier"]}
            for gp in resource["generalPractitioner"]
            if "identifier" in gp
        ]
    return out


def _without_displays(value: Any) -> Any:
    """Every reference's `display` taken off (it may be a name), recursively."""
    if isinstance(value, dict):
        return {
            k: _without_displays(v)
            for k, v in value.items()
            if not (k == "display" and "reference" in value)
        }
    if isinstance(value, list):
        return [_without_displays(v) for v in value]
    return value


def _with_patient(value: Any, old_refs: set[str], new_ref: str) -> Any:
    """Every reference naming the person (their ref, or their survivor's) names the exported
    Patient instead, recursively (the subject, a contained Goal's `expressedBy`, ...)."""
    if isinstance(value, dict):
        return {
            k: new_ref
            if k == "reference" and v in old_refs
            else _with_patient(v, old_refs, new_ref)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_patient(v, old_refs, new_ref) for v in value]
    return value


# Free text in caretrust's own resources, removed wherever it is under pseudonymisation: what a
# person typed (a referral's reason and notes, a plan's descriptions, an assessment's answers, a
# task's title and description, reasons for a status) and titles and names that repeat the
# person's name ("Shared care plan for ...", "Care team for ...").
APP_FREE_TEXT = frozenset(
    {
        "note",
        "description",
        "title",
        "name",
        "comment",
        "authorString",
        "valueString",
        "statusReason",
    }
)


def pseudonymise_app_resource(resource: dict) -> dict:
    """What a pseudonymised resource of caretrust's own keeps (ADR 117): no narrative, no
    contained resources, no `display` but a Coding's (so no requester, owner, performer,
    author or care team member named, nor an organisation or team), none of `APP_FREE_TEXT`,
    no `text` of a concept that also has codings (the codings say what it is, the text may
    be typed: a referral's `reasonCode.text`, a to-do task's title in `code.text`) nor of a
    `reasonCode`, and no reference to a contained resource (a CarePlan's `goal`). What
    remains is coded content, statuses, dates and references by id."""
    body = {k: v for k, v in resource.items() if k not in UNSAFE_ELEMENTS}
    return _scrubbed(body, "") or {}


def _scrubbed(value: Any, key: str) -> Any:
    if isinstance(value, list):
        items = [_scrubbed(v, key) for v in value]
        return [v for v in items if v not in (None, {}, [])] or None
    if not isinstance(value, dict):
        return value
    coding = "code" in value and ("system" in value or "display" in value)
    out = {}
    for k, v in value.items():
        if k in APP_FREE_TEXT:
            continue
        if k == "display" and not coding:
            continue
        if k == "reference" and isinstance(v, str) and v.startswith("#"):
            return None  # a contained resource, taken off
        if k == "text" and key and ("coding" in value or key == "reasonCode"):
            continue
        kept = _scrubbed(v, k)
        if kept not in (None, {}, []):
            out[k] = kept
    if key in ("extension", "modifierExtension") and set(out) <= {"url"}:
        return None  # its value was a name (an assessment's contributor): nothing left
    return out or None


class Export:
    """One export being written (the job's handler makes one and calls `run`)."""

    def __init__(self, job, progress) -> None:
        from caretrust.fhir.models import ApiClient

        self.job, self.progress = job, progress
        self.params = job.parameters
        self.client = ApiClient.objects.select_related("user").get(pk=self.params["client"])
        if self.client.revoked_at is not None or not self.client.user.is_active:
            raise registry.Forbidden(f"client {self.client.name} was revoked: nothing exported")
        self.ctx = FhirContext(
            user=self.client.user,
            base_url=self.params["base_url"],
            client=self.client,
            scopes=self.params["scopes"],
        )
        self.level = self.params["level"]
        self.since = parse_datetime(self.params["since"]) if self.params["since"] else None
        self.pseudonymised = self.level == "system" and self.client.secondary_use != "identifiable"
        self.dir = export_dir(job.pk)
        self.exported: set[int] = set()  # people written (survivors), for the audit
        self.rows = 0
        self.id_batches: list[list[int]] = []  # the people, by id, 2,000 a batch

    # who ------------------------------------------------------------------------------

    def people(self) -> list[QuerySet]:
        """The people (survivors and the people merged into them) whose records are exported, as
        querysets to read one after the other. System level: one, a subquery. Patient and Group
        level: one per 2,000 of the client's people, by id (a scope of `= ANY(array)` over every
        person the client may see costs time in the square of their number on PostgreSQL)."""
        from caretrust.fhir.handlers import visible_person_ids

        if self.level == "system":
            # Authorised again when it runs: the approval may have been withdrawn meanwhile.
            check_level(self.ctx, "system", None)
            people = secondary_use_people()
            ordered = list(people.order_by("pk").values_list("pk", flat=True))
            self.id_batches = [
                ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)
            ]
            return [people]
        ids = set(visible_person_ids(self.ctx))
        if self.level == "group":
            from caretrust.fhir.groups import practice_for_group

            practice = practice_for_group(str(self.params["group"]))
            registered = Person.objects.filter(
                Q(gp_practice=practice)
                | Q(merged_into__gp_practice=practice, merged_into__merged_into__isnull=True)
            ).values_list("pk", flat=True)
            ids &= set(registered.iterator(chunk_size=CHUNK))
        ordered = sorted(ids)
        self.id_batches = [
            ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)
        ]
        return [
            Person.objects.filter(pk__in=ordered[start : start + CHUNK])
            for start in range(0, len(ordered), CHUNK)
        ]

    def types(self) -> list[str]:
        from caretrust.fhir.smart import permits
        from caretrust.record.models import Resource

        if self.params["types"] is not None:
            return list(self.params["types"])
        held = set(
            Resource.objects.filter(quarantined=False, deleted_at__isnull=True)
            .order_by()
            .values_list("resource_type", flat=True)
            .distinct()
        )
        apps = {t for t, handler in registry.handlers().items() if handler.exports()}
        types = ["Patient", *sorted((held | apps) - {"Patient"})]
        if self.ctx.scopes is None:
            return types
        return [t for t in types if permits(self.ctx.scopes, t, "read")]

    # writing --------------------------------------------------------------------------

    def check_cancelled(self) -> None:
        from caretrust.jobs.models import Job

        if Job.objects.filter(pk=self.job.pk, error=CANCEL_ERROR).exists():
            raise ExportCancelled(CANCEL_ERROR)

    def run(self) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            batches = self.people()
            types = self.types()
            outputs = []
            for i, resource_type in enumerate(types):
                self.progress(100 * i / max(1, len(types)), f"Writing {resource_type}")
                path = self.dir / f"{resource_type}.ndjson"
                with path.open("w", encoding="utf-8") as handle:
                    lines = chain(
                        chain.from_iterable(
                            self.patients(people)
                            if resource_type == "Patient"
                            else self.resources(people, resource_type)
                            for people in batches
                        ),
                        self.app_resources(resource_type),
                    )
                    count = 0
                    for resource in lines:
                        handle.write(json.dumps(resource, separators=(",", ":")))
                        handle.write("\n")
                        count += 1
                if count:
                    outputs.append({"type": resource_type, "count": count})
                else:
                    path.unlink()
            self.check_cancelled()
            self.progress(99, "Recording who was exported")
            self.audit()
            manifest = {
                "transactionTime": self.params["transaction_time"],
                "request": self.params["request"],
                "requiresAccessToken": True,
                "output": [
                    {
                        "type": o["type"],
                        "url": f"{self.ctx.base_url}/bulk-file/{self.job.pk}/{o['type']}.ndjson",
                        "count": o["count"],
                    }
                    for o in outputs
                ],
                "error": [],
            }
            (self.dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        return f"{JOB_KIND}:{self.job.pk}"

    def _tick(self) -> None:
        self.rows += 1
        if self.rows % CHUNK == 0:
            self.check_cancelled()
            self.progress(getattr(self.progress, "percent", 0), f"{self.rows:,} resources written")

    def patients(self, people: QuerySet) -> Iterator[dict]:
        from caretrust.fhir.handlers import PATIENT_RELATED
        from caretrust.people.fhir_patient import patient_from_person

        rows = people.filter(merged_into__isnull=True)
        if self.since is not None:
            rows = rows.filter(updated_at__gte=self.since)
        rows = (
            rows.select_related(*PATIENT_RELATED)
            .prefetch_related("identifiers")
            .order_by("pk")
            .iterator(chunk_size=CHUNK)
        )
        for person in rows:
            identifiers = list(person.identifiers.all())
            resource = patient_from_person(person, identifiers)
            resource["meta"] = {
                **resource.get("meta", {}),
                "versionId": str(person.version),
                "lastUpdated": person.updated_at.isoformat(),
            }
            if self.pseudonymised:
                nhs = next(
                    (
                        i.value
                        for i in sorted(identifiers, key=lambda i: i.pk)
                        if i.system == nhs_number.SYSTEM and not i.data_quality
                    ),
                    None,
                )
                resource = pseudonymise_patient(resource, self._patient_id(person, nhs))
            self.exported.add(person.pk)
            self._tick()
            yield resource

    def _patient_id(self, person: Person, nhs: str | None = None) -> str:
        """The id of the person's exported Patient: their ref, or their pseudonym."""
        return pseudonym(person, nhs) if self.pseudonymised else str(person.ref)

    def resources(self, people: QuerySet, resource_type: str) -> Iterator[dict]:
        from caretrust.record.models import Resource
        from caretrust.record.summaries import SUBJECT_PATHS

        if resource_type == "Patient":
            return
        about_people = Q(person__in=people.values("pk"))
        scope = about_people | Q(person__isnull=True) if self.level == "system" else about_people
        rows = Resource.objects.filter(
            scope, resource_type=resource_type, quarantined=False, deleted_at__isnull=True
        )
        if self.since is not None:
            rows = rows.filter(last_updated__gte=self.since)
        rows = rows.select_related("person", "person__merged_into").order_by("pk")
        if self.pseudonymised:
            # The survivor's NHS number comes with the row: no look-up per person, nothing kept.
            rows = rows.annotate(survivor_nhs=_survivor_nhs())
        for row in rows.iterator(chunk_size=CHUNK):
            body = dict(row.content)
            body["id"] = row.logical_id
            body["meta"] = {
                **(body.get("meta") or {}),
                "versionId": str(row.version_id),
                "lastUpdated": row.last_updated.isoformat(),
            }
            person = row.person
            if person is not None:
                survivor = person.merged_into if person.merged_into_id else person
                while survivor.merged_into_id:  # a chain of merges (rare)
                    survivor = survivor.merged_into
                nhs = getattr(row, "survivor_nhs", None)
                patient = f"Patient/{self._patient_id(survivor, nhs)}"
                for path in SUBJECT_PATHS:
                    holder = body.get(path)
                    if isinstance(holder, dict) and "reference" in holder:
                        body[path] = {**holder, "reference": patient}
                        break
                if self.pseudonymised:
                    for element in UNSAFE_ELEMENTS:
                        body.pop(element, None)
                    body = _without_displays(body)
                self.exported.add(survivor.pk)
            self._tick()
            yield body

    def app_resources(self, resource_type: str) -> Iterator[dict]:
        """The resources of the type caretrust's own apps keep (referrals as ServiceRequest and
        Task, the workspace's to-do Tasks, care plans and care teams, assessments), from each
        handler's `export_rows` a batch of people at a time, under the rule of that handler's
        search for this client (at system level, the approval); subject references name the
        exported Patient, and under pseudonymisation `pseudonymise_app_resource` applies."""
        handler = registry.get(resource_type)
        if resource_type == "Patient" or handler is None or not handler.exports():
            return
        for ids in self.id_batches:
            rows = handler.export_rows(
                self.ctx, ids, self.since, secondary_use=self.level == "system"
            )
            patients = None  # worked out at the batch's first row: most people have none
            for person_id, body in rows:
                if patients is None:
                    patients = self._patients_of(ids)
                if person_id not in patients:
                    continue
                survivor_pk, old_refs, patient_id = patients[person_id]
                body = _with_patient(body, old_refs, f"Patient/{patient_id}")
                if self.pseudonymised:
                    body = pseudonymise_app_resource(body)
                self.exported.add(survivor_pk)
                self._tick()
                yield body

    def _patients_of(self, ids: list[int]) -> dict[int, tuple[int, set[str], str]]:
        """person id → (their survivor's id, the references that name them, the exported
        Patient's id), for a batch of people: two queries, whatever its size."""
        from caretrust.people.models import PersonIdentifier

        people = list(
            Person.objects.filter(pk__in=ids).select_related(
                "merged_into", "merged_into__merged_into"
            )
        )
        survivors = {}
        for person in people:
            survivor = person
            while survivor.merged_into_id:
                survivor = survivor.merged_into
            survivors[person.pk] = survivor
        nhs: dict[int, str] = {}
        if self.pseudonymised:
            found = PersonIdentifier.objects.filter(
                person_id__in={s.pk for s in survivors.values()},
                system=nhs_number.SYSTEM,
                data_quality="",
            ).order_by("-pk")
            nhs = dict(found.values_list("person_id", "value"))  # the first held wins
        return {
            person.pk: (
                survivors[person.pk].pk,
                {f"Patient/{person.ref}", f"Patient/{survivors[person.pk].ref}"},
                self._patient_id(survivors[person.pk], nhs.get(survivors[person.pk].pk)),
            )
            for person in people
        }

    def audit(self) -> None:
        """One read audit row per person exported, written in batches."""
        ids = sorted(self.exported)
        details = {
            "via": "fhir",
            "client": self.client.name,
            "bulk_export": str(self.job.pk),
            "level": self.level,
            "pseudonymised": self.pseudonymised,
        }
        for start in range(0, len(ids), CHUNK):
            refs = [
                str(ref)
                for ref in Person.objects.filter(pk__in=ids[start : start + CHUNK])
                .order_by("pk")
                .values_list("ref", flat=True)
            ]
            audit.record_reads(
                actor=self.client.user,
                person_refs=refs,
                object_type="fhir.$export",
                details=details,
            )


CANCELLED = "Cancelled"
# Set on the Job by a DELETE: the progress reporter rewrites the message, never the error.
CANCEL_ERROR = "cancelled by the client"


def run_export(job, progress) -> str:
    """The job handler (registered in FhirConfig.ready)."""
    return Export(job, progress).run()


# --------------------------------------------------------------------------- status, files


def job_for(ctx: FhirContext, job_id: str):
    """The client's own export job, or NotFound (another client's is not found either)."""
    from caretrust.jobs.models import Job

    job = Job.objects.filter(pk=job_id, kind=JOB_KIND).first()
    if job is None or job.error == CANCEL_ERROR:
        raise registry.NotFound(f"no export {job_id} (or it was cancelled)")
    if job.owner_id != ctx.user.pk:
        raise registry.Forbidden("this export was asked for by another client")
    return job


def manifest_of(job) -> dict:
    return json.loads((export_dir(job.pk) / "manifest.json").read_text(encoding="utf-8"))


def cancel(ctx: FhirContext, job) -> None:
    """Stop the job (a running one stops at its next check) and remove its files."""
    from caretrust.jobs.models import Job

    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED,
        message=CANCELLED,
        error=CANCEL_ERROR,
        finished_at=timezone.now(),
    )
    shutil.rmtree(export_dir(job.pk), ignore_errors=True)
    audit.record(
        actor=ctx.user,
        action="delete",
        obj=job,
        reason="Bulk Data export cancelled by the client",
        details={"via": "fhir"},
    )


def file_for(ctx: FhirContext, job, name: str) -> tuple[Path, int]:
    """An output file of a finished export (path, count), its download audited."""
    from caretrust.jobs.models import Job

    if job.status != Job.Status.DONE:
        raise registry.NotFound(f"export {job.pk} has no files yet")
    resource_type = name.removesuffix(".ndjson")
    found = [o for o in manifest_of(job)["output"] if o["type"] == resource_type]
    if not found:
        raise registry.NotFound(f"export {job.pk} has no file {name}")
    audit.record(
        actor=ctx.user,
        action="export",
        obj=job,
        reason="Bulk Data export file downloaded",
        details={"via": "fhir", "file": name, "count": found[0]["count"]},
    )
    return export_dir(job.pk) / name, found[0]["count"]
