"""The health side: FHIR R4 resources in UK Core style, as Bulk Data NDJSON or a Bundle.

Lines are assembled in Arrow (string joins over whole columns), so millions of resources are
written without a Python loop per resource. Every value written is a code, date, id or a name
from our own lists (no quotes or backslashes), so no JSON escaping is needed.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caretrust.synthetic import codes
from caretrust.synthetic.identifiers import prefixed_ids, scrambled

UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
BNF_SYSTEM = "https://www.nhsbsa.nhs.uk/bnf-section"  # BNF sections are not in a FHIR code system
RESOURCE_TYPES = ("Patient", "Encounter", "Condition", "MedicationRequest")

# Encounter class (v3 ActCode), SNOMED type, admission method (UK Core, England)
_ENCOUNTER_STYLE = {
    "gp": ("AMB", "ambulatory", "11429006", "Consultation", None),
    "ae": ("EMER", "emergency", "4525004", "Emergency department patient visit", None),
    "emergency_admission": (
        "IMP",
        "inpatient encounter",
        "183452005",
        "Emergency hospital admission",
        "21",
    ),
    "elective_admission": (
        "IMP",
        "inpatient encounter",
        "8715000",
        "Hospital admission, elective",
        "11",
    ),
}


def patient_ids(global_index: np.ndarray, seed: int) -> pa.Array:
    return prefixed_ids("pat-", scrambled(global_index, 1_000_003 * (seed + 1), 10**10), 10)


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _optional(condition: pa.Array, *parts) -> pa.Array:
    """The joined parts where condition holds (and parts are not null), else empty."""
    return pc.if_else(condition, pc.fill_null(_join(*parts), ""), "")


def _date(values) -> pa.Array:
    return pc.cast(values, pa.string())


def _by_kind(kinds: pa.Array, position: int) -> pa.Array:
    keys = pa.array(list(_ENCOUNTER_STYLE))
    values = pa.array([style[position] for style in _ENCOUNTER_STYLE.values()])
    return values.take(pc.index_in(kinds, keys))


def patients(people: pa.Table, identity: pa.Table, seed: int) -> pa.Array:
    ids = patient_ids(identity["index"].to_numpy(), seed)
    dead = pc.is_valid(people["death_date"])
    return _join(
        '{"resourceType":"Patient","id":"',
        ids,
        '","meta":{"profile":["',
        UKCORE,
        'Patient"]},',
        '"identifier":[{"system":"',
        NHS_NUMBER_SYSTEM,
        '","value":"',
        people["nhs_number"],
        '"}],"name":[{"use":"official","family":"',
        identity["family_name"],
        '","given":["',
        identity["given_name"],
        '"]}],"gender":"',
        people["sex"],
        '","birthDate":"',
        _date(people["birth_date"]),
        '",',
        _optional(dead, '"deceasedDateTime":"', _date(people["death_date"]), '",'),
        '"address":[{"postalCode":"',
        people["postcode"],
        '"}],"generalPractitioner":[{',
        '"identifier":{"system":"',
        ODS_SYSTEM,
        '","value":"',
        people["gp_practice"],
        '"}}]}\n',
    )


def _subject(person_ids: pa.Array, people: pa.Table, identity: pa.Table, seed: int) -> pa.Array:
    ids = patient_ids(identity["index"].to_numpy(), seed)
    return ids.take(pc.index_in(person_ids, people["person_id"]))


def encounters(table: pa.Table, people: pa.Table, identity: pa.Table, seed: int) -> pa.Array:
    kind = table["kind"]
    admitted = pc.is_valid(table["discharge_destination"])
    method = pc.if_else(table["is_transfer"], "81", _by_kind(kind, 4))
    destination_codes = table["discharge_destination_code"]
    return _join(
        '{"resourceType":"Encounter","id":"',
        table["encounter_id"],
        '","meta":{"profile":["',
        UKCORE,
        'Encounter"]},"status":"finished","class":{"system":',
        '"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"',
        _by_kind(kind, 0),
        '","display":"',
        _by_kind(kind, 1),
        '"},"type":[{"coding":[{"system":"',
        codes.SNOMED,
        '","code":"',
        _by_kind(kind, 2),
        '","display":"',
        _by_kind(kind, 3),
        '"}]}],',
        '"subject":{"reference":"Patient/',
        _subject(table["person_id"], people, identity, seed),
        '"},"period":{"start":"',
        _date(table["start_date"]),
        '","end":"',
        _date(table["end_date"]),
        '"}',
        _optional(
            pc.is_valid(table["primary_diagnosis"]),
            ',"reasonCode":[{"coding":[{"system":"',
            codes.ICD10,
            '","code":"',
            table["primary_diagnosis"],
            '"}]}',
            _optional(
                pc.is_valid(table["external_cause"]),
                ',{"coding":[{"system":"',
                codes.ICD10,
                '","code":"',
                table["external_cause"],
                '"}]}',
            ),
            "]",
        ),
        _optional(
            admitted,
            ',"hospitalization":{"extension":[{"url":"https://fhir.hl7.org.uk/',
            'StructureDefinition/Extension-UKCore-AdmissionMethod","valueCodeableConcept":',
            '{"coding":[{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethod',
            'England","code":"',
            method,
            '"}]}}],"dischargeDisposition":{"coding":[{"system":',
            '"https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland","code":"',
            destination_codes,
            '"}]}}',
        ),
        "}\n",
    )


def conditions(table: pa.Table, people, identity, seed: int, chunk: int) -> pa.Array:
    ids = prefixed_ids(f"cond-{chunk}-", np.arange(table.num_rows), 1)
    onset = _date(table["onset_date"])
    return _join(
        '{"resourceType":"Condition","id":"',
        ids,
        '","meta":{"profile":["',
        UKCORE,
        'Condition"]},"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/',
        'CodeSystem/condition-clinical","code":"active"}]},"verificationStatus":{"coding":[{',
        '"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":',
        '"confirmed"}]},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/',
        'condition-category","code":"problem-list-item"}]}],"code":{"coding":[{"system":"',
        table["code_system"],
        '","code":"',
        table["code"],
        '","display":"',
        table["display"],
        '"}]},"subject":{"reference":"Patient/',
        _subject(table["person_id"], people, identity, seed),
        '"},"onsetDateTime":"',
        onset,
        '","recordedDate":"',
        onset,
        '"}\n',
    )


def medication_requests(table: pa.Table, people, identity, seed: int, chunk: int) -> pa.Array:
    """One repeat MedicationRequest per person and BNF section, covering all its issues."""
    courses = (
        table.group_by(["person_id", "drug_class"], use_threads=False)
        .aggregate([("issue_date", "min"), ("issue_date", "max"), ("issue_date", "count")])
        .sort_by([("person_id", "ascending"), ("drug_class", "ascending")])
    )
    ids = prefixed_ids(f"med-{chunk}-", np.arange(courses.num_rows), 1)
    titles = pa.array(list(codes.BNF_SECTIONS.values()))
    display = titles.take(pc.index_in(courses["drug_class"], pa.array(list(codes.BNF_SECTIONS))))
    repeats = pc.cast(pc.subtract(courses["issue_date_count"], 1), pa.string())
    return _join(
        '{"resourceType":"MedicationRequest","id":"',
        ids,
        '","meta":{"profile":["',
        UKCORE,
        'MedicationRequest"]},"status":"completed","intent":"order","courseOfTherapyType":{',
        '"coding":[{"system":"http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-',
        'therapy","code":"continuous"}]},"medicationCodeableConcept":{"coding":[{"system":"',
        BNF_SYSTEM,
        '","code":"',
        courses["drug_class"],
        '","display":"',
        display,
        '"}]},',
        '"subject":{"reference":"Patient/',
        _subject(courses["person_id"], people, identity, seed),
        '"},"authoredOn":"',
        _date(courses["issue_date_min"]),
        '","dispenseRequest":{"validityPeriod":{"start":"',
        _date(courses["issue_date_min"]),
        '","end":"',
        _date(courses["issue_date_max"]),
        '"},"numberOfRepeatsAllowed":',
        repeats,
        # UK Core MedicationRequest requires substitution (min 1): a repeat written by
        # generic name may be dispensed as any equivalent product.
        '},"substitution":{"allowedBoolean":true}}\n',
    )


def resources(
    chunk_tables: dict[str, pa.Table], identity: pa.Table, seed: int, chunk: int
) -> dict[str, pa.Array]:
    """NDJSON lines (each ending in a newline) per resource type for one chunk."""
    people = chunk_tables["people"]
    lines = {
        "Patient": patients(people, identity, seed),
        "Encounter": encounters(chunk_tables["encounters"], people, identity, seed),
        "Condition": conditions(chunk_tables["conditions"], people, identity, seed, chunk),
    }
    if "prescriptions" in chunk_tables:
        lines["MedicationRequest"] = medication_requests(
            chunk_tables["prescriptions"], people, identity, seed, chunk
        )
    return lines


def person_bundle(
    chunk_tables: dict[str, pa.Table], identity: pa.Table, person_id: str, seed: int
) -> dict:
    """A FHIR collection Bundle of everything the health side holds about one person."""
    mine = {
        name: table.filter(pc.equal(table["person_id"], person_id))
        for name, table in chunk_tables.items()
        if "person_id" in table.column_names
    }
    if mine["people"].num_rows == 0:
        raise KeyError(f"no person {person_id}")
    ident = identity.filter(pc.equal(identity["person_id"], person_id))
    entries = []
    for lines in resources(mine, ident, seed, chunk=0).values():
        for line in lines.to_pylist():
            resource = json.loads(line)
            if resource["resourceType"] != "Patient":
                resource["id"] = f"{person_id}-{resource['id']}"
            entries.append(
                {
                    "fullUrl": f"urn:uuid:{resource['resourceType']}-{resource['id']}",
                    "resource": resource,
                }
            )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
