"""The UK Core required-element checker (ADR 0122) on UK Core's own examples."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from caretrust.fhir import profiles
from caretrust.ingest.readers import parse_xml

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples" / "ukcore"
if not EXAMPLES.is_dir():  # a worktree beside main: /work/wt-x/../shared
    EXAMPLES = Path("/work/shared/examples/ukcore")
UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/"


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("UKCore-*-Example.xml"))


def _profile_of(name: str, resource_type: str) -> str:
    """UKCore-Observation-VitalSigns-BloodPressure-Example.xml -> that profile; a Bundle's
    entries are held to their type's base UK Core profile."""
    named = max(
        (u for u in profiles.known_profiles() if name.startswith(u.rsplit("/", 1)[1] + "-")),
        key=len,
    )
    if named.rsplit("/", 1)[1].split("-")[1] == resource_type:
        return named
    return f"{UKCORE}UKCore-{resource_type}"


def _with_entries(resource: dict):
    yield resource
    for entry in resource.get("entry") or []:
        if "resource" in entry:
            yield from _with_entries(entry["resource"])


def _read(name: str) -> dict:
    return parse_xml((EXAMPLES / name).read_bytes())


def test_the_rules_are_the_profiles_differentials():
    data = profiles.rules()
    assert data["profile_count"] == len(data["profiles"]) == 70
    assert data["rule_count"] == sum(len(p["rules"]) for p in data["profiles"].values())
    assert data["rule_count"] >= 200
    medication = data["profiles"][f"{UKCORE}UKCore-MedicationRequest"]["rules"]
    assert {"id": "MedicationRequest.substitution", "min": 1} in medication


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_every_official_example_meets_its_profile(path):
    assert len(_example_files()) >= 20
    checked = 0
    for resource in _with_entries(parse_xml(path.read_bytes())):
        profile = _profile_of(path.name, resource["resourceType"])
        assert profiles.profile_problems(resource, [profile]) == [], profile
        checked += 1
    assert checked


def test_a_patient_without_its_nhs_number_value_is_named():
    patient = _read("UKCore-Patient-RichardSmith-Example.xml")
    for identifier in patient["identifier"]:
        if identifier.get("system") == "https://fhir.nhs.uk/Id/nhs-number":
            del identifier["value"]
    patient["meta"] = {"profile": [f"{UKCORE}UKCore-Patient"]}
    assert profiles.profile_problems(patient) == [
        "UKCore-Patient: Patient.identifier:nhsNumber.value is required (at least 1), found 0"
    ]


def test_a_blood_pressure_without_its_systolic_component_is_named():
    example = _read("UKCore-Observation-VitalSigns-BloodPressure-Example.xml")
    profile = f"{UKCORE}UKCore-Observation-VitalSigns-BloodPressure"
    assert profiles.profile_problems(example, [profile]) == []
    broken = copy.deepcopy(example)
    broken["component"] = [
        c for c in broken["component"] if c["code"].get("text") != "Systolic blood pressure"
    ]
    assert (
        "UKCore-Observation-VitalSigns-BloodPressure: Observation.component:SystolicBP is "
        "required (at least 1), found 0"
    ) in profiles.profile_problems(broken, [profile])


def test_a_vital_sign_with_another_category_breaks_the_base_profiles_fixed_value():
    weight = _read("UKCore-Observation-VitalSigns-BodyWeight-Example.xml")
    weight["category"][0]["coding"][0]["code"] = "laboratory"
    problems = profiles.profile_problems(
        weight, [f"{UKCORE}UKCore-Observation-VitalSigns-BodyWeight"]
    )
    assert (
        "UKCore-Observation-VitalSigns-BodyWeight: Observation.category.coding.code must be "
        "'vital-signs', found 'laboratory'"
    ) in problems


def test_a_medication_request_claiming_ukcore_needs_substitution():
    request = {
        "resourceType": "MedicationRequest",
        "meta": {"profile": [f"{UKCORE}UKCore-MedicationRequest|2.6.0"]},
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Paracetamol"},
        "subject": {"reference": "Patient/1"},
    }
    assert profiles.profile_problems(request) == [
        "UKCore-MedicationRequest: MedicationRequest.substitution is required (at least 1), found 0"
    ]
    request["substitution"] = {"allowedBoolean": True}
    assert profiles.profile_problems(request) == []


def test_a_resource_claiming_no_known_profile_has_no_problems():
    assert profiles.profile_problems({"resourceType": "Basic", "meta": {"profile": ["x"]}}) == []
