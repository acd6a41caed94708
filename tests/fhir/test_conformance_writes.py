"""The writes systems use (issue #19 item 2, ADR 109): create, update, patch, delete and their
conditional forms for every stored type, If-None-Match, Prefer, and transaction and batch Bundles
at the base. Each interaction is proved with raw HTTP (Django's test client) and, in the `slow`
tests at the end, with a real FHIR client (fhirpy) against a live server."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from django.test import Client
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound

from caretrust.access.models import AuditEvent
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from caretrust.record.models import Resource
from caretrust.record.selectors import timeline, timeline_counts
from tests.factories import make_plan, person_row, winifred

pytestmark = pytest.mark.django_db
NHS = "https://fhir.nhs.uk/Id/nhs-number"
LAB = "https://lab.example.org/id"
FHIR_JSON = "application/fhir+json"


def make_people(practice):
    edith = winifred(practice, nhs_number="9000000009")
    stranger = person_row(given_name="Other", family_name="Person", sex="male")
    return edith, stranger


@pytest.fixture
def api(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith, stranger = make_people(practice)
    _row, token = issue_client(name="writes", organisation=practice, role="coordinator")
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    return Api(client, edith, stranger)


class Api:
    def __init__(self, client: Client, edith: Person, stranger: Person) -> None:
        self.client, self.edith, self.stranger = client, edith, stranger

    def send(self, method, path, body=None, content_type=FHIR_JSON, **headers):
        data = b"" if body is None else json.dumps(body).encode()
        response = self.client.generic(
            method, f"/fhir/{path}", data=data, content_type=content_type, headers=headers
        )
        # Never an HTML page, whatever happened.
        assert not response.get("Content-Type", "").startswith("text/html"), response.content
        return response

    def get(self, path, **headers):
        return self.send("GET", path, **headers)

    def observation(self, value=72, ident="obs-1", subject=None) -> dict:
        return {
            "resourceType": "Observation",
            "identifier": [{"system": LAB, "value": ident}],
            "status": "final",
            "code": {"text": "Heart rate"},
            "subject": {"reference": subject or f"Patient/{self.edith.ref}"},
            "effectiveDateTime": "2026-11-30",
            "valueQuantity": {"value": value, "unit": "/min"},
        }


def on_timeline(person: Person, row: Resource) -> list:
    """The lines of `row` on `person`'s timeline, as the person page reads them."""
    return [line for line in timeline([person.pk]) if line.resource_id == row.pk]


def issue(response) -> dict:
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]


# ------------------------------------------------------------------------- create and update


def test_create_read_update_of_a_stored_type_audited_and_on_the_timeline(api) -> None:
    created = api.send("POST", "Observation", api.observation())
    assert created.status_code == 201, created.content
    body = json.loads(created.content)
    oid = body["id"]
    assert created["ETag"] == 'W/"1"'
    assert created["Location"].endswith(f"/fhir/Observation/{oid}/_history/1")
    assert body["valueQuantity"]["value"] == 72 and body["meta"]["versionId"] == "1"
    row = Resource.objects.get(resource_type="Observation", logical_id=oid)
    assert row.person_id == api.edith.pk and row.source == "api:writes"
    assert [(line.kind, line.summary) for line in on_timeline(api.edith, row)] == [
        ("Observation", "Heart rate: 72 /min")
    ]
    assert AuditEvent.objects.filter(
        action="create", object_id=str(row.pk), person_ref=api.edith.audit_ref
    ).exists()

    read = api.get(f"Observation/{oid}")
    assert read.status_code == 200 and json.loads(read.content)["valueQuantity"]["value"] == 72

    changed = {**body, "valueQuantity": {"value": 80, "unit": "/min"}}
    stale = api.send("PUT", f"Observation/{oid}", changed, **{"If-Match": 'W/"9"'})
    assert stale.status_code == 412 and issue(stale)["code"] == "conflict"
    updated = api.send("PUT", f"Observation/{oid}", changed, **{"If-Match": 'W/"1"'})
    assert updated.status_code == 200, updated.content
    assert updated["ETag"] == 'W/"2"'
    assert json.loads(api.get(f"Observation/{oid}").content)["valueQuantity"]["value"] == 80
    # its one line says what the new version says
    assert [line.summary for line in on_timeline(api.edith, row)] == ["Heart rate: 80 /min"]
    first = json.loads(api.get(f"Observation/{oid}/_history/1").content)
    assert first["valueQuantity"]["value"] == 72
    assert AuditEvent.objects.filter(action="update", object_id=str(row.pk)).exists()


def test_update_to_a_new_id_creates_it_and_reference_data_needs_no_person(api) -> None:
    org = {"resourceType": "Organization", "id": "lab-1", "name": "Torbay Pathology"}
    created = api.send("PUT", "Organization/lab-1", org)
    assert created.status_code == 201, created.content
    assert created["Location"].endswith("/Organization/lab-1/_history/1")
    again = api.send("PUT", "Organization/lab-1", {**org, "name": "Torbay Labs"})
    assert again.status_code == 200 and again["ETag"] == 'W/"2"'
    wrong_id = api.send("PUT", "Organization/lab-1", {**org, "id": "lab-2"})
    assert wrong_id.status_code == 400 and issue(wrong_id)["expression"] == ["id"]


def test_invalid_resources_are_400_and_business_rules_422(api) -> None:
    bad = api.send("POST", "Observation", {**api.observation(), "status": 7})
    assert bad.status_code == 400 and issue(bad)["code"] == "invalid"
    nobody = api.send("POST", "Observation", api.observation(subject="Patient/not-held"))
    assert nobody.status_code == 422 and issue(nobody)["code"] == "processing"
    assert "Patient/not-held" in issue(nobody)["diagnostics"]
    wrong_type = api.send("POST", "Observation", {"resourceType": "Condition"})
    assert wrong_type.status_code == 400
    assert not Resource.objects.filter(resource_type="Observation").exists()


def test_writes_follow_the_access_rules_and_refusals_are_audited(api) -> None:
    refused = api.send(
        "POST", "Observation", api.observation(subject=f"Patient/{api.stranger.ref}")
    )
    assert refused.status_code == 403 and issue(refused)["code"] == "forbidden"
    assert not Resource.objects.filter(resource_type="Observation").exists()
    assert AuditEvent.objects.filter(action="access_denied", details__via="fhir").exists()


def test_an_app_owned_resource_is_not_overwritten_by_the_record(api) -> None:
    plan = make_plan()
    owned = api.send(
        "PUT",
        f"CarePlan/{plan.uuid}",
        {
            "resourceType": "CarePlan",
            "id": str(plan.uuid),
            "status": "active",
            "intent": "plan",
            "subject": {"reference": f"Patient/{plan.person.ref}"},
        },
    )
    assert owned.status_code == 405, owned.content  # changed only in caretrust
    assert not Resource.objects.filter(resource_type="CarePlan").exists()
    sent = api.send(
        "PUT",
        "CarePlan/hospital-plan-1",
        {
            "resourceType": "CarePlan",
            "id": "hospital-plan-1",
            "status": "active",
            "intent": "plan",
            "subject": {"reference": f"Patient/{api.edith.ref}"},
        },
    )
    assert sent.status_code == 201, sent.content


# ----------------------------------------------------------------------------- conditionals


def test_conditional_create_finds_the_one_already_held(api) -> None:
    query = f"identifier={LAB}|obs-1"
    first = api.send("POST", "Observation", api.observation(), **{"If-None-Exist": query})
    assert first.status_code == 201
    again = api.send("POST", "Observation", api.observation(99), **{"If-None-Exist": query})
    assert again.status_code == 200
    assert json.loads(again.content)["id"] == json.loads(first.content)["id"]
    assert Resource.objects.filter(resource_type="Observation").count() == 1
    api.send("POST", "Observation", api.observation(ident="obs-1"))  # a second with that id
    several = api.send("POST", "Observation", api.observation(), **{"If-None-Exist": query})
    assert several.status_code == 412


def test_conditional_update_creates_then_updates_the_one_found(api) -> None:
    path = f"Observation?identifier={LAB}|obs-7"
    created = api.send("PUT", path, api.observation(70, "obs-7"))
    assert created.status_code == 201, created.content
    oid = json.loads(created.content)["id"]
    updated = api.send("PUT", path, api.observation(71, "obs-7"))
    assert updated.status_code == 200 and json.loads(updated.content)["id"] == oid
    assert updated["ETag"] == 'W/"2"'
    unknown = api.send("PUT", "Observation?colour=blue", api.observation())
    assert unknown.status_code == 400


def test_conditional_delete_deletes_the_one_found(api) -> None:
    created = api.send("POST", "Observation", api.observation(ident="obs-9"))
    oid = json.loads(created.content)["id"]
    deleted = api.send("DELETE", f"Observation?identifier={LAB}|obs-9")
    assert deleted.status_code == 204
    assert api.get(f"Observation/{oid}").status_code == 410
    nothing = api.send("DELETE", f"Observation?identifier={LAB}|never")
    assert nothing.status_code == 204


# --------------------------------------------------------------------------- delete, patch


def test_delete_then_410_while_history_and_vread_still_work(api) -> None:
    oid = json.loads(api.send("POST", "Observation", api.observation()).content)["id"]
    row = Resource.objects.get(resource_type="Observation", logical_id=oid)
    assert len(on_timeline(api.edith, row)) == 1
    stale = api.send("DELETE", f"Observation/{oid}", **{"If-Match": 'W/"5"'})
    assert stale.status_code == 412
    deleted = api.send("DELETE", f"Observation/{oid}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = api.get(f"Observation/{oid}")
    assert gone.status_code == 410 and issue(gone)["code"] == "deleted"
    assert api.get(f"Observation/{oid}/_history/1").status_code == 200
    assert api.get(f"Observation/{oid}/_history/2").status_code == 410
    history = json.loads(api.get(f"Observation/{oid}/_history").content)
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "POST"]
    search = json.loads(api.get(f"Observation?subject=Patient/{api.edith.ref}").content)
    assert search["entry"] == []
    assert api.send("DELETE", f"Observation/{oid}").status_code == 204  # again: still gone
    again = json.loads(api.get(f"Observation/{oid}/_history").content)
    assert again["entry"] == history["entry"]  # a second delete writes no second version
    assert on_timeline(api.edith, row) == []  # its line left the timeline with it
    assert timeline_counts([api.edith.pk]) == {}
    assert AuditEvent.objects.filter(action="delete", details__resource=f"Observation/{oid}")
    back = api.send("PUT", f"Observation/{oid}", {**api.observation(55), "id": oid})
    assert back.status_code == 200 and back["ETag"] == 'W/"3"'  # an update brings it back
    assert api.get(f"Observation/{oid}").status_code == 200
    history = json.loads(api.get(f"Observation/{oid}/_history").content)
    assert [e["request"]["method"] for e in history["entry"]] == ["PUT", "DELETE", "POST"]
    assert [line.summary for line in on_timeline(api.edith, row)] == ["Heart rate: 55 /min"]
    assert api.send("DELETE", "Observation/never-was").status_code == 404
    assert api.send("DELETE", f"Patient/{api.edith.ref}").status_code == 405


def test_json_patch(api) -> None:
    oid = json.loads(api.send("POST", "Observation", api.observation()).content)["id"]
    ops = [
        {"op": "test", "path": "/status", "value": "final"},
        {"op": "replace", "path": "/valueQuantity/value", "value": 65},
        {"op": "add", "path": "/note", "value": [{"text": "Resting"}]},
    ]
    patch_type = "application/json-patch+json"
    patched = api.send("PATCH", f"Observation/{oid}", ops, content_type=patch_type)
    assert patched.status_code == 200, patched.content
    body = json.loads(patched.content)
    assert body["valueQuantity"]["value"] == 65 and body["note"] == [{"text": "Resting"}]
    assert body["meta"]["versionId"] == "2"
    failed_test = [{"op": "test", "path": "/status", "value": "amended"}]
    assert (
        api.send("PATCH", f"Observation/{oid}", failed_test, content_type=patch_type).status_code
        == 412
    )
    stale = api.send(
        "PATCH", f"Observation/{oid}", ops, content_type=patch_type, **{"If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    invalid = [{"op": "replace", "path": "/status", "value": 3}]
    assert (
        api.send("PATCH", f"Observation/{oid}", invalid, content_type=patch_type).status_code == 422
    )
    no_path = [{"op": "remove", "path": "/nothing/here"}]
    assert (
        api.send("PATCH", f"Observation/{oid}", no_path, content_type=patch_type).status_code == 422
    )
    as_json = api.send("PATCH", f"Observation/{oid}", ops)
    assert as_json.status_code == 415
    # The index Patient is patched through the people index's own update.
    name = [{"op": "replace", "path": "/name/0/family", "value": "Quarrington-Smith"}]
    person = api.send("PATCH", f"Patient/{api.edith.ref}", name, content_type=patch_type)
    assert person.status_code == 200, person.content
    api.edith.refresh_from_db()
    assert api.edith.family_name == "Quarrington-Smith"


def test_if_none_match_gives_304_and_prefer_chooses_what_comes_back(api) -> None:
    created = api.send("POST", "Observation", api.observation(), Prefer="return=minimal")
    assert created.status_code == 201 and created.content == b""
    oid = created["Location"].split("/Observation/")[1].split("/")[0]
    same = api.get(f"Observation/{oid}", **{"If-None-Match": 'W/"1"'})
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == 'W/"1"'
    assert api.get(f"Observation/{oid}", **{"If-None-Match": 'W/"0"'}).status_code == 200
    told = api.send(
        "PUT",
        f"Observation/{oid}",
        {**api.observation(60), "id": oid},
        Prefer="return=OperationOutcome",
    )
    assert told.status_code == 200
    assert issue(told)["severity"] == "information"
    full = api.send(
        "PUT",
        f"Observation/{oid}",
        {**api.observation(61), "id": oid},
        Prefer="return=representation",
    )
    assert json.loads(full.content)["valueQuantity"]["value"] == 61


# ---------------------------------------------------------------------------------- bundles


def transaction_bundle(api: Api, held_id: str) -> dict:
    new_patient = "urn:uuid:9a1d0a9e-6b1f-4a8a-9b43-2f5b2ad1c001"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {  # listed first, carried out last (GET after the writes)
                "request": {"method": "GET", "url": f"Observation?subject=Patient/{api.edith.ref}"}
            },
            {  # refers to the Patient created below, by its urn:uuid
                "fullUrl": "urn:uuid:9a1d0a9e-6b1f-4a8a-9b43-2f5b2ad1c002",
                "resource": {
                    **api.observation(ident="new-person-obs"),
                    "subject": {"reference": new_patient},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "fullUrl": new_patient,
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"family": "Newcombe", "given": ["Ada"]}],
                    "birthDate": "1950-01-01",
                    "generalPractitioner": [
                        {
                            "identifier": {
                                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                "value": "DEMO-GP1",
                            }
                        }
                    ],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {  # a conditional reference, resolved before writing
                "fullUrl": "urn:uuid:9a1d0a9e-6b1f-4a8a-9b43-2f5b2ad1c003",
                "resource": {
                    "resourceType": "Condition",
                    "code": {"text": "Hypertension"},
                    "subject": {"reference": f"Patient?identifier={NHS}|9000000009"},
                },
                "request": {"method": "POST", "url": "Condition"},
            },
            {"request": {"method": "DELETE", "url": f"Observation/{held_id}"}},
        ],
    }


def test_a_transaction_is_carried_out_in_the_specs_order_with_references_resolved(api) -> None:
    held = json.loads(api.send("POST", "Observation", api.observation(ident="old")).content)["id"]
    response = api.client.generic(  # the base without its slash, as clients often send it
        "POST",
        "/fhir",
        data=json.dumps(transaction_bundle(api, held)).encode(),
        content_type=FHIR_JSON,
    )
    assert response.status_code == 200, response.content
    bundle = json.loads(response.content)
    assert bundle["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in bundle["entry"]]
    assert statuses == ["200 OK", "201 Created", "201 Created", "201 Created", "204 No Content"]
    obs, patient, condition = (bundle["entry"][i] for i in (1, 2, 3))
    patient_id = patient["resource"]["id"]
    assert obs["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    assert obs["response"]["location"].startswith(f"Observation/{obs['resource']['id']}/_history/1")
    assert obs["response"]["etag"] == 'W/"1"'
    assert condition["resource"]["subject"]["reference"] == f"Patient/{api.edith.ref}"
    # The GET ran after the DELETE: the deleted Observation is not in its searchset.
    searchset = bundle["entry"][0]["resource"]
    assert held not in [e["resource"]["id"] for e in searchset["entry"]]
    assert api.get(f"Observation/{held}").status_code == 410
    new_person = Person.objects.get(ref=patient_id)
    assert Resource.objects.get(logical_id=obs["resource"]["id"]).person_id == new_person.pk


def test_a_transaction_is_all_or_nothing(api) -> None:
    held = json.loads(api.send("POST", "Observation", api.observation(ident="old")).content)["id"]
    bundle = transaction_bundle(api, held)
    bundle["entry"][3]["resource"]["subject"] = {
        "reference": f"Patient?identifier={NHS}|9434765919"
    }
    people, resources = Person.objects.count(), Resource.objects.count()
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    failed = api.client.generic(
        "POST", "/fhir/", data=json.dumps(bundle).encode(), content_type=FHIR_JSON
    )
    assert failed.status_code == 404, failed.content
    assert issue(failed)["diagnostics"].startswith("entry 3:")
    assert Person.objects.count() == people and Resource.objects.count() == resources
    assert api.get(f"Observation/{held}").status_code == 200  # the DELETE was undone too
    # The audit rows of the undone writes were undone with them: no create or delete remains.
    assert not AuditEvent.objects.filter(
        pk__gt=last_audit, action__in=["create", "delete"]
    ).exists()


def test_a_transaction_refuses_two_changes_to_one_resource_and_circles(api) -> None:
    twice = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"request": {"method": "DELETE", "url": "Observation/a"}},
            {"request": {"method": "DELETE", "url": "Observation/a"}},
        ],
    }
    assert api.send("POST", "", twice).status_code == 400
    circle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}",
                "resource": {
                    "resourceType": "Basic",
                    "code": {"text": "x"},
                    "author": {"reference": f"urn:uuid:00000000-0000-4000-8000-00000000000{1 - i}"},
                },
                "request": {"method": "POST", "url": "Basic"},
            }
            for i in (0, 1)
        ],
    }
    refused = api.send("POST", "", circle)
    assert refused.status_code == 400 and "circle" in issue(refused)["diagnostics"]
    not_a_bundle = api.send("POST", "", {"resourceType": "Bundle", "type": "collection"})
    assert not_a_bundle.status_code == 400


def test_a_batch_answers_each_entry_on_its_own(api) -> None:
    held = json.loads(api.send("POST", "Observation", api.observation(ident="old")).content)["id"]
    patch = base64.b64encode(
        json.dumps([{"op": "replace", "path": "/status", "value": "amended"}]).encode()
    ).decode()
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": api.observation(ident="b1"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": api.observation(subject="Patient/not-held"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": {
                    "resourceType": "Binary",
                    "contentType": "application/json-patch+json",
                    "data": patch,
                },
                "request": {"method": "PATCH", "url": f"Observation/{held}"},
            },
            {"request": {"method": "GET", "url": f"Observation/{held}", "ifNoneMatch": 'W/"2"'}},
            {
                "resource": api.observation(subject=f"Patient/{api.stranger.ref}"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {"request": {"method": "GET", "url": "Observation/never-was"}},
        ],
    }
    response = api.send("POST", "", bundle, Prefer="return=minimal")
    assert response.status_code == 200, response.content
    answer = json.loads(response.content)
    assert answer["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == [
        "201 Created",
        "422 Unprocessable Entity",
        "200 OK",
        "304 Not Modified",
        "403 Forbidden",
        "404 Not Found",
    ]
    assert "resource" not in answer["entry"][0]  # return=minimal
    assert answer["entry"][0]["response"]["location"].startswith("Observation/")
    assert answer["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert Resource.objects.filter(identifier_index__contains=f"{LAB}|b1").count() == 1
    assert json.loads(api.get(f"Observation/{held}").content)["status"] == "amended"
    assert AuditEvent.objects.filter(action="access_denied", details__via="fhir").exists()


def test_the_capability_statement_lists_what_works(api) -> None:
    cs = json.loads(api.get("metadata").content)
    rest = cs["rest"][0]
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch", "history-system"}
    types = {r["type"]: r for r in rest["resource"]}
    codes = {name: {i["code"] for i in r["interaction"]} for name, r in types.items()}
    assert codes["Observation"] == {
        "read",
        "vread",
        "search-type",
        "create",
        "update",
        "patch",
        "delete",
        "history-instance",
        "history-type",
    }
    assert codes["Patient"] == {
        "read",
        "vread",
        "search-type",
        "create",
        "update",
        "patch",
        "history-instance",
        "history-type",
    }
    assert types["Observation"]["conditionalDelete"] == "single"
    assert types["Observation"]["updateCreate"] is True
    assert types["Patient"]["updateCreate"] is False
    assert types["Observation"]["conditionalCreate"] and types["Observation"]["conditionalUpdate"]
    assert types["Observation"]["conditionalRead"] == "not-match"


# ------------------------------------------------------------------ a real client (fhirpy)


@pytest.fixture
def live(live_server, demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith, _stranger = make_people(practice)
    _row, token = issue_client(name="writes-live", organisation=practice, role="coordinator")
    base = f"{live_server.url}/fhir"
    return {
        "base": base,
        "token": token,
        "edith": edith,
        "client": SyncFHIRClient(base, authorization=f"Bearer {token}"),
    }


def observation_for(edith, ident="live-1", value=72) -> dict:
    return {
        "resourceType": "Observation",
        "identifier": [{"system": LAB, "value": ident}],
        "status": "final",
        "code": {"text": "Heart rate"},
        "subject": {"reference": f"Patient/{edith.ref}"},
        "valueQuantity": {"value": value, "unit": "/min"},
    }


@pytest.mark.slow
def test_fhirpy_creates_updates_deletes_and_conditionals(live) -> None:
    client, edith = live["client"], live["edith"]
    obs = client.resource("Observation", **observation_for(edith))
    obs.save()  # POST
    assert obs.id and obs["meta"]["versionId"] == "1"
    obs["valueQuantity"]["value"] = 75
    obs.save()  # PUT with the id
    fetched = client.reference("Observation", obs.id).to_resource()
    assert fetched["valueQuantity"]["value"] == 75 and fetched["meta"]["versionId"] == "2"

    # conditional create (fhirpy's get_or_create: POST Type?criteria)
    search = client.resources("Observation").search(identifier=f"{LAB}|live-1")
    again, created = search.get_or_create(
        client.resource("Observation", **observation_for(edith, value=99))
    )
    assert not created and again.id == obs.id
    # conditional update: none found creates, then the one found is updated
    other = client.resources("Observation").search(identifier=f"{LAB}|live-2")
    made, created = other.update(client.resource("Observation", **observation_for(edith, "live-2")))
    assert created
    changed, created = other.update(
        client.resource("Observation", **observation_for(edith, "live-2", 50))
    )
    assert not created and changed.id == made.id and changed["meta"]["versionId"] == "2"
    # conditional delete, then delete by id; reads answer 410 (fhirpy: ResourceNotFound)
    _body, status = other.delete()
    assert status == 204
    with pytest.raises(ResourceNotFound):
        client.reference("Observation", made.id).to_resource()
    obs.delete()
    with pytest.raises(ResourceNotFound):
        client.reference("Observation", obs.id).to_resource()
    gone = requests.get(
        f"{live['base']}/Observation/{obs.id}",
        headers={"Authorization": f"Bearer {live['token']}"},
        timeout=10,
    )
    assert gone.status_code == 410
    history = client.execute(f"Observation/{obs.id}/_history", method="get")
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "PUT", "POST"]


@pytest.mark.slow
def test_fhirpy_transaction_batch_patch_if_none_match_and_prefer(live) -> None:
    client, edith, base = live["client"], live["edith"], live["base"]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:6f0e9a34-1c55-4d7a-9c2b-000000000001",
                "resource": {"resourceType": "Organization", "name": "Torbay Pathology"},
                "request": {"method": "POST", "url": "Organization"},
            },
            {
                "resource": {
                    **observation_for(edith, "tx-1"),
                    "subject": {"reference": f"Patient?identifier={NHS}|9000000009"},
                    "performer": [{"reference": "urn:uuid:6f0e9a34-1c55-4d7a-9c2b-000000000001"}],
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    answer = client.execute("", method="post", data=bundle)
    assert answer["type"] == "transaction-response"
    org_id = answer["entry"][0]["resource"]["id"]
    obs = answer["entry"][1]["resource"]
    assert obs["performer"][0]["reference"] == f"Organization/{org_id}"
    assert obs["subject"]["reference"] == f"Patient/{edith.ref}"
    batch = client.execute(
        "",
        method="post",
        data={
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {"request": {"method": "GET", "url": f"Observation/{obs['id']}"}},
                {"request": {"method": "GET", "url": "Observation/never-was"}},
            ],
        },
    )
    assert [e["response"]["status"] for e in batch["entry"]] == ["200 OK", "404 Not Found"]

    # JSON Patch: fhirpy's own patch() sends a merge patch, so the request is made through
    # its request method with the JSON Patch media type.
    patched = client._do_request(
        "patch",
        f"Observation/{obs['id']}",
        data=[{"op": "replace", "path": "/valueQuantity/value", "value": 64}],
        extra_headers={"Content-Type": "application/json-patch+json"},
    )
    assert patched["valueQuantity"]["value"] == 64 and patched["meta"]["versionId"] == "2"
    _none, status = client._do_request(
        "get",
        f"Observation/{obs['id']}",
        extra_headers={"If-None-Match": 'W/"2"'},
        returning_status=True,
    )
    assert status == 304
    minimal = SyncFHIRClient(
        base, authorization=f"Bearer {live['token']}", extra_headers={"Prefer": "return=minimal"}
    )
    saved, status = minimal._do_request(
        "post", "Observation", data=observation_for(edith, "min-1"), returning_status=True
    )
    assert status == 201 and saved is None


def test_empty_answers_stay_empty_when_xml_is_asked_for(api) -> None:
    created = api.send(
        "POST", "Observation?_format=xml", api.observation(), Prefer="return=minimal"
    )
    assert created.status_code == 201 and created.content == b""
    oid = created["Location"].split("/Observation/")[1].split("/")[0]
    same = api.get(f"Observation/{oid}?_format=xml", **{"If-None-Match": 'W/"1"'})
    assert same.status_code == 304 and same.content == b""
    deleted = api.send("DELETE", f"Observation/{oid}?_format=xml")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = api.get(f"Observation/{oid}?_format=xml")
    assert gone.status_code == 410 and gone["Content-Type"].startswith("application/fhir+xml")
