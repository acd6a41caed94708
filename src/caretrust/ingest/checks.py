"""Checks on one FHIR resource that need no database: validation against the R4B models and the
content hash that tells an unchanged re-import from a new version.

No Django here, so a worker process can run the checks for a large file while the importer
writes the previous chunk (ADR 43): validation is the importer's largest cost.
"""

from __future__ import annotations

import hashlib
import json

GENDERS = (None, "male", "female", "other", "unknown")


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
    if resource_type == "Patient" and resource.get("gender") not in GENDERS:
        return [("gender", f"{resource.get('gender')!r} is not a FHIR administrative gender")]
    return []


Checked = tuple[list[tuple[str, str]], str]  # (problems, content hash)


def check_lines(lines: list[bytes]) -> list[Checked | None]:
    """Validate and hash each NDJSON line; None for a line that is not a JSON object (the reader
    reports that itself)."""
    out: list[Checked | None] = []
    for raw in lines:
        try:
            resource = json.loads(raw)
        except ValueError:
            out.append(None)
            continue
        if not isinstance(resource, dict) or "resourceType" not in resource:
            out.append(None)
            continue
        out.append((validate(resource), content_hash(resource)))
    return out
