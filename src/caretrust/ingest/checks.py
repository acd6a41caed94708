"""Checks on one FHIR resource that need no database: validation against the R4B models and the
content hash that tells an unchanged re-import from a new version.

No Django here, so a worker process can run the checks for a large file while the importer
writes the previous chunk (ADR 43): validation is the importer's largest cost.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from datetime import date

from caretrust.ingest import limits
from caretrust.ingest.references import references
from caretrust.ingest.shapes import ShapeCache
from caretrust.record.summaries import fhir_date, value_at

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
GENDERS = (None, "male", "female", "other", "unknown")
# Validate once per structure (ADR 127): this process's plans of shapes that passed the model.
SHAPES = ShapeCache()


def canonical_json(resource: dict) -> str:
    """The resource as compact JSON with its keys sorted: what its content hash is of, and (the
    same value to PostgreSQL's jsonb, which keeps no key order) what COPY stores (ADR 133)."""
    return json.dumps(resource, sort_keys=True, separators=(",", ":"))


def content_hash(resource: dict, text: str | None = None) -> str:
    """`text`: the resource's `canonical_json`, when already made."""
    return hashlib.sha256((text or canonical_json(resource)).encode()).hexdigest()


def validate(resource: dict, shapes: ShapeCache | None = SHAPES) -> list[tuple[str, str]]:
    """Problems (field, reason) found by the fhir.resources R4B model of the resource's type.
    With `shapes` (this process's cache by default) a resource of a shape that has passed the
    model before has only its values checked, by their fields' own types (ADR 127); a resource
    with any problem is always judged, and its problems named, by the whole model. `shapes=None`:
    the whole model every time."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str):
        return [("resourceType", "missing")]
    if not RESOURCE_TYPE.match(resource_type):
        return [("resourceType", f"{resource_type[:80]!r} is not a FHIR resource type")]
    # Limits first: the model would recurse through any depth and store any NUL.
    problems = limits.value_problems(resource)
    if problems:
        return problems
    rid = resource.get("id")
    if rid is not None and not (isinstance(rid, str) and FHIR_ID.match(rid)):
        # The model checks this for the types it knows; a type it does not know is kept, so
        # its id is checked here (it becomes the stored source id).
        return [("id", f"{str(rid)[:80]!r} is not a FHIR id (A-Z, a-z, 0-9, - and ., 1-64)")]
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return []  # a type R4B does not know: kept as it came, never dropped
    if shapes is None or not shapes.passes(model, resource):
        try:
            model.model_validate(resource)
        except ValidationError as exc:
            problems = []
            for error in exc.errors()[:5]:
                path = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
                problems.append((path, error.get("msg", "invalid")))
            return problems or [("", str(exc).splitlines()[0])]
        if shapes is not None:
            shapes.learn(model, resource)
    if resource_type == "Patient" and resource.get("gender") not in GENDERS:
        return [("gender", f"{resource.get('gender')!r} is not a FHIR administrative gender")]
    return implausible_dates(resource)


# Dates of things that have happened: never after tomorrow. Other dates (a plan's end, an
# appointment) may be ahead; every date must be after 1900.
PAST_DATES: dict[str, tuple[str, ...]] = {
    "Patient": ("deceasedDateTime",),
    "Encounter": ("period.start",),
    "Condition": ("onsetDateTime", "onsetPeriod.start", "recordedDate", "abatementDateTime"),
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("dateAsserted",),
    "Immunization": ("occurrenceDateTime", "recorded"),
    "AllergyIntolerance": ("recordedDate", "onsetDateTime"),
    "DiagnosticReport": ("effectiveDateTime", "effectivePeriod.start", "issued"),
    "QuestionnaireResponse": ("authored",),
    "EpisodeOfCare": ("period.start",),
}
OTHER_DATES = (
    "period.start",
    "period.end",
    "created",
    "authoredOn",
    "occurrenceDateTime",
    "date",
    "start",
)


def implausible_dates(resource: dict, today: date | None = None) -> list[tuple[str, str]]:
    """Birth dates in the future or more than 120 years ago; events after tomorrow or before
    1900 (ADR 46). The model has already checked that each date is well-formed."""
    problems: list[tuple[str, str]] = []
    resource_type = resource.get("resourceType", "")
    if resource_type == "Patient":
        born = fhir_date(resource.get("birthDate"))
        reason = born and limits.birth_date_problem(born, today)
        if reason:
            problems.append(("birthDate", reason))
    past = PAST_DATES.get(resource_type, ())
    for path in dict.fromkeys((*past, *OTHER_DATES)):
        value = fhir_date(value_at(resource, path))
        if value is None:
            continue
        reason = limits.event_date_problem(value, today, future=path not in past)
        if reason:
            problems.append((path, reason))
    return problems


# (problems, content hash, canonical JSON, references as (path, reference) in document order);
# for a resource with problems only the problems. A plain tuple: it is pickled for every line.
Checked = tuple[list[tuple[str, str]], str, str, list[tuple[str, str]] | None]


def freeze_long_lived_objects() -> None:
    """Leave what this process holds now (Django, the FHIR models and their validators: about a
    million objects) out of the cyclic garbage collector's full passes. An import allocates
    objects fast, so full passes come often, and each walked all of those objects: about a tenth
    of the importer's time and as much of a worker's. Once a process, after a collection, so no
    garbage is kept; objects are still freed when nothing refers to them."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


_frozen = False


def check_lines(lines: list[bytes]) -> list[Checked | None]:
    """Validate, hash and list the references of each NDJSON line (`Checked`); None for a line
    that is not a JSON object (the reader reports that itself). Runs in a worker process: after its first chunk (the models it needs
    are loaded), its long-lived objects are frozen."""
    out: list[Checked | None] = []
    for raw in lines:
        try:
            resource = json.loads(raw)
        except (ValueError, RecursionError):
            out.append(None)
            continue
        if not isinstance(resource, dict) or "resourceType" not in resource:
            out.append(None)
            continue
        problems = validate(resource)
        if problems:
            out.append((problems, "", "", None))
            continue
        # What the importer would work out from the resource again: done here, on the other
        # core, while it writes the chunk before (ADR 133).
        text = canonical_json(resource)
        listed = [(path, holder["reference"]) for path, holder in references(resource)]
        out.append(([], content_hash(resource, text), text, listed))
    freeze_long_lived_objects()
    return out
