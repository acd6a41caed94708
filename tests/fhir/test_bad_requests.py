"""Every malformed FHIR request is a 4xx OperationOutcome naming what is wrong (issue 13)."""

from __future__ import annotations

import codecs
import json

import pytest
from django.test import Client

from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation
from tests.factories import winifred

pytestmark = pytest.mark.django_db
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
def api(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    person = winifred(practice, nhs_number="9434765919", postcode="TQ1 1AA")
    _row, token = issue_client(name="bad-requests", organisation=practice, role="coordinator")
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    return client, str(person.ref)


def patient(**extra) -> dict:
    return {
        "resourceType": "Patient",
        "name": [{"family": "Smith", "given": ["Edith"]}],
        "gender": "female",
        "birthDate": "1941-03-02",
        **extra,
    }


def post(client, path, body, content_type="application/fhir+json", **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.generic("POST", path, data=data, content_type=content_type, headers=headers)


def outcome_of(response) -> dict:
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]


def test_a_body_past_the_size_limit_is_413(api, settings) -> None:
    client, _ = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(client, "/fhir/Patient", patient(text={"div": "x" * 20_000}))
    assert response.status_code == 413
    assert "larger than the limit of 10,000 bytes" in outcome_of(response)["diagnostics"]


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deep_nesting_is_400(api, depth) -> None:
    client, _ = api
    body = b'{"resourceType": "Patient", "extension": ' + b"[" * depth + b"]" * depth + b"}"
    response = post(client, "/fhir/Patient", body)
    assert response.status_code == 400
    assert "nested deeper than 64 levels" in outcome_of(response)["diagnostics"]


@pytest.mark.parametrize("kind", ["Patient", "ServiceRequest", "Condition"])
def test_a_version_that_is_not_a_number_is_404(api, kind) -> None:
    client, ref = api
    response = client.get(f"/fhir/{kind}/{ref}/_history/abc")
    assert response.status_code == 404
    assert outcome_of(response)["code"] in ("not-found", "not-supported")


def test_null_is_400_naming_the_element(api) -> None:
    client, ref = api
    body = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{ref}"},
        "reasonCode": None,
    }
    response = post(client, "/fhir/ServiceRequest", body)
    assert response.status_code == 400
    issue = outcome_of(response)
    assert issue["expression"] == ["ServiceRequest.reasonCode"]
    assert "null is not allowed" in issue["diagnostics"]


@pytest.mark.parametrize(
    "name", [[{"family": " "}], [{"given": ["   "]}], [{"text": " "}], [{"family": "\t"}]]
)
def test_a_blank_name_is_422(api, name) -> None:
    client, _ = api
    response = post(client, "/fhir/Patient", patient(name=name))
    assert response.status_code == 422
    assert outcome_of(response)["expression"] == ["name"]


def test_nul_characters_are_400_before_the_database(api) -> None:
    client, ref = api
    response = post(client, "/fhir/Patient", patient(name=[{"family": "Sm\u0000ith"}]))
    assert response.status_code == 400
    assert outcome_of(response)["expression"] == ["Patient.name[0].family"]
    response = post(
        client, "/fhir/Patient", json.dumps(patient()).encode().replace(b"Smith", b"S\x00")
    )
    assert response.status_code == 400
    response = client.get("/fhir/Patient?name=a%00b")
    assert response.status_code == 400 and outcome_of(response)["expression"] == ["name"]
    response = client.get(f"/fhir/Condition?patient=Patient/{ref}%00")
    assert response.status_code == 400
    response = post(client, "/fhir/Patient", patient(), **{"If-None-Exist": "family=a%00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "_count=abc",
        "_count=1e9",
        "_cursor=abc",
        "_cursor=99999999999999999999999",
        "_cursor=-1",
        "_cursor=1.5",
        "birthdate=2020-13-45",
        "birthdate=xx2020",
        "_lastUpdated=9999-12",
        "_summary=maybe",
        "_total=some",
        "_elements=name.given",
        "family:missing=perhaps",
    ],
)
def test_bad_search_parameters_are_400(api, query) -> None:
    # (An unknown parameter is ignored unless Prefer: handling=strict: test_search_features.)
    client, _ = api
    response = client.get(f"/fhir/Patient?{query}")
    assert response.status_code == 400, response.content
    outcome_of(response)


def test_a_utf8_byte_order_mark_is_accepted(api) -> None:
    client, _ = api
    response = post(client, "/fhir/Patient", codecs.BOM_UTF8 + json.dumps(patient()).encode())
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 415),  # the test client sends no content type with no body
        (b"[]", 400),
        (b"null", 400),
        (json.dumps([patient()]).encode(), 400),
        (json.dumps(patient()).encode("utf-16"), 201),
        (json.dumps(patient(birthDate="2099-01-01")).encode(), 400),
        (json.dumps(patient(birthDate="1800-01-01")).encode(), 400),
    ],
)
def test_bodies_that_are_not_a_resource_are_4xx(api, body, status) -> None:
    client, _ = api
    response = post(client, "/fhir/Patient", body)
    assert response.status_code == status, response.content
    if status >= 400:
        outcome_of(response)
