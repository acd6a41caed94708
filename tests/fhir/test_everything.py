"""`Patient/[id]/$everything` (ADR 118): the Patient and every resource held about them (the
record's stored types and caretrust's own: referral as ServiceRequest and Task, care plan, care
team), under the usual rules, one audited read per call, with _type, _since and paging."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from fhirpy import SyncFHIRClient

from caretrust.access.models import AuditEvent
from caretrust.fhir.models import BackendAccessToken, hash_token
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation
from caretrust.record.models import Resource
from tests.factories import make_person, make_plan

pytestmark = pytest.mark.django_db


def _condition(person, i: int, updated: str) -> None:
    Resource.objects.create(
        resource_type="Condition",
        logical_id=f"ev-c{i}",
        last_updated=updated,
        content={
            "resourceType": "Condition",
            "subject": {"reference": "Patient/src-1"},
            "code": {"text": f"Condition {i}"},
        },
        content_hash=f"ev{i}",
        person=person,
        source="fhir",
        source_id=f"ev-c{i}",
        status="active",
    )


@pytest.fixture
def held(demo_directory, client):
    """A person with a routed referral, a care plan and three stored Conditions; a stranger;
    and a GP system's client at the person's practice."""
    plan = make_plan()
    person = plan.person
    for i, updated in enumerate(
        ("2020-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z")
    ):
        _condition(person, i, updated)
    stranger = make_person(given_name="Other", family_name="Stranger", gp_practice_code="")
    _condition(stranger, 9, "2024-01-01T00:00:00Z")
    practice = Organisation.objects.get(code="DEMO-GP1")
    _row, token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    # The GP system's own referral, sent over the API (a ServiceRequest and its Task).
    sent = client.post(
        "/fhir/ServiceRequest",
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{person.ref}"},
            "reasonCode": [{"text": "Fell at home twice this week; lives alone."}],
        },
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert sent.status_code == 201, sent.content
    return {
        "person": person,
        "stranger": stranger,
        "token": token,
        "plan": plan,
        "referral_id": sent.json()["id"],
    }


def _get(client, token, path, **params):
    return client.get(f"/fhir/{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def _types(bundle) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


def test_everything_returns_the_patient_and_all_held_about_them(client, held) -> None:
    person, token = held["person"], held["token"]
    before = AuditEvent.objects.filter(action="read", person_ref=person.audit_ref).count()

    response = _get(client, token, f"Patient/{person.ref}/$everything")

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = response.json()
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset")
    types = _types(bundle)
    assert types[0] == "Patient" and bundle["entry"][0]["resource"]["id"] == str(person.ref)
    assert types.count("Condition") == 3
    assert {"ServiceRequest", "Task", "CarePlan"} <= set(types)
    ids = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]}
    assert ("ServiceRequest", held["referral_id"]) in ids
    assert ("Task", held["referral_id"]) in ids
    assert ("CarePlan", str(held["plan"].uuid)) in ids
    assert ("Condition", "ev-c9") not in ids  # the stranger's
    assert all(
        e["fullUrl"].endswith(f"/{e['resource']['resourceType']}/{e['resource']['id']}")
        for e in bundle["entry"]
    )
    # One audited read of the person for the whole call, naming what it showed.
    reads = AuditEvent.objects.filter(action="read", person_ref=person.audit_ref)
    assert reads.count() == before + 1
    last = reads.order_by("-pk").first()
    assert last.object_id == f"{person.ref}/$everything"
    assert last.details["shown"]["Condition"] == 3


def test_a_client_without_a_relationship_is_refused(client, held) -> None:
    stranger, token = held["stranger"], held["token"]

    refused = _get(client, token, f"Patient/{stranger.ref}/$everything")
    unknown = _get(client, token, "Patient/no-such-person/$everything")
    anonymous = client.get(f"/fhir/Patient/{stranger.ref}/$everything")

    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert refused.json()["issue"][0]["code"] == "forbidden"
    assert unknown.status_code == 404
    assert unknown.json()["issue"][0]["code"] == "not-found"
    assert anonymous.status_code == 401
    assert not AuditEvent.objects.filter(
        action="read", person_ref=stranger.audit_ref, object_id__endswith="$everything"
    ).exists()


def test_type_filters_and_bad_parameters_name_the_element(client, held) -> None:
    person, token = held["person"], held["token"]
    path = f"Patient/{person.ref}/$everything"

    conditions = _get(client, token, path, _type="Condition").json()
    two = _get(client, token, path, _type="Condition,Patient").json()
    bad_type = _get(client, token, path, _type="Spaceship")
    unsupported = _get(client, token, path, start="2020-01-01")
    bad_since = _get(client, token, path, _since="yesterday")

    assert _types(conditions) == ["Condition"] * 3
    assert _types(two) == ["Patient", "Condition", "Condition", "Condition"]
    assert bad_type.status_code == 400
    assert bad_type.json()["issue"][0]["expression"] == ["_type"]
    assert unsupported.status_code == 400
    assert unsupported.json()["issue"][0]["expression"] == ["start"]
    assert bad_since.json()["issue"][0]["expression"] == ["_since"]
    for since in ("2024-02-30", "2024-02-30T10:00:00Z"):
        assert _get(client, token, path, _since=since).status_code == 400
    for count in ("0", "²", "x", "9" * 30):
        refused = _get(client, token, path, _count=count)
        assert refused.json()["issue"][0]["expression"] == ["_count"], count


def test_since_leaves_out_what_did_not_change(client, held) -> None:
    person, token = held["person"], held["token"]

    recent = _get(
        client, token, f"Patient/{person.ref}/$everything", _type="Condition", _since="2024-06-01"
    ).json()

    assert [e["resource"]["id"] for e in recent["entry"]] == ["ev-c2"]


def test_paging_follows_next_links_to_every_resource(client, held) -> None:
    person, token = held["person"], held["token"]
    whole = _get(client, token, f"Patient/{person.ref}/$everything").json()
    seen: list[tuple[str, str]] = []

    page = _get(client, token, f"Patient/{person.ref}/$everything", _count="2").json()
    pages = 1
    while True:
        assert len(page["entry"]) <= 2
        seen += [(e["resource"]["resourceType"], e["resource"]["id"]) for e in page["entry"]]
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not following:
            break
        url = following[0].split("/fhir/", 1)[1]
        page = client.get(f"/fhir/{url}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        pages += 1

    expected = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in whole["entry"]]
    assert seen == expected
    assert pages >= len(expected) // 2


def _access_token(client_row, scopes: str) -> str:
    """A SMART backend-services access token as the token endpoint stores one (its signed-JWT
    exchange is tested in test_smart_backend_services.py)."""
    token = secrets.token_urlsafe(16)
    BackendAccessToken.objects.create(
        client=client_row,
        token_hash=hash_token(token),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    return token


def test_scopes_limit_it_like_other_interactions(client, held) -> None:
    person = held["person"]
    client_row = Organisation.objects.get(code="DEMO-GP1").api_clients.get(name="harbour-gp")
    narrow = _access_token(client_row, "system/Patient.r system/Condition.s")
    patient_only = _access_token(client_row, "system/Condition.rs")

    some = _get(client, narrow, f"Patient/{person.ref}/$everything").json()
    asked = _get(client, narrow, f"Patient/{person.ref}/$everything", _type="CarePlan")
    none = _get(client, patient_only, f"Patient/{person.ref}/$everything")

    assert set(_types(some)) == {"Patient", "Condition"}
    assert asked.status_code == 403
    assert none.status_code == 403


def test_the_capability_statement_names_the_operation(client) -> None:
    statement = client.get("/fhir/metadata").json()
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")

    assert [o["name"] for o in patient["operation"]] == ["everything", "export"]  # ADR 117
    assert patient["operation"][0]["definition"].endswith("Patient-everything")


def test_fhirpy_reads_everything_over_a_live_server(live_server, held) -> None:
    person = held["person"]
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {held['token']}")

    bundle = fhir.execute(f"Patient/{person.ref}/$everything", method="get", params={"_count": 3})
    post = fhir.execute(
        f"Patient/{person.ref}/$everything",
        method="post",
        data={
            "resourceType": "Parameters",
            "parameter": [{"name": "_type", "valueString": "Condition"}],
        },
    )

    assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) == 3
    assert any(link["relation"] == "next" for link in bundle["link"])
    assert _types(post) == ["Condition"] * 3
