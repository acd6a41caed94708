"""FHIR Patient ↔ the people index: demographics read from a Patient, a Patient written from a
Person. Used by the importer and by the FHIR API so both agree on the mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from caretrust.people import nhs_number

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
VERIFICATION_EXTENSION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
VERIFICATION_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
UKCORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
GENDERS = {"female", "male", "other", "unknown"}


@dataclass
class Demographics:
    given_name: str = ""
    family_name: str = ""
    birth_date: date | None = None
    death_date: date | None = None
    sex: str = "unknown"
    address: str = ""
    postcode: str = ""
    phone: str = ""
    nhs_number: str = ""  # only a valid one; invalid numbers stay in `identifiers`
    nhs_verification: str = ""
    gp_practice_code: str = ""
    identifiers: list[tuple[str, str]] = field(default_factory=list)


def _date(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None  # partial dates (YYYY, YYYY-MM) are not enough to link on
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _official_name(names: list[dict]) -> dict:
    for use in ("official", "usual", None):
        for name in names:
            if use is None or name.get("use") == use:
                return name
    return {}


def demographics_from_patient(resource: dict) -> Demographics:
    d = Demographics()
    name = _official_name(resource.get("name") or [])
    given = name.get("given") or []
    d.given_name = (given[0] if given else "")[:100]
    d.family_name = (name.get("family") or "")[:100]
    if not (d.given_name or d.family_name) and str(name.get("text") or "").split():
        parts = name["text"].split()
        d.given_name, d.family_name = parts[0][:100], " ".join(parts[1:])[:100]
    d.birth_date = _date(resource.get("birthDate"))
    d.death_date = _date(resource.get("deceasedDateTime"))
    gender = resource.get("gender") or "unknown"
    d.sex = gender if gender in GENDERS else "unknown"
    addresses = resource.get("address") or []
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else {})
    d.postcode = (home.get("postalCode") or "").upper()[:10]
    d.address = ", ".join([*(home.get("line") or []), home.get("city") or ""]).strip(", ")[:300]
    phones = [t for t in resource.get("telecom") or [] if t.get("system") == "phone"]
    d.phone = (phones[0].get("value") or "")[:40] if phones else ""
    for identifier in resource.get("identifier") or []:
        system, value = identifier.get("system") or "", identifier.get("value") or ""
        if not value:
            continue
        d.identifiers.append((system[:200], value[:100]))
        if system == nhs_number.SYSTEM and nhs_number.is_valid(value) and not d.nhs_number:
            d.nhs_number = nhs_number.normalise(value)
            for extension in identifier.get("extension") or []:
                if extension.get("url") == VERIFICATION_EXTENSION:
                    codings = (extension.get("valueCodeableConcept") or {}).get("coding") or []
                    code = codings[0].get("code", "") if codings else ""
                    d.nhs_verification = code if code in ("01", "02", "03") else ""
    for gp in resource.get("generalPractitioner") or []:
        identifier = gp.get("identifier") or {}
        if identifier.get("system") == ODS_SYSTEM and identifier.get("value"):
            d.gp_practice_code = identifier["value"]
            break
    return d


def patient_from_person(person, identifiers=None) -> dict:
    """The FHIR Patient (UK Core shape) for a person in the index."""
    identifiers = list(person.identifiers.all()) if identifiers is None else identifiers
    resource: dict = {
        "resourceType": "Patient",
        "id": str(person.ref),
        "meta": {"profile": [UKCORE_PATIENT]},
        "identifier": [],
        "active": person.merged_into_id is None,
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "gender": person.sex,
    }
    for identifier in identifiers:
        entry: dict = {"system": identifier.system, "value": identifier.value}
        if identifier.system == nhs_number.SYSTEM and identifier.verification:
            entry["extension"] = [
                {
                    "url": VERIFICATION_EXTENSION,
                    "valueCodeableConcept": {
                        "coding": [{"system": VERIFICATION_SYSTEM, "code": identifier.verification}]
                    },
                }
            ]
        resource["identifier"].append(entry)
    if not resource["identifier"]:
        del resource["identifier"]
    if person.preferred_name:
        resource["name"].append({"use": "usual", "given": [person.preferred_name]})
    if person.birth_date:
        resource["birthDate"] = person.birth_date.isoformat()
    if person.death_date:
        resource["deceasedDateTime"] = person.death_date.isoformat()
    if person.address or person.postcode:
        address: dict = {"use": "home"}
        if person.address:
            address["text"] = person.address
        if person.postcode:
            address["postalCode"] = person.postcode
        resource["address"] = [address]
    if person.phone:
        resource["telecom"] = [{"system": "phone", "value": person.phone}]
    if person.gp_practice_id:
        practice = person.gp_practice
        resource["generalPractitioner"] = [
            {"identifier": {"system": ODS_SYSTEM, "value": practice.code}, "display": practice.name}
        ]
    if person.merged_into_id:
        resource["link"] = [
            {"other": {"reference": f"Patient/{person.merged_into.ref}"}, "type": "replaced-by"}
        ]
    return resource
