"""The FHIR R4 API, driven by a real FHIR client (fhirpy) against a live server."""

from __future__ import annotations

from datetime import date

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ForbiddenError

from caretrust.access.models import AuditEvent
from caretrust.fhir import registry
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation
from caretrust.record.models import Resource
from tests.factories import person_row, winifred

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
def setup(live_server, demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = winifred(practice, nhs_number="9434765919")
    stranger = person_row(given_name="Other", family_name="Person", sex="male")
    for i, day in enumerate(("2020-01-05", "2021-06-01", "2022-03-03")):
        Resource.objects.create(
            resource_type="Condition",
            logical_id=f"c{i}",
            last_updated="2024-01-01T00:00:00Z",
            content={
                "resourceType": "Condition",
                "subject": {"reference": "Patient/src-1"},
                "code": {"text": f"Condition {i}"},
                "onsetDateTime": day,
            },
            content_hash=str(i),
            person=edith,
            source="fhir",
            source_id=f"c{i}",
            date=date.fromisoformat(day),
            status="active",
        )
    _client_row, token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    base = f"{live_server.url}/fhir"
    return {
        "base": base,
        "token": token,
        "edith": edith,
        "stranger": stranger,
        "client": SyncFHIRClient(base, authorization=f"Bearer {token}"),
    }


def test_capability_statement_tells_the_truth(setup) -> None:
    cs = requests.get(f"{setup['base']}/metadata", timeout=10).json()
    resources = {r["type"]: r for r in cs["rest"][0]["resource"]}
    patient = {i["code"] for i in resources["Patient"]["interaction"]}
    assert patient == {
        "read",
        "vread",
        "search-type",
        "create",
        "update",
        "patch",
        "history-instance",
        "history-type",
    }  # no delete: a person leaves the index by a merge, never over the API
    condition = {i["code"] for i in resources["Condition"]["interaction"]}
    assert {"read", "create", "update", "patch", "delete"} <= condition  # ADR 109
    assert {p["name"] for p in resources["Patient"]["searchParam"]} >= {
        "identifier",
        "name",
        "family",
        "birthdate",
        "gender",
    }
    assert set(resources) == set(registry.handlers())


def test_search_read_paging_and_include_with_fhirpy(setup) -> None:
    client, edith = setup["client"], setup["edith"]
    found = client.resources("Patient").search(identifier=f"{NHS_SYSTEM}|9434765919").fetch()
    assert [p.id for p in found] == [str(edith.ref)]
    assert client.resources("Patient").search(family="quarr", birthdate="1941").fetch()[
        0
    ].id == str(edith.ref)
    patient = client.reference("Patient", str(edith.ref)).to_resource()
    assert patient["name"][0]["family"] == "Quarrington"
    conditions = client.resources("Condition").search(subject=f"Patient/{edith.ref}").limit(1)
    every = conditions.fetch_all()  # follows the Bundle's next links
    assert sorted(c.id for c in every) == ["c0", "c1", "c2"]
    assert every[0]["subject"]["reference"] == f"Patient/{edith.ref}"
    recent = client.resources("Condition").search(patient=str(edith.ref), date="ge2021").fetch()
    assert sorted(c.id for c in recent) == ["c1", "c2"]
    raw = (
        client.resources("Condition")
        .search(subject=f"Patient/{edith.ref}")
        .include("Condition", "subject")
        .fetch_raw()
    )
    modes = [e["search"]["mode"] for e in raw["entry"]]
    assert modes.count("include") == 1 and modes.count("match") == 3
    assert AuditEvent.objects.filter(action="read", person_ref=edith.audit_ref).exists()


def test_create_update_with_etag_if_match_and_history(setup) -> None:
    base, token = setup["base"], setup["token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    body = {
        "resourceType": "Patient",
        "name": [{"family": "Brown", "given": ["Ada"]}],
        "gender": "female",
        "birthDate": "1950-01-01",
        "generalPractitioner": [
            {
                "identifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "DEMO-GP1",
                }
            }
        ],
    }
    created = requests.post(f"{base}/Patient", json=body, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == 'W/"1"'
    assert created.headers["Content-Type"].startswith("application/fhir+json")
    pid = created.json()["id"]
    assert created.headers["Location"].endswith(f"/Patient/{pid}/_history/1")

    body = {**created.json(), "name": [{"family": "Brown-Jones", "given": ["Ada"]}]}
    stale = requests.put(
        f"{base}/Patient/{pid}", json=body, headers={**headers, "If-Match": 'W/"7"'}, timeout=10
    )
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    ok = requests.put(
        f"{base}/Patient/{pid}", json=body, headers={**headers, "If-Match": 'W/"1"'}, timeout=10
    )
    assert ok.status_code == 200 and ok.json()["meta"]["versionId"] == "2"
    history = requests.get(f"{base}/Patient/{pid}/_history", headers=headers, timeout=10).json()
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    first = requests.get(f"{base}/Patient/{pid}/_history/1", headers=headers, timeout=10).json()
    assert first["name"][0]["family"] == "Brown"
    assert AuditEvent.objects.filter(object_type="people.person", action="update").exists()

    # fhirpy saves the same way
    client = setup["client"]
    patient = client.reference("Patient", pid).to_resource()
    patient["gender"] = "other"
    patient.save()
    assert client.reference("Patient", pid).to_resource()["meta"]["versionId"] == "3"


def test_errors_are_operation_outcomes_with_the_right_status(setup) -> None:
    base, token, stranger = setup["base"], setup["token"], setup["stranger"]
    auth = {"Authorization": f"Bearer {token}"}
    json_headers = {**auth, "Content-Type": "application/fhir+json"}
    cases = [
        (requests.get(f"{base}/Patient/{setup['edith'].ref}", timeout=10), 401, "login"),
        (
            requests.get(
                f"{base}/Patient/{setup['edith'].ref}",
                headers={"Authorization": "Bearer wrong"},
                timeout=10,
            ),
            401,
            "login",
        ),
        (
            requests.get(f"{base}/Patient/{stranger.ref}", headers=auth, timeout=10),
            403,
            "forbidden",
        ),
        (
            requests.get(
                f"{base}/Patient/00000000-0000-0000-0000-000000000000", headers=auth, timeout=10
            ),
            404,
            "not-found",
        ),
        (
            requests.get(
                f"{base}/Condition?colour=blue",
                headers={**auth, "Prefer": "handling=strict"},
                timeout=10,
            ),
            400,
            "invalid",
        ),
        (
            requests.post(f"{base}/Patient", data="{not json", headers=json_headers, timeout=10),
            400,
            "invalid",
        ),
        (
            requests.post(
                f"{base}/Patient",
                json={"resourceType": "Patient", "birthDate": "1941-13"},
                headers=json_headers,
                timeout=10,
            ),
            400,
            "invalid",
        ),
        (
            requests.post(
                f"{base}/Patient",
                json={
                    "resourceType": "Patient",
                    "name": [{"family": "X"}],
                    "identifier": [{"system": NHS_SYSTEM, "value": "1234567890"}],
                },
                headers=json_headers,
                timeout=10,
            ),
            422,
            "processing",
        ),
        (
            requests.put(
                f"{base}/Condition/c0",
                json={
                    "resourceType": "Condition",
                    "id": "c0",
                    "subject": {"reference": "Patient/x"},
                },
                headers=json_headers,
                timeout=10,
            ),
            422,  # ADR 109: a stored Condition can be updated, but not about nobody we hold
            "processing",
        ),
        (
            requests.delete(f"{base}/Patient/{setup['edith'].ref}", headers=auth, timeout=10),
            405,
            "not-supported",
        ),
        (requests.get(f"{base}/Nonsense/1", headers=auth, timeout=10), 404, "not-found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.json()["issue"][0]["code"] == code
    with pytest.raises(ForbiddenError):
        setup["client"].reference("Patient", str(stranger.ref)).to_resource()
