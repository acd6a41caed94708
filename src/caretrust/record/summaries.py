"""What a resource says on a timeline: its date, sector, status and a one-line summary.

Understood types have their own rule; every other type gets a generic line so nothing imported
is hidden from the person's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

UNDERSTOOD_TYPES = (
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "Procedure",
    "MedicationRequest",
    "EpisodeOfCare",
    "CarePlan",
    "CareTeam",
    "ServiceRequest",
    "Task",
    "RelatedPerson",
    "Flag",
    "QuestionnaireResponse",
)

# Where the person is found in each type (the patient compartment, simplified).
SUBJECT_PATHS = ("subject", "patient", "beneficiary", "individual", "for")


def names_a_person(resource: dict) -> bool:
    """Whether the resource is about someone (so it must not be served until we know whom)."""
    if resource.get("resourceType") == "Patient":
        return False
    return any(
        isinstance(resource.get(path), dict) and resource[path].get("reference")
        for path in SUBJECT_PATHS
    )


# Date fields in order of preference, per type; the generic list for the rest.
DATE_PATHS: dict[str, tuple[str, ...]] = {
    "Encounter": ("period.start",),
    "Condition": ("onsetDateTime", "onsetPeriod.start", "recordedDate"),
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "MedicationRequest": ("authoredOn",),
    "EpisodeOfCare": ("period.start",),
    "CarePlan": ("period.start", "created"),
    "CareTeam": ("period.start",),
    "ServiceRequest": ("authoredOn", "occurrenceDateTime", "occurrencePeriod.start"),
    "Task": ("authoredOn", "executionPeriod.start", "lastModified"),
    "RelatedPerson": ("period.start",),
    "Flag": ("period.start",),
    "QuestionnaireResponse": ("authored",),
}
GENERIC_DATE_PATHS = (
    "effectiveDateTime",
    "occurrenceDateTime",
    "performedDateTime",
    "period.start",
    "billablePeriod.start",
    "authoredOn",
    "issued",
    "created",
    "started",
    "date",
    "recorded",
)

# Social care resources (a CLD service is an EpisodeOfCare in existing UK practice).
SOCIAL_CARE_HINTS = ("social", "council", "cld", "adult social care")


@dataclass(frozen=True)
class Summary:
    date: date | None
    status: str
    text: str
    sector: str


def value_at(resource: dict, path: str):
    """The value at a dotted path (`period.start`), or None."""
    value = resource
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def fhir_date(value) -> date | None:
    """A FHIR date, dateTime or partial date (YYYY, YYYY-MM) as the first day it covers."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    try:
        if len(value) == 4:
            return date(int(value), 1, 1)
        if len(value) == 7:
            return date(int(value[:4]), int(value[5:7]), 1)
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def resource_date(resource: dict) -> date | None:
    paths = DATE_PATHS.get(resource.get("resourceType", ""), GENERIC_DATE_PATHS)
    for path in paths:
        found = fhir_date(value_at(resource, path))
        if found:
            return found
    return None


def concept_text(concept) -> str:
    if isinstance(concept, list):
        concept = concept[0] if concept else None
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    for coding in concept.get("coding") or []:
        if coding.get("code"):
            return str(coding["code"])
    return ""


def status_of(resource: dict) -> str:
    status = resource.get("status")
    if isinstance(status, str):
        return status[:40]
    clinical = concept_text(resource.get("clinicalStatus"))
    return clinical[:40]


def _text(resource: dict) -> str:
    kind = resource.get("resourceType", "")
    if kind == "Encounter":
        what = concept_text(resource.get("type")) or (resource.get("class") or {}).get("code", "")
        return f"Encounter: {what}" if what else "Encounter"
    if kind in ("Condition", "Observation", "Procedure", "Flag", "ServiceRequest"):
        what = concept_text(resource.get("code"))
        text = what or kind
        if kind == "Observation":
            quantity = resource.get("valueQuantity") or {}
            if quantity.get("value") is not None:
                text += f": {quantity['value']} {quantity.get('unit') or ''}".rstrip()
        return text
    if kind == "MedicationRequest":
        return concept_text(resource.get("medicationCodeableConcept")) or "Medication request"
    if kind == "EpisodeOfCare":
        return concept_text(resource.get("type")) or "Episode of care"
    if kind in ("CarePlan", "CareTeam"):
        return (
            resource.get("title")
            or resource.get("name")
            or concept_text(resource.get("category"))
            or kind
        )
    if kind == "Task":
        return resource.get("description") or concept_text(resource.get("code")) or "Task"
    if kind == "RelatedPerson":
        names = resource.get("name") or [{}]
        name = " ".join([*(names[0].get("given") or []), names[0].get("family") or ""]).strip()
        relation = concept_text(resource.get("relationship"))
        return f"{name} ({relation})" if relation else name or "Related person"
    if kind == "QuestionnaireResponse":
        return f"Questionnaire response: {resource.get('questionnaire') or ''}".strip(": ")
    what = concept_text(resource.get("code")) or concept_text(resource.get("type"))
    return f"{kind}: {what}" if what else kind


def summarise(resource: dict) -> Summary:
    text = _text(resource)
    sector = "health"
    if resource.get("resourceType") == "EpisodeOfCare":
        managing = str((resource.get("managingOrganization") or {}).get("display", "")).lower()
        if any(hint in managing for hint in SOCIAL_CARE_HINTS):
            sector = "social_care"
    return Summary(resource_date(resource), status_of(resource), text[:300], sector)


def line_columns(resource_type: str, summary: Summary) -> dict[str, str]:
    """The `Resource` columns of its timeline line (with `date`): blank for a Patient, which is
    the person, not a line of their timeline (ADR 135)."""
    if resource_type == "Patient":
        return {"sector": "", "summary": ""}
    return {"sector": summary.sector, "summary": summary.text}
