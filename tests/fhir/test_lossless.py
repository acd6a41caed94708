"""Lossless storage (ADR 0103): a sent Patient under its own id with caretrust's additions, the
index Patient linking to it, an invalid NHS number kept as sent, references rewritten or kept and
recorded, app-owned types layered over the shared record, and the same access rules for all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caretrust.fhir.services import issue_client
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person, PersonIdentifier
from caretrust.record.models import Resource
from tests.factories import force_update, make_plan

pytestmark = pytest.mark.django_db

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
VERIFICATION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
ETHNIC = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"


def patient(pid: str, nhs: str, family: str = "Smith") -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]},
        "extension": [
            {
                "url": ETHNIC,
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland",
                            "code": "A",
                        }
                    ]
                },
            }
        ],
        "identifier": [
            {"system": NHS_SYSTEM, "value": nhs},
            {"system": "https://example.org/mrn", "value": f"MRN-{pid}"},
        ],
        "name": [
            {"use": "official", "family": family, "given": ["Edith", "May"], "prefix": ["Mrs"]}
        ],
        "birthDate": "1941-03-02",
        "maritalStatus": {"text": "Widowed"},
    }


def import_ndjson(tmp_path: Path, name: str, resources: list[dict]):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    result = FhirImporter().import_file(path)
    assert result.committed, [str(p) for p in result.problems]
    return result


@pytest.fixture
def api(client, demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    _row, token = issue_client(name="lossless", organisation=practice, role="coordinator")

    def get(url: str):
        return client.get(f"/fhir/{url}", HTTP_AUTHORIZATION=f"Bearer {token}")

    def register_everyone() -> None:
        force_update(Person.objects.all(), gp_practice=practice)

    return get, register_everyone


def test_sent_patient_is_served_as_sent_with_links_and_the_index_links_back(api, tmp_path):
    get, register_everyone = api
    import_ndjson(tmp_path, "p.ndjson", [patient("src-edith", "9434765919")])
    register_everyone()
    person = Resource.objects.get(resource_type="Patient", logical_id="src-edith").person

    sent = get("Patient/src-edith")
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert body["id"] == "src-edith"
    assert body["extension"][0]["url"] == ETHNIC
    assert body["name"][0]["given"] == ["Edith", "May"] and body["name"][0]["prefix"] == ["Mrs"]
    assert {"system": "https://example.org/mrn", "value": "MRN-src-edith"} in body["identifier"]
    assert body["maritalStatus"] == {"text": "Widowed"}
    assert "gender" not in body  # nothing invented
    assert "extension" not in body["identifier"][0]  # no verification status it was not sent
    assert body["link"] == [{"other": {"reference": f"Patient/{person.ref}"}, "type": "seealso"}]

    index = get(f"Patient/{person.ref}").json()
    assert {"other": {"reference": "Patient/src-edith"}, "type": "seealso"} in index["link"]
    search = get("Patient?identifier=https://example.org/mrn|MRN-src-edith").json()
    assert [e["resource"]["id"] for e in search["entry"]] == [str(person.ref)]


def test_a_verified_nhs_number_in_the_index_is_merged_into_the_sent_patient(api, tmp_path):
    get, register_everyone = api
    import_ndjson(tmp_path, "p.ndjson", [patient("src-edith", "9434765919")])
    register_everyone()
    PersonIdentifier.objects.filter(system=NHS_SYSTEM).update(verification="01")
    nhs = get("Patient/src-edith").json()["identifier"][0]
    assert nhs["value"] == "9434765919"
    assert nhs["extension"][0]["url"] == VERIFICATION
    assert nhs["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "01"


def test_an_invalid_nhs_number_is_kept_as_sent_and_unverified(api, tmp_path):
    get, register_everyone = api
    result = import_ndjson(tmp_path, "p.ndjson", [patient("src-bad", "1234567890")])
    assert any("not a valid NHS number" in str(w) for w in result.warnings)
    register_everyone()
    served = get("Patient/src-bad").json()
    assert served["identifier"][0] == {"system": NHS_SYSTEM, "value": "1234567890"}
    kept = PersonIdentifier.objects.get(system=NHS_SYSTEM, value="1234567890")
    assert kept.data_quality == "invalid_nhs_number" and kept.verification == ""
    # and it is never marked verified, even when someone sets the flag on the index row
    PersonIdentifier.objects.filter(pk=kept.pk).update(verification="01")
    assert get("Patient/src-bad").json()["identifier"][0] == {
        "system": NHS_SYSTEM,
        "value": "1234567890",
    }


def test_references_are_rewritten_or_kept_and_recorded(api, tmp_path):
    get, register_everyone = api
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/src-edith"},
        "recorder": {"reference": "Practitioner/nobody-we-hold"},
        "asserter": {"reference": "Patient/src-edith/_history/1"},
        "code": {"text": "Atrial fibrillation"},
    }
    import_ndjson(tmp_path, "a.ndjson", [patient("src-edith", "9434765919"), condition])
    register_everyone()
    served = get("Condition/c1").json()
    assert served["subject"] == {"reference": "Patient/src-edith"}
    assert served["asserter"] == {"reference": "Patient/src-edith/_history/1"}
    assert served["recorder"] == {"reference": "Practitioner/nobody-we-hold"}
    row = Resource.objects.get(resource_type="Condition", logical_id="c1")
    assert row.unresolved == [{"path": "recorder", "reference": "Practitioner/nobody-we-hold"}]


def test_every_type_is_served_under_the_record_rule(api, tmp_path):
    get, register_everyone = api
    claim = {
        "resourceType": "Claim",
        "id": "claim-1",
        "status": "active",
        "type": {"text": "professional"},
        "use": "claim",
        "patient": {"reference": "Patient/src-edith"},
        "created": "2020-01-01",
        "provider": {"display": "A practice"},
        "priority": {"text": "normal"},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "NHS"}}],
    }
    import_ndjson(tmp_path, "a.ndjson", [patient("src-edith", "9434765919"), claim])
    assert get("Claim/claim-1").status_code == 403  # no relationship yet
    assert get("Patient/src-edith").status_code == 403
    assert get("Claim?patient=Patient/src-edith").status_code == 403
    register_everyone()
    assert get("Claim/claim-1").json()["insurance"][0]["coverage"] == {"display": "NHS"}
    found = get("Claim?patient=Patient/src-edith").json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["claim-1"]
    types = {r["type"] for r in get("metadata").json()["rest"][0]["resource"]}
    assert {"Claim", "ExplanationOfBenefit", "ImagingStudy", "Device", "Patient"} <= types


def test_app_types_serve_their_own_and_the_sent_ones_paging_through_both(api, tmp_path):
    get, register_everyone = api
    plan = make_plan()
    sent_plan = {
        "resourceType": "CarePlan",
        "id": "hospital-plan-1",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{plan.person.ref}"},
        "title": "Discharge plan",
    }
    import_ndjson(tmp_path, "plan.ndjson", [sent_plan])
    register_everyone()
    assert get("CarePlan/hospital-plan-1").json()["title"] == "Discharge plan"
    assert get(f"CarePlan/{plan.uuid}").status_code == 200
    ids, url = [], f"CarePlan?subject=Patient/{plan.person.ref}&_count=1"
    while url:
        page = get(url).json()
        ids += [e["resource"]["id"] for e in page["entry"]]
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        url = following[0].split("/fhir/", 1)[1] if following else None
    assert sorted(ids) == sorted([str(plan.uuid), "hospital-plan-1"])
