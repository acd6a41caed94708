"""FHIR Bulk Data `$export` (ADR 117) over HTTP: kick-off, status, download and cancel at Patient,
Group and system level; who gets whom (relationships; an approved secondary use with the National
Data Opt-out honoured and pseudonyms); every error case; and the round trip of an export of a
demo place through `caretrust import fhir` into a fresh database.

Jobs run as the jobs app's own tests run them: queued on the dummy backend and carried out with
`jobs.services.execute` (what the worker does), so the status URL is seen both running and done."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test import Client

from caretrust.access.models import AuditEvent
from caretrust.fhir import smart
from caretrust.fhir.services import approve_secondary_use, issue_client
from caretrust.jobs.models import Job
from caretrust.jobs.services import execute
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person, PersonIdentifier
from caretrust.record.models import Resource
from tests.factories import force_update, make_plan, make_referral, person_row, routed_referral
from tests.fhir.test_smart_backend_services import ask, assertion, public_jwks

pytestmark = pytest.mark.django_db
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def condition(person: Person, logical_id: str, day: str = "2021-06-01") -> Resource:
    row = Resource.objects.create(
        resource_type="Condition",
        logical_id=logical_id,
        last_updated="2024-01-01T00:00:00Z",
        content={
            "resourceType": "Condition",
            "subject": {"reference": "Patient/as-the-source-sent-it", "display": "A Name"},
            "code": {"text": f"Condition {logical_id}"},
            "onsetDateTime": day,
        },
        content_hash=logical_id,
        person=person,
        source="fhir",
        source_id=logical_id,
        date=date.fromisoformat(day),
        status="active",
    )
    return row


@pytest.fixture
def world(demo_directory, settings, tmp_path):
    settings.TASKS = DUMMY
    settings.CARETRUST_BULK_EXPORT_DIR = tmp_path / "bulk"
    practice = Organisation.objects.get(code="DEMO-GP1")
    winifred = person_row(
        given_name="Winifred",
        family_name="Quarrington",
        sex="female",
        birth_date=date(1941, 3, 2),
        postcode="TQ1 4AA",
        gp_practice=practice,
    )
    PersonIdentifier.objects.create(person=winifred, system=NHS_SYSTEM, value="9434765919")
    opted_out = person_row(
        given_name="Oona",
        family_name="Outwith",
        sex="female",
        birth_date=date(1950, 1, 1),
        gp_practice=practice,
        opted_out_of_secondary_use=True,
    )
    PersonIdentifier.objects.create(person=opted_out, system=NHS_SYSTEM, value="9434765803")
    stranger = person_row(given_name="Other", family_name="Person", sex="male")
    PersonIdentifier.objects.create(person=stranger, system=NHS_SYSTEM, value="9434765811")
    condition(winifred, "c-w1")
    condition(winifred, "c-w2", "2022-03-03")
    condition(opted_out, "c-o1")
    condition(stranger, "c-s1")
    _gp, gp_token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    icb = Organisation.objects.filter(kind=Organisation.Kind.ICB).first() or practice
    analyst, analyst_token = issue_client(name="icb-analytics", organisation=icb, role="analyst")
    return {
        "practice": practice,
        "winifred": winifred,
        "opted_out": opted_out,
        "stranger": stranger,
        "gp": {"HTTP_AUTHORIZATION": f"Bearer {gp_token}"},
        "analyst_client": analyst,
        "analyst": {"HTTP_AUTHORIZATION": f"Bearer {analyst_token}"},
    }


def visible_refs(client_name: str) -> set[str]:
    """The people the client may read, by the rule every FHIR read uses."""
    from caretrust.access.relationships import visible_person_ids
    from caretrust.fhir.models import ApiClient

    user = ApiClient.objects.get(name=client_name).user
    people = Person.objects.filter(pk__in=visible_person_ids(user), merged_into__isnull=True)
    return {str(ref) for ref in people.values_list("ref", flat=True)}


def ndop_check(tmp_path: Path, *, not_cleared: tuple[str, ...] = ()) -> None:
    """The National Data Opt-out check (ADR 87), returning every number submitted but those
    `not_cleared` (a national opt-out)."""
    from caretrust import clock
    from caretrust.optout.selectors import submission_numbers
    from caretrust.optout.services import import_cleared_cohort

    returned = tmp_path / "ndop-returned.csv"
    numbers = [n for n in submission_numbers() if n not in not_cleared]
    returned.write_text("".join(f"{n}\n" for n in numbers))
    import_cleared_cohort(path=returned, cleared_on=clock.today())


def kick_off(http: Client, url: str, auth: dict, **params) -> str:
    response = http.get(url, params, **ASYNC, **auth)
    assert response.status_code == 202, response.content
    return response["Content-Location"]


def run(status_url: str) -> None:
    """What the worker does with the queued job."""
    job_id = status_url.rsplit("/", 1)[-1]
    assert execute(job_id) == Job.Status.DONE


def finished(http: Client, status_url: str, auth: dict) -> dict:
    run(status_url)
    response = http.get(status_url, **auth)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def download(http: Client, manifest: dict, auth: dict) -> dict[str, list[dict]]:
    files = {}
    for output in manifest["output"]:
        response = http.get(output["url"], **auth)
        assert response.status_code == 200, output
        assert response["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(response.streaming_content).decode().splitlines()
        files[output["type"]] = [json.loads(line) for line in lines]
        assert len(lines) == output["count"]
    return files


def test_patient_level_kick_off_poll_download_and_audit(world) -> None:
    http = Client()
    status_url = kick_off(http, "/fhir/Patient/$export", world["gp"])
    assert status_url.startswith("http://testserver/fhir/bulk-status/")
    waiting = http.get(status_url, **world["gp"])
    assert waiting.status_code == 202
    assert waiting["X-Progress"].startswith("Queued: 0%")
    assert waiting["Retry-After"] == "2"

    manifest = finished(http, status_url, world["gp"])
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"] == "http://testserver/fhir/Patient/$export"
    assert manifest["error"] == [] and manifest["transactionTime"]
    files = download(http, manifest, world["gp"])
    # The practice's coordinator reads its registered patients (opted out or not: this is care,
    # not secondary use), never the stranger.
    winifred, opted_out = world["winifred"], world["opted_out"]
    visible = visible_refs("harbour-gp")
    assert {str(winifred.ref), str(opted_out.ref)} <= visible
    assert str(world["stranger"].ref) not in visible
    assert {p["id"] for p in files["Patient"]} == visible
    assert {c["id"] for c in files["Condition"]} == {"c-w1", "c-w2", "c-o1"}
    mine = next(c for c in files["Condition"] if c["id"] == "c-w1")
    assert mine["subject"]["reference"] == f"Patient/{winifred.ref}"
    assert mine["meta"]["versionId"] == "1"
    # One read audit row per person exported; each download is audited too.
    reads = AuditEvent.objects.filter(action="read", object_type="fhir.$export")
    assert sorted(reads.values_list("person_ref", flat=True)) == sorted(visible)
    assert {r.details["client"] for r in reads} == {"harbour-gp"}
    downloads = AuditEvent.objects.filter(reason="Bulk Data export file downloaded")
    assert sorted(d.details["file"] for d in downloads) == ["Condition.ndjson", "Patient.ndjson"]


def test_type_and_since_choose_what_is_exported(world) -> None:
    http = Client()
    url = kick_off(http, "/fhir/Patient/$export", world["gp"], _type="Condition")
    assert [o["type"] for o in finished(http, url, world["gp"])["output"]] == ["Condition"]
    url = kick_off(
        http,
        "/fhir/Patient/$export",
        world["gp"],
        _since="2099-01-01T00:00:00Z",
        _outputFormat="application/fhir+ndjson",
    )
    assert finished(http, url, world["gp"])["output"] == []
    url = kick_off(http, "/fhir/Patient/$export", world["gp"], _since="2023-12-31T00:00:00+00:00")
    counts = {o["type"]: o["count"] for o in finished(http, url, world["gp"])["output"]}
    assert counts == {"Patient": len(visible_refs("harbour-gp")), "Condition": 3}


@pytest.mark.parametrize(
    ("params", "headers", "expression"),
    [
        ({}, {"HTTP_ACCEPT": "application/fhir+json"}, "Prefer"),
        ({"_outputFormat": "text/csv"}, ASYNC, "_outputFormat"),
        ({"_type": "Nonsense"}, ASYNC, "_type"),
        ({"_since": "yesterday"}, ASYNC, "_since"),
        ({"_since": "2024-01-01T00:00:00"}, ASYNC, "_since"),  # no time zone: not an instant
        ({"_typeFilter": "Condition?status=active"}, ASYNC, "_typeFilter"),
        ({}, {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "text/html"}, "Accept"),
    ],
)
def test_bad_kick_offs_are_400_operation_outcomes(world, params, headers, expression) -> None:
    response = Client().get("/fhir/Patient/$export", params, **headers, **world["gp"])
    assert response.status_code == 400, response.content
    issue = response.json()["issue"][0]
    assert response.json()["resourceType"] == "OperationOutcome"
    assert issue["expression"] == [expression]
    assert not Job.objects.exists()


def test_no_token_is_401_and_post_is_405(world) -> None:
    http = Client()
    assert http.get("/fhir/Patient/$export", **ASYNC).status_code == 401
    response = http.post("/fhir/Patient/$export", **ASYNC, **world["gp"])
    assert response.status_code == 405


def test_system_level_needs_an_approved_secondary_use(world) -> None:
    http = Client()
    # A coordinator's client (direct care) cannot, whatever it asks.
    refused = http.get("/fhir/$export", **ASYNC, **world["gp"])
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    # An analyst's client not (yet) approved cannot either.
    refused = http.get("/fhir/$export", **ASYNC, **world["analyst"])
    assert refused.status_code == 403
    assert "approved for secondary use" in refused.json()["issue"][0]["diagnostics"]
    assert AuditEvent.objects.filter(action="access_denied").count() >= 2
    assert not Job.objects.exists()


def test_approval_is_for_an_analysts_client_named_and_audited(world, tmp_path) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="only an analyst's client"):
        call_command("approve_secondary_use", "harbour-gp", "--approval", "DSA-1")
    with pytest.raises(CommandError, match="name the approval"):
        call_command("approve_secondary_use", "icb-analytics")
    call_command("approve_secondary_use", "icb-analytics", "--approval", "DSA-1")
    world["analyst_client"].refresh_from_db()
    assert world["analyst_client"].secondary_use == "pseudonymised"
    approved = AuditEvent.objects.get(reason="secondary use approved")
    assert approved.details["approval"] == "DSA-1"
    # Withdrawn: the next kick-off is refused.
    ndop_check(tmp_path)
    call_command("approve_secondary_use", "icb-analytics", "--withdraw")
    assert Client().get("/fhir/$export", **ASYNC, **world["analyst"]).status_code == 403


def test_system_level_needs_a_current_national_data_opt_out_check(world) -> None:
    approve_secondary_use(client=world["analyst_client"], level="pseudonymised", approval="D-1")
    refused = Client().get("/fhir/$export", **ASYNC, **world["analyst"])
    assert refused.status_code == 403
    assert "National Data Opt-out" in refused.json()["issue"][0]["diagnostics"]
    assert not Job.objects.exists()


def test_pseudonymised_system_export_leaves_out_opted_out_people(world, settings, tmp_path):
    settings.CARETRUST_PSEUDONYM_KEY = "a-test-key"
    ndop_check(tmp_path, not_cleared=("9434765811",))  # the stranger opted out nationally
    approve_secondary_use(
        client=world["analyst_client"], level="pseudonymised", approval="DSA-2026-001"
    )
    http = Client()
    manifest = finished(http, kick_off(http, "/fhir/$export", world["analyst"]), world["analyst"])
    files = download(http, manifest, world["analyst"])
    pseudo = hmac.new(b"a-test-key", b"nhs:9434765919", hashlib.sha256).hexdigest()
    patients = {p["id"]: p for p in files["Patient"]}
    assert pseudo in patients
    winifred = patients[pseudo]
    assert winifred == {
        "resourceType": "Patient",
        "id": pseudo,
        "meta": winifred["meta"],
        "identifier": [
            {"system": "https://caretrust.example/Id/bulk-export-pseudonym", "value": pseudo}
        ],
        "gender": "female",
        "birthDate": "1941",
        "address": [{"use": "home", "postalCode": "TQ1"}],
        "generalPractitioner": [
            {
                "identifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "DEMO-GP1",
                }
            }
        ],
    }
    text = json.dumps(files)
    for name in ("Quarrington", "Winifred", "9434765919", "A Name", str(world["winifred"].ref)):
        assert name not in text
    # The person who opted out is not there at all: no Patient, no Condition.
    assert "Outwith" not in text and "c-o1" not in {c["id"] for c in files["Condition"]}
    assert str(world["opted_out"].ref) not in text
    assert not AuditEvent.objects.filter(
        object_type="fhir.$export", person_ref=world["opted_out"].audit_ref
    ).exists()
    # Nor is the one the national service did not clear; everyone exported is audited.
    assert "c-s1" not in {c["id"] for c in files["Condition"]}
    audited = AuditEvent.objects.filter(object_type="fhir.$export")
    assert audited.count() == len(files["Patient"])
    assert world["winifred"].audit_ref in set(audited.values_list("person_ref", flat=True))
    mine = [c for c in files["Condition"] if c["id"].startswith("c-w")]
    assert {c["subject"]["reference"] for c in mine} == {f"Patient/{pseudo}"}
    assert "display" not in mine[0]["subject"]


def test_identifiable_system_export_names_people_and_still_leaves_out_opt_outs(world, tmp_path):
    ndop_check(tmp_path)
    approve_secondary_use(client=world["analyst_client"], level="identifiable", approval="DSA-7")
    http = Client()
    manifest = finished(http, kick_off(http, "/fhir/$export", world["analyst"]), world["analyst"])
    files = download(http, manifest, world["analyst"])
    ids = {p["id"] for p in files["Patient"]}
    assert {str(world["winifred"].ref), str(world["stranger"].ref)} <= ids
    assert str(world["opted_out"].ref) not in ids
    assert {"c-w1", "c-w2", "c-s1"} <= {c["id"] for c in files["Condition"]}
    assert "c-o1" not in {c["id"] for c in files["Condition"]}


def test_scopes_are_checked_like_every_other_interaction(world) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    smart.register_backend_client(
        name="harbour-system",
        organisation=world["practice"],
        role="coordinator",
        jwks=public_jwks(key, "k1"),
        scopes="system/Patient.read system/Condition.rs",
    )
    http = Client()
    got = ask(http, assertion(key), "system/Condition.rs")
    token = {"HTTP_AUTHORIZATION": f"Bearer {got.json()['access_token']}"}
    refused = http.get("/fhir/Patient/$export", {"_type": "Patient"}, **ASYNC, **token)
    assert refused.status_code == 403
    assert "system/Patient.read" in refused.json()["issue"][0]["diagnostics"]
    # Without _type: what the scopes allow (Condition), not the Patients.
    manifest = finished(http, kick_off(http, "/fhir/Patient/$export", token), token)
    assert [o["type"] for o in manifest["output"]] == ["Condition"]
    # A backend-services client of a coordinator is not a secondary use, scopes or not.
    assert http.get("/fhir/$export", **ASYNC, **token).status_code == 403


def test_only_the_client_that_asked_reads_the_status_and_files(world) -> None:
    http = Client()
    status_url = kick_off(http, "/fhir/Patient/$export", world["gp"])
    manifest = finished(http, status_url, world["gp"])
    assert http.get(status_url, **world["analyst"]).status_code == 403
    assert http.get(manifest["output"][0]["url"], **world["analyst"]).status_code == 403
    assert http.get(manifest["output"][0]["url"]).status_code == 401
    missing = manifest["output"][0]["url"].replace("Patient.ndjson", "Observation.ndjson")
    assert http.get(missing, **world["gp"]).status_code == 404
    unknown = status_url[:-4] + "0000"
    assert http.get(unknown, **world["gp"]).status_code == 404


def test_delete_cancels_a_running_export_and_removes_its_files(world, settings) -> None:
    http = Client()
    status_url = kick_off(http, "/fhir/Patient/$export", world["gp"])
    assert http.delete(status_url, **world["gp"]).status_code == 202
    assert http.get(status_url, **world["gp"]).status_code == 404
    job_id = status_url.rsplit("/", 1)[-1]
    assert execute(job_id) == Job.Status.FAILED  # the worker finds it cancelled: nothing runs
    assert not (Path(settings.CARETRUST_BULK_EXPORT_DIR) / job_id).exists()
    # A finished export's files go too.
    status_url = kick_off(http, "/fhir/Patient/$export", world["gp"])
    manifest = finished(http, status_url, world["gp"])
    folder = Path(settings.CARETRUST_BULK_EXPORT_DIR) / status_url.rsplit("/", 1)[-1]
    assert (folder / "Patient.ndjson").exists()
    assert http.delete(status_url, **world["gp"]).status_code == 202
    assert not folder.exists()
    assert http.get(manifest["output"][0]["url"], **world["gp"]).status_code == 404
    assert http.delete(status_url, **world["gp"]).status_code == 404


def test_a_client_revoked_before_its_export_runs_exports_nothing(world, settings) -> None:
    from caretrust.fhir.models import ApiClient
    from caretrust.fhir.services import revoke_client

    http = Client()
    status_url = kick_off(http, "/fhir/Patient/$export", world["gp"])
    revoke_client(client=ApiClient.objects.get(name="harbour-gp"))
    job_id = status_url.rsplit("/", 1)[-1]
    with pytest.raises(Exception, match="was revoked"):
        execute(job_id)
    assert Job.objects.get(pk=job_id).status == Job.Status.FAILED
    assert not (Path(settings.CARETRUST_BULK_EXPORT_DIR) / job_id).exists()
    assert http.get(status_url, **world["gp"]).status_code == 401  # its token is refused too


def test_group_is_a_practice_list_served_and_exported_under_the_same_rules(world) -> None:
    http = Client()
    group = http.get("/fhir/Group/practice-DEMO-GP1", **world["gp"])
    assert group.status_code == 200, group.content
    body = group.json()
    members = {m["entity"]["reference"] for m in body["member"]}
    registered = {
        str(ref)
        for ref in Person.objects.filter(gp_practice=world["practice"]).values_list(
            "ref", flat=True
        )
    }
    expected = registered & visible_refs("harbour-gp")
    assert {str(world["winifred"].ref), str(world["opted_out"].ref)} <= expected
    assert members == {f"Patient/{ref}" for ref in expected}
    assert body["quantity"] == len(expected) and body["type"] == "person" and body["actual"] is True
    found = http.get("/fhir/Group", {"identifier": "DEMO-GP1"}, **world["gp"]).json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["practice-DEMO-GP1"]
    assert http.get("/fhir/Group/practice-NOPE", **world["gp"]).status_code == 404
    assert http.get("/fhir/Group/practice-NOPE/$export", **ASYNC, **world["gp"]).status_code == 404

    url = kick_off(http, "/fhir/Group/practice-DEMO-GP1/$export", world["gp"])
    files = download(http, finished(http, url, world["gp"]), world["gp"])
    assert {p["id"] for p in files["Patient"]} == expected
    # Another practice's list: the client sees none of its members, so exports nothing.
    other = Organisation.objects.filter(kind="gp_practice").exclude(code="DEMO-GP1").first()
    person_row(given_name="Else", family_name="Where", sex="male", gp_practice=other)
    url = kick_off(http, f"/fhir/Group/practice-{other.code}/$export", world["gp"])
    assert finished(http, url, world["gp"])["output"] == []


def test_capability_statement_lists_the_export_operations(world) -> None:
    http = Client()
    statement = http.get("/fhir/metadata").json()
    assert statement["rest"][0]["operation"] == [
        {
            "name": "export",
            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
        }
    ]
    by_type = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert by_type["Patient"]["operation"][-1]["definition"].endswith("/patient-export")
    assert by_type["Group"]["operation"][0]["definition"].endswith("/group-export")
    assert {"code": "read"} in by_type["Group"]["interaction"]
    smart_config = http.get("/fhir/.well-known/smart-configuration")
    assert smart_config.status_code == 200
    assert smart_config.json()["grant_types_supported"] == ["client_credentials"]


# ------------------------------------------------------- caretrust's own resources (the apps')


def send_referral(http: Client, auth: dict, person: Person, reason: str) -> str:
    """A referral made over the API (a ServiceRequest create): its id (the Task's too)."""
    sent = http.post(
        "/fhir/ServiceRequest",
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{person.ref}"},
            "reasonCode": [{"text": reason}],
            "note": [{"text": f"Lives alone; {person.given_name} asked us to refer."}],
        },
        content_type="application/fhir+json",
        **auth,
    )
    assert sent.status_code == 201, sent.content
    return sent.json()["id"]


@pytest.fixture
def referred(world):
    """The GP system's own referral of Winifred over the API; a care plan (made from a routed
    referral) for someone else registered at the practice; and the demo GP's referral of the
    stranger, whom the GP system cannot read."""
    sent = send_referral(Client(), world["gp"], world["winifred"], "Fell twice this week.")
    plan = make_plan()
    from caretrust.organisations.models import Locality

    strangers = make_referral(person=world["stranger"], locality=Locality.objects.first())
    return {"sent": sent, "plan": plan, "strangers": str(strangers.uuid)}


def searched_ids(http: Client, auth: dict, resource_type: str, refs: set[str]) -> set[str]:
    """What a search by the client finds of a type for these people, page by page."""
    found = set()
    for ref in refs:
        url = f"/fhir/{resource_type}?patient=Patient/{ref}&_count=100"
        while url:
            bundle = http.get(url, **auth).json()
            found |= {e["resource"]["id"] for e in bundle.get("entry", [])}
            url = next((lk["url"] for lk in bundle["link"] if lk["relation"] == "next"), None)
    return found


def test_patient_export_holds_the_apps_resources_a_search_by_the_client_finds(world, referred):
    http = Client()
    manifest = finished(http, kick_off(http, "/fhir/Patient/$export", world["gp"]), world["gp"])
    files = download(http, manifest, world["gp"])
    plan = referred["plan"]
    assert {"ServiceRequest", "Task", "CarePlan", "CareTeam"} <= set(files)
    ids = {t: {r["id"] for r in rows} for t, rows in files.items()}
    assert referred["sent"] in ids["ServiceRequest"] and referred["sent"] in ids["Task"]
    assert str(plan.uuid) in ids["CarePlan"] and str(plan.care_team_uuid) in ids["CareTeam"]
    # Not the stranger's referral (someone the GP system does not read), in no file.
    assert referred["strangers"] not in json.dumps(files)
    # Exactly what the client's own search finds for the people it reads, type by type.
    visible = visible_refs("harbour-gp")
    for resource_type in ("ServiceRequest", "Task", "CarePlan", "CareTeam"):
        assert ids[resource_type] == searched_ids(http, world["gp"], resource_type, visible), (
            resource_type
        )
    sent = next(r for r in files["ServiceRequest"] if r["id"] == referred["sent"])
    assert sent["subject"]["reference"] == f"Patient/{world['winifred'].ref}"
    assert sent["meta"]["versionId"] and sent["meta"]["lastUpdated"]
    task = next(r for r in files["Task"] if r["id"] == referred["sent"])
    assert task["for"]["reference"] == f"Patient/{world['winifred'].ref}"
    assert files["CarePlan"][0]["subject"]["reference"] == f"Patient/{plan.person.ref}"
    # Another GP system's client exports its own referral, not harbour-gp's.
    _other, token = issue_client(
        name="other-gp", organisation=world["practice"], role="coordinator"
    )
    other_auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    theirs = send_referral(http, other_auth, world["winifred"], "Confused at night.")
    manifest = finished(
        http,
        kick_off(http, "/fhir/Patient/$export", other_auth, _type="ServiceRequest,Task"),
        other_auth,
    )
    others = download(http, manifest, other_auth)
    assert {r["id"] for r in others["ServiceRequest"]} == {theirs}
    assert {r["id"] for r in others["Task"]} == {theirs}


def test_type_service_request_gives_only_that_file_and_since_applies(world, referred) -> None:
    http = Client()
    url = kick_off(http, "/fhir/Patient/$export", world["gp"], _type="ServiceRequest")
    manifest = finished(http, url, world["gp"])
    assert [o["type"] for o in manifest["output"]] == ["ServiceRequest"]
    files = download(http, manifest, world["gp"])
    assert referred["sent"] in {r["id"] for r in files["ServiceRequest"]}
    url = kick_off(
        http,
        "/fhir/Patient/$export",
        world["gp"],
        _type="ServiceRequest,Task,CarePlan",
        _since="2099-01-01T00:00:00Z",
    )
    assert finished(http, url, world["gp"])["output"] == []


def test_pseudonymised_system_export_of_the_apps_resources_names_no_one(
    world, settings, tmp_path
) -> None:
    from caretrust.organisations.models import User

    settings.CARETRUST_PSEUDONYM_KEY = "a-test-key"
    winifred = world["winifred"]
    sent = send_referral(Client(), world["gp"], winifred, "Winifred fell twice this week.")
    plan = make_plan(referral=routed_referral(person=winifred))
    from django.utils import timezone

    from caretrust.careplans import services as careplans

    careplans.add_service(
        actor=User.objects.get(username="coordinator"),
        plan=plan,
        expected_version=plan.version,
        kind="equipment",
        provider_organisation=Organisation.objects.get(code="DEMO-COUNCIL"),
        description="Rail by Winifred's back door",
        per="once",
        start=timezone.localdate(),
        funding_stream="minor_adaptation",
    )
    ndop_check(tmp_path)
    approve_secondary_use(client=world["analyst_client"], level="pseudonymised", approval="D-9")
    http = Client()
    manifest = finished(http, kick_off(http, "/fhir/$export", world["analyst"]), world["analyst"])
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    for resource_type in ("ServiceRequest", "Task", "CarePlan", "CareTeam"):
        assert counts.get(resource_type, 0) >= 1, (resource_type, counts)
    texts = {}
    for output in manifest["output"]:
        response = http.get(output["url"], **world["analyst"])
        texts[output["type"]] = b"".join(response.streaming_content).decode()
    text = "".join(texts.values())
    for secret in (
        "Winifred",
        "Quarrington",
        "9434765919",
        str(winifred.ref),
        "Fell twice",
        "Lives alone",
        "my own home",  # what matters to her (the routed referral's free text)
        "Demo",
        "Harbour",  # the people and organisations acting (requester, owner, performer)
    ):
        assert secret not in text, secret
    pseudo = hmac.new(b"a-test-key", b"nhs:9434765919", hashlib.sha256).hexdigest()
    rows = {t: [json.loads(line) for line in body.splitlines()] for t, body in texts.items()}
    from fhir.resources.R4B import get_fhir_model_class

    for resource_type in (
        "ServiceRequest",
        "Task",
        "CarePlan",
        "CareTeam",
        "QuestionnaireResponse",
    ):
        for row in rows[resource_type]:  # what is left is still valid FHIR R4
            get_fhir_model_class(resource_type).model_validate(row)
    answers = rows["QuestionnaireResponse"][0]
    assert "extension" not in answers and "author" in answers  # contributors were names
    request = next(r for r in rows["ServiceRequest"] if r["id"] == sent)
    assert request["subject"] == {"reference": f"Patient/{pseudo}"}
    assert "requester" not in request and "note" not in request and "reasonCode" not in request
    task = next(r for r in rows["Task"] if r["id"] == sent)
    assert task["for"] == {"reference": f"Patient/{pseudo}"}
    assert task["focus"] == {"reference": f"ServiceRequest/{sent}"}  # references by id stay
    assert task["status"] and "owner" not in task and "requester" not in task
    care_plan = next(r for r in rows["CarePlan"] if r["id"] == str(plan.uuid))
    assert care_plan["subject"] == {"reference": f"Patient/{pseudo}"}
    assert "contained" not in care_plan and "title" not in care_plan
    # The co-ordinator stays a reference by id, unnamed (ADR 0122: staff are Practitioner/<id>).
    assert care_plan["author"] == {"reference": f"Practitioner/{plan.coordinator.fhir_id}"}
    # The services stay, coded, without who provides them or what was typed about them.
    assert [a["detail"]["code"] for a in care_plan["activity"]] == [{"text": "Equipment"}]
    assert all("performer" not in a["detail"] for a in care_plan["activity"])
    assert "goal" not in care_plan  # the goals were contained: no reference left dangling
    # Everyone whose records were exported is audited once, Winifred among them.
    audited = AuditEvent.objects.filter(object_type="fhir.$export")
    assert winifred.audit_ref in set(audited.values_list("person_ref", flat=True))


def test_app_exports_make_the_same_number_of_queries_for_2_and_20_people(world) -> None:
    """Each app's `export_rows` reads a batch in a fixed number of queries (no query per person
    or per row): the same for 2 people with a referral and a care plan each as for 20."""
    from django.test.utils import CaptureQueriesContext

    from caretrust.fhir import registry
    from caretrust.fhir.models import ApiClient
    from caretrust.fhir.registry import FhirContext

    plans = [make_plan() for _ in range(20)]
    ids = [plan.person_id for plan in plans]
    user = ApiClient.objects.get(name="harbour-gp").user
    exporting = [t for t, handler in registry.handlers().items() if handler.exports()]
    assert {"ServiceRequest", "Task", "CarePlan", "CareTeam", "QuestionnaireResponse"} <= set(
        exporting
    )

    def queries(person_ids: list[int]) -> tuple[int, int]:
        ctx = FhirContext(user=user, base_url="http://testserver/fhir")
        rows = 0
        with CaptureQueriesContext(connection) as captured:
            for resource_type in exporting:
                handler = registry.get(resource_type)
                for secondary_use in (False, True):
                    rows += len(
                        list(
                            handler.export_rows(ctx, person_ids, None, secondary_use=secondary_use)
                        )
                    )
        return len(captured.captured_queries), rows

    queries(ids[:1])  # what is read once per process (content types, the team cache)
    few, few_rows = queries(ids[:2])
    many, many_rows = queries(ids)
    assert many_rows >= 10 * few_rows > 0
    assert many == few


# --------------------------------------------------------------------------------- round trip


def _fresh_database(tmp_path: Path) -> tuple[str, object]:
    """A database URL nobody has used, of the kind the tests run on, and how to drop it."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}", lambda: None
    import psycopg

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_bulk_round_trip"[:60]
    admin = (
        f"host={settings_dict['HOST'] or '127.0.0.1'} port={settings_dict['PORT'] or 5432} "
        f"user={settings_dict['USER']} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    user = settings_dict["USER"]
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{name}", drop


def _counts(url: str) -> tuple[dict[str, int], int]:
    """(resources kept per type, people in the index) in the database at `url`."""
    query = (
        "SELECT resource_type, COUNT(*) FROM record_resource "
        "WHERE deleted_at IS NULL AND NOT quarantined GROUP BY resource_type"
    )
    people = "SELECT COUNT(*) FROM people_person"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return dict(conn.execute(query).fetchall()), conn.execute(people).fetchone()[0]
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        found = dict(conn.execute(query).fetchall())
        return found, conn.execute(people).fetchone()[0]


@pytest.mark.slow
def test_an_export_of_the_demo_place_round_trips_through_import_fhir(world, tmp_path) -> None:
    """The demo place (the demo directory and a small synthetic place imported as `caretrust demo`
    imports it) exported at system level by an approved, identifiable client, then imported with
    `caretrust import fhir` into a fresh database: the same count of every resource type."""
    from caretrust.ingest.fhir_import import FhirImporter
    from caretrust.synthetic import SyntheticConfig
    from caretrust.synthetic.output import write

    synthetic = tmp_path / "synthetic"
    write(SyntheticConfig(people=60, comparison_people=1, years=2, seed=5), synthetic, ["fhir"])
    for path in sorted((synthetic / "fhir").iterdir(), key=lambda p: "Patient" not in p.name):
        assert FhirImporter(workers=0).import_file(path).committed, path
    force_update(Person.objects.filter(pk=world["opted_out"].pk), opted_out_of_secondary_use=False)
    # caretrust's own resources about her: the GP system's referral and a care plan.
    send_referral(Client(), world["gp"], world["winifred"], "Fell twice this week.")
    make_plan(referral=routed_referral(person=world["winifred"]))
    ndop_check(tmp_path)
    approve_secondary_use(client=world["analyst_client"], level="identifiable", approval="DSA-7")

    http = Client()
    manifest = finished(http, kick_off(http, "/fhir/$export", world["analyst"]), world["analyst"])
    exported = {o["type"]: o["count"] for o in manifest["output"]}
    assert {"Patient", "Encounter", "Condition", "MedicationRequest"} <= set(exported), exported
    people = Person.objects.filter(merged_into__isnull=True).count()
    assert exported["Patient"] == people
    # The apps' own: two referrals (ServiceRequest and Task each), a plan (CarePlan, CareTeam)
    # and its assessment (QuestionnaireResponse).
    own = {"ServiceRequest": 2, "Task": 2, "CarePlan": 1, "CareTeam": 1, "QuestionnaireResponse": 1}
    stored = Resource.objects.filter(quarantined=False, deleted_at__isnull=True)
    for resource_type, count in own.items():
        assert exported[resource_type] == count + stored.filter(resource_type=resource_type).count()
    assert sum(exported.values()) - people == stored.exclude(resource_type="Patient").count() + sum(
        own.values()
    )
    out = tmp_path / "export"
    out.mkdir()
    for kind, lines in download(http, manifest, world["analyst"]).items():
        (out / f"{kind}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in lines))

    url, drop = _fresh_database(tmp_path)
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(DATABASE_URL=url, CARETRUST_VAR_DIR=str(tmp_path / "var"))

    def caretrust(*args) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "caretrust.cli", *map(str, args)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    try:
        caretrust("manage", "migrate", "-v0")
        caretrust("import", "fhir", *sorted(out.iterdir()))
        counts, people_there = _counts(url)
        assert counts == exported
        assert people_there == exported["Patient"]
    finally:
        drop()
