"""Chained parameters, `_has`, `_include`/`_revinclude` `:iterate`, and type and system
`_history` (issue #19 item 3, ADR 0121), over raw HTTP with Django's test client: what each
finds, that none of them shows or hints at a record the client may not read, that what is not
supported is ignored and reported (or refused when strict), and that the CapabilityStatement
says so."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation
from caretrust.people.models import PersonIdentifier
from caretrust.record.models import Resource
from tests.factories import person_row, winifred

pytestmark = pytest.mark.django_db
NHS = "https://fhir.nhs.uk/Id/nhs-number"
STRICT = {"Prefer": "handling=strict"}
R4 = "http://hl7.org/fhir/SearchParameter/"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def kept(person, resource_type: str, logical_id: str, *, status: str, updated: str) -> Resource:
    """A resource the shared record keeps as a source sent it, with its first version."""
    content = {
        "resourceType": resource_type,
        "subject": {"reference": f"Patient/{person.ref}"},
        "code": {"text": f"{resource_type} {logical_id}"},
    }
    if resource_type == "Observation":
        content["status"] = status
    else:
        content["clinicalStatus"] = {"coding": [{"code": status}]}
    row = Resource.objects.create(
        resource_type=resource_type,
        logical_id=logical_id,
        last_updated=at(updated),
        content=content,
        content_hash=logical_id,
        person=person,
        source="fhir",
        source_id=logical_id,
        status=status,
        date=date(2024, 1, 1),
        subject_reference=f"Patient/{person.ref}",
    )
    return row


@pytest.fixture
def api(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = winifred(practice, nhs_number="9449305552")
    albert = person_row(
        given_name="Albert",
        family_name="Smith",
        sex="male",
        birth_date=date(1950, 7, 1),
        gp_practice=practice,
    )
    # Registered nowhere the client works: its records must never show, nor hint they exist.
    stranger = person_row(
        given_name="Hidden", family_name="Smith", sex="male", birth_date=date(1941, 3, 2)
    )
    PersonIdentifier.objects.create(person=stranger, system=NHS, value="9000000009")
    kept(edith, "Observation", "o-edith-1", status="final", updated="2024-01-01")
    kept(edith, "Observation", "o-edith-2", status="preliminary", updated="2024-02-01")
    kept(albert, "Observation", "o-albert", status="preliminary", updated="2024-03-01")
    kept(stranger, "Observation", "o-hidden", status="final", updated="2024-04-01")
    kept(edith, "Condition", "c-edith", status="active", updated="2024-05-01")
    kept(albert, "Condition", "c-albert", status="active", updated="2024-06-01")
    kept(stranger, "Condition", "c-hidden", status="active", updated="2024-07-01")
    _row, token = issue_client(name="chainer", organisation=practice, role="coordinator")
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    return Api(client, edith, albert, stranger)


class Api:
    def __init__(self, client, edith, albert, stranger) -> None:
        self.client, self.edith, self.albert, self.stranger = client, edith, albert, stranger

    def get(self, path: str, **headers):
        response = self.client.get(f"/fhir/{path}", headers=headers)
        assert not response.get("Content-Type", "").startswith("text/html"), response.content
        return response

    def bundle(self, path: str, kind: str = "searchset", **headers) -> dict:
        response = self.get(path, **headers)
        assert response.status_code == 200, response.content
        body = json.loads(response.content)
        assert body["resourceType"] == "Bundle" and body["type"] == kind, body
        return body

    def ids(self, path: str, **headers) -> list[str]:
        return sorted(matched(self.bundle(path, **headers)))


def matched(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"]


def included(bundle: dict) -> list[str]:
    return sorted(
        e["fullUrl"].split("/fhir/", 1)[1]
        for e in bundle["entry"]
        if e["search"]["mode"] == "include"
    )


def warnings(bundle: dict) -> str:
    return " ".join(
        issue["diagnostics"]
        for e in bundle["entry"]
        if e["search"]["mode"] == "outcome"
        for issue in e["resource"]["issue"]
    )


def issue(response) -> dict:
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]


def following(bundle: dict) -> str | None:
    links = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
    return links[0].split("/fhir/", 1)[1] if links else None


# ------------------------------------------------------------------------------------ chains


def test_a_chain_by_identifier_finds_the_records_of_the_patient_with_that_nhs_number(api) -> None:
    token = quote(f"{NHS}|9449305552")
    assert api.ids(f"Observation?subject:Patient.identifier={token}") == [
        "o-edith-1",
        "o-edith-2",
    ]
    assert api.ids(f"Observation?patient.identifier={token}") == ["o-edith-1", "o-edith-2"]
    # Combined with the type's own parameters, and an identifier nobody has finds nothing.
    assert api.ids(f"Observation?subject:Patient.identifier={token}&status=final") == ["o-edith-1"]
    assert api.ids(f"Observation?patient.identifier={quote(NHS + '|9434765919')}") == []


def test_a_chain_by_family_name_with_modifiers_and_paging_that_keeps_the_chain(api) -> None:
    assert api.ids("Condition?patient.family=Quarrington") == ["c-edith"]
    assert api.ids("Condition?patient.family=Smi") == ["c-albert"]  # starts with (R4 default)
    assert api.ids("Condition?patient.family:exact=Smi") == []
    assert api.ids("Condition?subject.family:exact=Smith") == ["c-albert"]
    first = api.bundle("Observation?patient.family=Quarrington&_count=1")
    seen = matched(first)
    link = following(first)
    assert link is not None and "patient.family=Quarrington" in link
    second = api.bundle(link)
    assert sorted(seen + matched(second)) == ["o-edith-1", "o-edith-2"]
    # Two chains are each applied.
    assert api.ids("Observation?patient.family=Quarrington&patient.given=Albert") == []


def test_a_chain_by_birthdate(api) -> None:
    assert api.ids("Observation?subject.birthdate=1941-03-02") == ["o-edith-1", "o-edith-2"]
    assert api.ids("Observation?subject.birthdate=ge1950") == ["o-albert"]
    assert api.ids("Condition?patient.birthdate=lt1900") == []


def test_a_chain_never_finds_or_counts_a_patient_the_client_may_not_read(api) -> None:
    """The stranger is a Smith born on Edith's birthday with an NHS number: none of it shows."""
    audits = AuditEvent.objects.count()
    assert api.ids(f"Condition?patient.identifier={quote(NHS + '|9000000009')}") == []
    assert api.ids("Condition?patient.given=Hidden") == []
    assert api.ids("Condition?patient.family=Smith") == ["c-albert"]
    assert api.ids("Observation?subject.birthdate=1941-03-02") == ["o-edith-1", "o-edith-2"]
    assert api.bundle("Condition?patient.given=Hidden&_count=0")["total"] == 0
    shown = AuditEvent.objects.filter(pk__gt=0).order_by("pk")[audits:]
    assert all(event.person_ref != api.stranger.audit_ref for event in shown)


def test_unsupported_chains_are_reported_or_refused_when_strict(api) -> None:
    unsupported = {
        "subject:Group.name=x": "only to Patient",
        "patient.general-practitioner.name=x": "more than one level",
        "patient.colour=blue": "no search parameter 'colour'",
        "status.code=x": "no reference parameter 'status'",
    }
    for query, why in unsupported.items():
        lenient = api.bundle(f"Condition?{query}")
        # Ignored: the search is the one without it, and the outcome entry says why.
        assert sorted(matched(lenient)) == ["c-albert", "c-edith"], query
        assert why in warnings(lenient), (query, warnings(lenient))
        strict = api.get(f"Condition?{query}", **STRICT)
        assert strict.status_code == 400, query
        assert why in issue(strict)["diagnostics"]
        assert issue(strict)["expression"] == [query.partition("=")[0]]


# ---------------------------------------------------------------------------------------- _has


def test_has_finds_patients_by_what_their_records_hold(api) -> None:
    edith, albert = str(api.edith.ref), str(api.albert.ref)
    assert api.ids("Patient?_has:Observation:patient:status=final") == [edith]
    assert api.ids("Patient?_has:Observation:subject:status=preliminary") == sorted([edith, albert])
    assert api.ids("Patient?_has:Condition:patient:_id=c-albert") == [albert]
    assert api.ids("Patient?_has:Observation:patient:status:not=final") == sorted([edith, albert])
    # With the Patient's own parameters, and two _has both applying.
    assert api.ids("Patient?_has:Observation:patient:status=preliminary&family=Smith") == [albert]
    both = "_has:Observation:patient:status=final&_has:Condition:patient:status=active"
    assert api.ids(f"Patient?{both}") == [edith]


def test_has_never_finds_a_patient_whose_records_the_client_may_not_read(api) -> None:
    """The stranger has a final Observation and an active Condition: not listed, not counted."""
    assert str(api.stranger.ref) not in api.ids("Patient?_has:Observation:patient:status=final")
    assert api.bundle("Patient?_has:Condition:patient:status=active&_count=0")["total"] == 2
    assert api.ids("Patient?_has:Condition:patient:_id=c-hidden") == []


def test_unsupported_has_is_reported_or_refused_when_strict(api) -> None:
    unsupported = {
        "Patient?_has:Observation:patient:_has:Condition:patient:status=x": "more than one level",
        "Patient?_has:Observation:patient:code=1234-5": "no search parameter 'code'",
        "Patient?_has:CarePlan:patient:status=active": "the types the shared record keeps",
        "Condition?_has:Observation:patient:status=final": "on Patient only",
    }
    for path, why in unsupported.items():
        assert why in warnings(api.bundle(path)), path
        strict = api.get(path, **STRICT)
        assert strict.status_code == 400 and why in issue(strict)["diagnostics"], path


# ------------------------------------------------------------------------------------ :iterate


def test_revinclude_iterate_reaches_the_records_of_the_included_patients(api) -> None:
    query = (
        "Condition?_id=c-edith&_include=Condition:patient&_revinclude:iterate=Observation:patient"
    )
    bundle = api.bundle(query)
    assert matched(bundle) == ["c-edith"]
    edith = f"Patient/{api.edith.ref}"
    assert included(bundle) == sorted([edith, "Observation/o-edith-1", "Observation/o-edith-2"])
    # `:recurse` (R4's earlier name) is the same; the self link keeps the iteration.
    again = api.bundle(query.replace(":iterate", ":recurse"))
    assert included(again) == included(bundle)
    assert "_revinclude%3Aiterate=Observation%3Apatient" in bundle["link"][0]["url"]


def test_include_iterate_from_revincluded_resources_with_no_entry_twice(api) -> None:
    edith = f"Patient/{api.edith.ref}"
    bundle = api.bundle(
        f"Patient?_id={api.edith.ref}&_revinclude=Condition:patient"
        "&_include:iterate=Condition:patient&_revinclude:iterate=Observation:subject"
    )
    assert matched(bundle) == [str(api.edith.ref)]
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))  # Edith is a match: not included again
    assert included(bundle) == sorted(
        ["Condition/c-edith", "Observation/o-edith-1", "Observation/o-edith-2"]
    )
    assert edith not in included(bundle)
    # Unsupported iterations are reported, or refused when strict.
    lenient = api.bundle("Condition?_id=c-edith&_include:iterate=Condition:status")
    assert "_include:iterate 'Condition:status'" in warnings(lenient)
    strict = api.get("Condition?_revinclude:iterate=Nothing:patient", **STRICT)
    assert strict.status_code == 400


# ------------------------------------------------------------------------------------ history


def history_ids(api: Api, path: str) -> list[tuple[str, str]]:
    """(type/id, version) of every entry over every page, following the next links."""
    seen: list[tuple[str, str]] = []
    link: str | None = path
    while link:
        bundle = api.bundle(link, kind="history")
        for entry in bundle["entry"]:
            seen.append((entry["fullUrl"].split("/fhir/", 1)[1], entry["response"]["etag"][3:-1]))
        link = following(bundle)
    return seen


def test_type_history_newest_first_with_updates_deletes_paging_and_since(api) -> None:
    body = {
        "resourceType": "Condition",
        "id": "c-edith",
        "subject": {"reference": f"Patient/{api.edith.ref}"},
        "code": {"text": "changed"},
    }
    put = api.client.put(
        "/fhir/Condition/c-edith", json.dumps(body), content_type="application/fhir+json"
    )
    assert put.status_code == 200, put.content
    assert api.client.delete("/fhir/Condition/c-albert").status_code == 204
    first = api.bundle("Condition/_history", kind="history")
    assert first["entry"][0]["fullUrl"].endswith("/Condition/c-albert")  # the newest: a delete
    assert first["entry"][0]["request"]["method"] == "DELETE"
    assert "resource" not in first["entry"][0]
    assert first["entry"][1]["request"] == {"method": "PUT", "url": "Condition/c-edith"}
    assert first["entry"][1]["resource"]["code"] == {"text": "changed"}
    everything = [
        ("Condition/c-albert", "2"),
        ("Condition/c-edith", "2"),
        ("Condition/c-albert", "1"),
        ("Condition/c-edith", "1"),
    ]
    assert history_ids(api, "Condition/_history") == everything
    paged = history_ids(api, "Condition/_history?_count=1")
    assert paged == everything
    since = history_ids(api, "Condition/_history?_since=2024-05-15T00:00:00Z")
    assert ("Condition/c-edith", "1") not in since and ("Condition/c-albert", "1") in since
    assert history_ids(api, "Condition/_history?_since=2024-05-15") == since


def test_history_lists_only_versions_the_client_may_read_and_audits_them(api) -> None:
    audits = AuditEvent.objects.count()
    listed = history_ids(api, "_history?_count=3")
    urls = {url for url, _version in listed}
    assert "Condition/c-hidden" not in urls and "Observation/o-hidden" not in urls
    assert f"Patient/{api.stranger.ref}" not in urls
    assert {"Condition/c-edith", "Observation/o-albert", f"Patient/{api.edith.ref}"} <= urls
    assert len(listed) == len(set(listed))
    shown = AuditEvent.objects.order_by("pk")[audits:]
    assert {e.person_ref for e in shown} >= {api.edith.audit_ref, api.albert.audit_ref}
    assert api.stranger.audit_ref not in {e.person_ref for e in shown}
    patients = {url for url, _v in history_ids(api, "Patient/_history")}
    assert {f"Patient/{api.edith.ref}", f"Patient/{api.albert.ref}"} <= patients
    assert f"Patient/{api.stranger.ref}" not in patients
    assert patients == {f"Patient/{ref}" for ref in api.ids("Patient?_count=100")}


def test_system_history_pages_across_types_and_since(api) -> None:
    since = history_ids(api, "_history?_since=2024-02-15T00:00:00Z&_count=2")
    urls = [url for url, _v in since]
    assert {"Observation/o-albert", "Condition/c-edith", "Condition/c-albert"} <= set(urls)
    assert "Observation/o-edith-1" not in urls and "Observation/o-edith-2" not in urls
    bundle = api.bundle("_history?_count=2", kind="history")
    assert "total" not in bundle and following(bundle) is not None
    stamps = [e["response"]["lastModified"] for e in bundle["entry"]]
    assert stamps == sorted(stamps, reverse=True)


def test_history_refuses_what_it_cannot_answer(api) -> None:
    assert reverse("fhir:system_history") == "/fhir/_history"
    assert reverse("fhir:type_history", args=["Condition"]) == "/fhir/Condition/_history"
    assert api.get("Condition/_history?_at=2024").status_code == 400
    assert api.get("_history?_since=yesterday").status_code == 400
    assert api.get("_history?_cursor=nonsense").status_code == 400
    assert api.get("Nothing/_history").status_code == 404
    assert api.client.delete("/fhir/Condition/_history").status_code == 405
    assert api.client.post("/fhir/_history").status_code == 405


# ------------------------------------------------------------------------ CapabilityStatement


def test_the_capability_statement_lists_chains_has_iterate_and_history(api) -> None:
    statement = json.loads(api.client.get("/fhir/metadata").content)
    rest = statement["rest"][0]
    assert {"code": "history-system"} in rest["interaction"]
    resources = {r["type"]: r for r in rest["resource"]}
    observation = {p["name"]: p for p in resources["Observation"]["searchParam"]}
    assert observation["subject"]["definition"] == f"{R4}Observation-subject"
    assert observation["patient"]["definition"] == f"{R4}clinical-patient"
    assert "subject.identifier" in observation["subject"]["documentation"]
    assert "subject:Patient.<parameter>" in observation["subject"]["documentation"]
    assert observation["_id"]["definition"] == f"{R4}Resource-id"
    patient = {p["name"]: p for p in resources["Patient"]["searchParam"]}
    assert patient["family"]["definition"] == f"{R4}individual-family"
    assert patient["identifier"]["definition"] == f"{R4}Patient-identifier"
    assert patient["_has"]["type"] == "special"
    assert "Observation:patient" in patient["_has"]["documentation"]
    assert "CarePlan:patient" not in patient["_has"]["documentation"]
    assert "Observation:patient:iterate" in resources["Patient"]["searchRevInclude"]
    assert "Condition:patient:iterate" in resources["Condition"]["searchInclude"]
    for kind in ("Patient", "Condition", "Observation"):
        assert {"code": "history-type"} in resources[kind]["interaction"]
    # What it lists works when strict.
    for query in (
        "Observation?subject.identifier=x",
        "Patient?_has:Observation:patient:status=final",
        "Patient?_revinclude:iterate=Observation:patient",
        "Condition?_include:iterate=Condition:patient",
    ):
        assert api.get(query, **STRICT).status_code == 200, query
