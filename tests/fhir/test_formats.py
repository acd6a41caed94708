"""FHIR's JSON and XML both ways: `_format`, `Accept` and `Content-Type`, 406 and 415 for anything
else, and XML that says exactly what the JSON says (issue #19 item 4, ADR 115)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from caretrust.fhir import formats
from caretrust.fhir.registry import FhirError
from caretrust.ingest.readers import parse_xml
from tests.fhir.test_bad_requests import api  # noqa: F401  (the same authorised client)

EXAMPLES = Path("/work/shared/examples")
UK_CORE = sorted((EXAMPLES / "ukcore").glob("*.xml"))
NS = {"f": "http://hl7.org/fhir"}
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.mark.parametrize(
    ("format_param", "accept", "expected"),
    [
        (None, None, "json"),
        (None, "", "json"),
        (None, "*/*", "json"),
        (None, "application/fhir+json", "json"),
        (None, "application/json", "json"),
        (None, "application/fhir+xml", "xml"),
        (None, "text/xml", "xml"),
        (None, "application/xml;q=0.9, application/fhir+json;q=0.8", "xml"),
        (None, "application/fhir+json;q=0.5, application/fhir+xml", "xml"),
        (None, "text/html,application/xhtml+xml,*/*;q=0.8", "json"),  # a browser
        (None, "application/fhir+xml;q=0, */*", "json"),
        ("xml", "application/fhir+json", "xml"),  # _format wins
        ("json", "application/fhir+xml", "json"),
        ("application/fhir xml", None, "xml"),  # a `+` sent unencoded arrives as a space
        ("application/fhir+json", None, "json"),
        (None, "text/html", 406),
        (None, "application/pdf, image/png", 406),
        (None, "application/fhir+json;q=0", 406),
        ("html", None, 406),
        ("ttl", "application/fhir+json", 406),
    ],
)
def test_the_format_is_negotiated_as_the_specification_says(format_param, accept, expected):
    if expected == 406:
        with pytest.raises(FhirError) as refused:
            formats.negotiate(format_param, accept)
        assert refused.value.status == 406
    else:
        assert formats.negotiate(format_param, accept) == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/fhir+json", "json"),
        ("application/json; charset=utf-8", "json"),
        ("application/fhir+xml", "xml"),
        ("text/xml", "xml"),
        ("application/x-www-form-urlencoded", 415),
        ("*/*", 415),
        ("", 415),
    ],
)
def test_a_body_is_read_as_its_content_type_says(content_type, expected):
    if expected == 415:
        with pytest.raises(FhirError) as refused:
            formats.body_format(content_type)
        assert refused.value.status == 415
    else:
        assert formats.body_format(content_type) == expected


def _without_narrative_tail(value):
    # The XML files' narrative keeps the whitespace after </div> (the reader's artefact): not data.
    if isinstance(value, dict):
        return {
            k: (v.strip() if k == "div" else _without_narrative_tail(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_narrative_tail(v) for v in value]
    return value


@pytest.mark.parametrize("path", UK_CORE, ids=lambda p: p.stem)
def test_every_uk_core_example_goes_to_xml_and_back_unchanged(path) -> None:
    resource = _without_narrative_tail(parse_xml(path.read_bytes()))
    xml = formats.to_xml(resource)
    assert etree.fromstring(xml).tag == f"{{http://hl7.org/fhir}}{resource['resourceType']}"
    assert formats.from_xml(xml) == resource


def test_synthea_bundles_go_to_xml_and_back_with_every_primitive_as_sent() -> None:
    # Synthea writes "2014-09-03T01:12:15.928+00:00": the model alone would give "...928000Z".
    bundle_path = sorted((EXAMPLES / "synthea").glob("*.json"))[0]
    bundle = json.loads(bundle_path.read_text())
    xml = formats.to_xml(bundle)
    assert b'value="2014-09-03T01:12:15.928+00:00"' in xml or b"+00:00" in xml
    assert formats.from_xml(xml) == bundle


def test_xml_with_an_external_entity_is_not_expanded(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Patient xmlns="http://hl7.org/fhir"><id value="a"/>'
        "<name><family value='&x;'/></name></Patient>"
    ).encode()
    try:
        parsed = formats.from_xml(body)
    except FhirError as refused:
        assert refused.status == 400
    else:
        assert "TOP SECRET" not in json.dumps(parsed)


@pytest.mark.django_db
def test_a_read_answers_in_the_format_asked_for(api) -> None:  # noqa: F811
    client, ref = api
    as_json = client.get(f"/fhir/Patient/{ref}")
    as_xml = client.get(f"/fhir/Patient/{ref}", headers={"Accept": "application/fhir+xml"})
    assert as_xml.status_code == 200
    assert as_xml["Content-Type"] == "application/fhir+xml; charset=utf-8"
    assert as_xml["ETag"] == as_json["ETag"]
    root = etree.fromstring(as_xml.content)
    assert root.xpath("f:name/f:family/@value", namespaces=NS) == ["Quarrington"]
    assert formats.from_xml(as_xml.content) == json.loads(as_json.content)
    by_param = client.get(f"/fhir/Patient/{ref}?_format=xml")
    assert by_param.content == as_xml.content


@pytest.mark.django_db
def test_a_search_bundle_and_the_capability_statement_come_as_xml(api) -> None:  # noqa: F811
    client, _ = api
    found = client.get(f"/fhir/Patient?identifier={NHS_SYSTEM}|9434765919&_format=xml")
    assert found.status_code == 200, found.content
    root = etree.fromstring(found.content)
    assert root.tag == "{http://hl7.org/fhir}Bundle"
    assert root.xpath("f:entry/f:resource/f:Patient/f:name/f:family/@value", namespaces=NS) == [
        "Quarrington"
    ]
    metadata = client.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"})
    formats_listed = etree.fromstring(metadata.content).xpath("f:format/@value", namespaces=NS)
    assert set(formats_listed) == {"application/fhir+json", "application/fhir+xml"}


@pytest.mark.django_db
def test_errors_come_in_the_format_asked_for_and_406_in_json(api) -> None:  # noqa: F811
    client, _ = api
    missing = client.get("/fhir/Patient/no-such-id", headers={"Accept": "application/fhir+xml"})
    assert missing.status_code == 404
    assert etree.fromstring(missing.content).tag == "{http://hl7.org/fhir}OperationOutcome"
    refused = client.get("/fhir/metadata", headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert json.loads(refused.content)["issue"][0]["code"] == "not-supported"
    assert client.get("/fhir/metadata?_format=pdf").status_code == 406


@pytest.mark.django_db
def test_a_patient_created_in_xml_is_stored_as_its_json(api) -> None:  # noqa: F811
    client, _ = api
    body = (
        b'<Patient xmlns="http://hl7.org/fhir">'
        b'<name><family value="Pengelly"/><given value="Morwenna"/></name>'
        b'<gender value="female"/><birthDate value="1939-08-12"/></Patient>'
    )
    created = client.generic(
        "POST", "/fhir/Patient", data=body, content_type="application/fhir+xml"
    )
    assert created.status_code == 201, created.content
    stored = json.loads(created.content)
    name = stored["name"][0]
    assert (name["family"], name["given"]) == ("Pengelly", ["Morwenna"])
    assert stored["birthDate"] == "1939-08-12" and stored["gender"] == "female"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<Patient xmlns='http://hl7.org/fhir'><name>", "not well-formed XML"),
        (b"<Patient xmlns='http://hl7.org/fhir'><gender value='x'/></Patient>", "Patient"),
        (b"<Nonsense xmlns='http://hl7.org/fhir'/>", "unknown resource type"),
    ],
)
def test_bad_xml_is_400_saying_what_is_wrong(api, body, says) -> None:  # noqa: F811
    client, _ = api
    response = client.generic(
        "POST", "/fhir/Patient", data=body, content_type="application/fhir+xml"
    )
    assert response.status_code == 400, response.content
    assert says in json.loads(response.content)["issue"][0]["diagnostics"]
