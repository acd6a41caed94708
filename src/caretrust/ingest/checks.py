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
from typing import Any

import orjson

from caretrust.ingest import limits
from caretrust.ingest.references import identifier_tokens, references
from caretrust.ingest.shapes import (
    MAX_SHAPES,
    Plan,
    Shape,
    ShapeCache,
    reference_positions,
    shape_of,
)
from caretrust.people.fhir_patient import Demographics, demographics_from_patient
from caretrust.record.summaries import fhir_date, names_a_person, summarise

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
GENDERS = (None, "male", "female", "other", "unknown")
# Validate once per structure (ADR 127): this process's plans of shapes that passed the model.
SHAPES = ShapeCache()


def canonical_json(resource: dict) -> str:
    """The resource as compact JSON with its keys sorted: what its content hash is of, and (the
    same value to PostgreSQL's jsonb, which keeps no key order) what COPY stores (ADR 133)."""
    return _CANONICAL.encode(resource)


# json.dumps(sort_keys=True, separators=(",", ":")) makes this encoder anew for every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def content_hash(resource: dict, text: str | None = None) -> str:
    """`text`: the resource's `canonical_json`, when already made."""
    return hashlib.sha256((text or canonical_json(resource)).encode()).hexdigest()


def validate(
    resource: dict,
    shapes: ShapeCache | None = SHAPES,
    line: bytes | None = None,
    shaped: tuple[Shape, list[Any]] | None = None,
) -> list[tuple[str, str]]:
    """Problems (field, reason) found by the fhir.resources R4B model of the resource's type.
    With `shapes` (this process's cache by default) a resource of a shape that has passed the
    model before has only its values checked, by their fields' own types (ADR 127), and of the
    limits only its strings' own (ADR 132); a resource with any problem is always judged, and its
    problems named, by the limits and the whole model. `shapes=None`: the limits and the whole
    model every time. `line`: the NDJSON line the resource was parsed from, if any; `shaped`:
    `shape_of(resource)`, when the caller has it."""
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str):
        return [("resourceType", "missing")]
    if not RESOURCE_TYPE.match(resource_type):
        return [("resourceType", f"{resource_type[:80]!r} is not a FHIR resource type")]
    from fhir.resources.R4B import get_fhir_model_class

    values: list[Any] = []
    known: Any = False  # a plan, None (a shape the model judges every time), False (not known)
    model = _known_model(resource_type) if shapes is not None else None
    if shapes is not None and model is not None:
        if shaped is None:
            shaped = _shape_or_none(resource)
        if shaped is not None:
            known = shapes.known(model, shaped[0])
            values = shaped[1]
    # Limits first: the model would recurse through any depth and store any NUL. A known shape
    # has passed those the shape decides (ADR 132); its strings' own limits are checked here,
    # and on any doubt the whole walk runs, so the problems are its own.
    if known is False or not (_line_within_limits(line) or _strings_within_limits(values)):
        problems = limits.value_problems(resource)
        if problems:
            return problems
    rid = resource.get("id")
    if rid is not None and not (isinstance(rid, str) and FHIR_ID.match(rid)):
        # The model checks this for the types it knows; a type it does not know is kept, so
        # its id is checked here (it becomes the stored source id).
        return [("id", f"{str(rid)[:80]!r} is not a FHIR id (A-Z, a-z, 0-9, - and ., 1-64)")]
    try:
        model = get_fhir_model_class(resource_type)  # (an lru_cache)
    except (KeyError, ValueError):
        return []  # a type R4B does not know: kept as it came, never dropped
    plan = known if isinstance(known, Plan) else None
    if shapes is None or plan is None or not shapes.values_pass(plan, values):
        if shapes is not None and plan is None:
            shapes.misses += 1  # a new shape, or one the whole model judges every time
        from pydantic import ValidationError

        try:
            model.model_validate(resource)
        except ValidationError as exc:
            problems = []
            for error in exc.errors()[:5]:
                path = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
                problems.append((path, error.get("msg", "invalid")))
            return problems or [("", str(exc).splitlines()[0])]
        if shapes is not None:
            shapes.learn(model, resource, shaped)
    if resource_type == "Patient" and resource.get("gender") not in GENDERS:
        return [("gender", f"{resource.get('gender')!r} is not a FHIR administrative gender")]
    return implausible_dates(resource)


def _shape_or_none(resource: dict) -> tuple[Shape, list[Any]] | None:
    try:
        return shape_of(resource)
    except RecursionError:  # far deeper than the limits allow: they will say so
        return None


def _known_model(resource_type: str) -> type | None:
    """The model whose shapes the cache may know; None: none (the limits and the model's look-up
    then run as they always did, in that order, whatever the look-up raises)."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except Exception:
        return None


def _line_within_limits(line: bytes | None) -> bool:
    """True when no string parsed from `line` can break a string limit: ASCII (no undecodable
    byte, no surrogate), no `\\u` escape (so no NUL and no surrogate, which JSON can only write
    escaped), no NUL byte (then it is UTF-8, not UTF-16) and no longer than a string may be."""
    return (
        type(line) is bytes
        and len(line) <= limits.MAX_FIELD_CHARS
        and line.isascii()
        and b"\\u" not in line
        and b"\x00" not in line
    )


def _strings_within_limits(values: list[Any]) -> bool:
    """True when none of `values` is a string that breaks a limit (`limits.string_problems`):
    all of them together are within MAX_FIELD_CHARS, hold no NUL and encode as UTF-8 (no lone
    surrogate, no undecodable byte kept as one). False: the whole walk decides."""
    text = "".join([value for value in values if isinstance(value, str)])
    if len(text) > limits.MAX_FIELD_CHARS or "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
    today = today or date.today()
    if resource_type == "Patient":
        born = fhir_date(resource.get("birthDate"))
        reason = born and limits.birth_date_problem(born, today)
        if reason:
            problems.append(("birthDate", reason))
    latest = today + limits.FUTURE_TOLERANCE
    for path, first, rest, future in _date_paths(resource_type):
        value: Any = resource.get(first)
        if value is None:
            continue  # most are absent
        for part in rest:
            if not isinstance(value, dict):
                value = None
                break
            value = value.get(part)
        if not isinstance(value, str):
            continue
        day = fhir_date(value)
        if day is None:
            continue
        # The limits' own bounds, so a date within them is passed without a call (ADR 132).
        if day < limits.EARLIEST_EVENT or (not future and day > latest):
            reason = limits.event_date_problem(day, today, future=future)
            if reason:
                problems.append((path, reason))
    return problems


DatePath = tuple[str, str, tuple[str, ...], bool]


def _date_paths(resource_type: str) -> tuple[DatePath, ...]:
    """(path, its first part, the others, whether it may be ahead) for each date path of a
    resource type."""
    paths = _DATE_PATHS.get(resource_type)
    if paths is None:
        past = PAST_DATES.get(resource_type, ())
        paths = tuple(
            (path, *_first_and_rest(path), path not in past)
            for path in dict.fromkeys((*past, *OTHER_DATES))
        )
        if len(_DATE_PATHS) < 1000:  # types are named by the callers: a bounded memo
            _DATE_PATHS[resource_type] = paths
    return paths


_DATE_PATHS: dict[str, tuple[DatePath, ...]] = {}


def _first_and_rest(path: str) -> tuple[str, tuple[str, ...]]:
    first, *rest = path.split(".")
    return first, tuple(rest)


# What the importer needs of a valid resource besides its text, read where it is validated so
# the importer need not parse it again (ADR 136): (type, id, meta.versionId, meta.lastUpdated,
# identifier tokens, (date, status, text, sector) of its summary, whether it names a person, a
# Patient's demographics for the people index).
Facts = tuple[
    str,
    str,
    str,
    str,
    tuple[str, ...],
    tuple[date | None, str, str, str],
    bool,
    Demographics | None,
]

# (problems, content hash, canonical JSON, references as (path, reference) in document order,
# facts); for a resource with problems only the problems. Plain tuples: pickled for every line.
Checked = tuple[list[tuple[str, str]], str, str, list[tuple[str, str]] | None, Facts | None]


def facts_of(resource: dict) -> Facts:
    """`Facts` of a valid resource."""
    meta = resource.get("meta") or {}
    updated = meta.get("lastUpdated")
    summary = summarise(resource)
    return (
        resource["resourceType"],
        str(resource.get("id") or ""),
        str(meta.get("versionId") or ""),
        updated if isinstance(updated, str) else "",
        tuple(identifier_tokens(resource)),
        (summary.date, summary.status, summary.text, summary.sector),
        names_a_person(resource),
        demographics_from_patient(resource) if resource["resourceType"] == "Patient" else None,
    )


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
    """Validate, hash, list the references and read the facts of each NDJSON line (`Checked`);
    None for a line that is not a JSON object (the reader reports that itself). Runs in a worker
    process: after its first chunk (the models it needs are loaded), its long-lived objects are
    frozen."""
    out: list[Checked | None] = []
    for raw in lines:
        parsed = _parsed(raw)
        if parsed is None:
            out.append(None)
            continue
        resource, shaped = parsed
        problems = validate(resource, line=raw, shaped=shaped)
        if problems:
            out.append((problems, "", "", None, None))
            continue
        # What the importer would work out from the resource again: done here, on the other
        # core, while it writes the chunk before (ADR 133).
        text = _canonical_text(resource, raw, shaped)
        out.append(
            ([], content_hash(resource, text), text, _listed(resource, shaped), facts_of(resource))
        )
    freeze_long_lived_objects()
    return out


def _parsed(raw: bytes) -> tuple[dict, tuple[Shape, list[Any]] | None] | None:
    """(the line's resource, its shape) or None when it is not a JSON object with a type.
    orjson parses about four times as fast as json (ADR 138), but reads an integer beyond 64 bits
    as a float and refuses what json reads (a lone surrogate, NaN): a line it refuses, or whose
    resource holds a float, is parsed by json, so the resource is always what json makes of it."""
    try:
        resource = orjson.loads(raw)
    except orjson.JSONDecodeError:
        resource = None
    if type(resource) is dict:
        shaped = _shape_or_none(resource)
        if shaped is not None and float not in shaped[0]:
            return (resource, shaped) if "resourceType" in resource else None
    try:
        resource = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return None
    return resource, _shape_or_none(resource)


def _canonical_text(resource: dict, raw: bytes, shaped: tuple[Shape, list[Any]] | None) -> str:
    """`canonical_json(resource)`, made by orjson where it writes the very same text: no float
    (their notations differ), and a line of ASCII without NUL bytes (so not UTF-16), `\\u`
    escapes or DEL, so no string holds a character json would escape and orjson would not."""
    if (
        shaped is not None
        and float not in shaped[0]
        and raw.isascii()
        and b"\\u" not in raw
        and b"\x7f" not in raw
        and b"\x00" not in raw
    ):
        return orjson.dumps(resource, option=orjson.OPT_SORT_KEYS).decode()
    return canonical_json(resource)


def _listed(resource: dict, shaped: tuple[Shape, list[Any]] | None) -> list[tuple[str, str]]:
    """(path, reference) of each reference in document order: read off the resource's values at
    the places its shape holds references (worked out once a shape), not found by a second walk
    of the resource."""
    if shaped is not None:
        shape, values = shaped
        positions = _REFERENCE_POSITIONS.get(shape)
        if positions is None:
            try:
                positions = reference_positions(shape)
            except RecursionError:
                positions = None
            else:
                if len(_REFERENCE_POSITIONS) >= MAX_SHAPES:
                    _REFERENCE_POSITIONS.clear()
                _REFERENCE_POSITIONS[shape] = positions
        if positions is not None:
            return [(path, values[index]) for path, index in positions]
    return [(path, holder["reference"]) for path, holder in references(resource)]


# This process's shapes → where their references are (path, index among the values).
_REFERENCE_POSITIONS: dict[Shape, tuple[tuple[str, int], ...]] = {}
