"""Search as FHIR R4 defines it (issue #19 item 3, ADR 0119), over raw HTTP (Django's test
client) and, in the `slow` test at the end, with fhirpy against a live server: unknown parameters
lenient by default and strict on request, `_count=0`, `_total` and `Bundle.total`, `_id` and
`_lastUpdated` on every searchable type, `_summary` and `_elements` (SUBSETTED), `POST _search`,
`_sort`, the modifiers, the CapabilityStatement saying exactly that, and none of it showing a
resource the client could not search for."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import pytest
from django.test import Client
from fhirpy import SyncFHIRClient

from caretrust.access.models import AuditEvent
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from caretrust.record.models import Resource
from tests.factories import (
    force_update,
    make_person,
    make_plan,
    person_row,
    routed_referral,
    winifred,
)

pytestmark = pytest.mark.django_db
NHS = "https://fhir.nhs.uk/Id/nhs-number"
STRICT = {"Prefer": "handling=strict"}
SUBSETTED = "SUBSETTED"


def condition_row(person, logical_id, *, day, status, updated, note="") -> Resource:
    content = {
        "resourceType": "Condition",
        "subject": {"reference": f"Patient/{person.ref}"},
        "code": {"text": f"Condition {logical_id}"},
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{logical_id}</div>',
        },
        "note": [{"text": note or f"note {logical_id}"}],
    }
    if day:
        content["onsetDateTime"] = day
    if status:
        content["clinicalStatus"] = {"coding": [{"code": status}]}
    row = Resource.objects.create(
        resource_type="Condition",
        logical_id=logical_id,
        last_updated=updated,
        content=content,
        content_hash=logical_id,
        person=person,
        source="fhir",
        source_id=logical_id,
        date=date.fromisoformat(day) if day else None,
        status=status,
        subject_reference=f"Patient/{person.ref}",
    )
    return row


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def api(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = winifred(practice, nhs_number="9000000009")
    albert = person_row(
        given_name="Albert", family_name="Quarry", sex="male", birth_date=None, gp_practice=practice
    )
    stranger = person_row(given_name="Other", family_name="Quarrel", sex="male")
    condition_row(edith, "c-old", day="2020-01-05", status="active", updated=at("2024-01-01"))
    condition_row(edith, "c-mid", day="2022-03-03", status="resolved", updated=at("2024-06-01"))
    condition_row(edith, "c-new", day="2021-06-01", status="active", updated=at("2025-01-01"))
    condition_row(edith, "c-nodate", day="", status="", updated=at("2023-01-01"))
    condition_row(stranger, "c-hidden", day="2022-01-01", status="active", updated=at("2024-03-01"))
    _row, token = issue_client(name="searcher", organisation=practice, role="coordinator")
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    return Api(client, edith, albert, stranger, practice)


class Api:
    def __init__(self, client, edith, albert, stranger, practice) -> None:
        self.client, self.edith, self.albert, self.stranger = client, edith, albert, stranger
        self.practice = practice

    def get(self, path: str, **headers):
        response = self.client.get(f"/fhir/{path}", headers=headers)
        assert not response.get("Content-Type", "").startswith("text/html"), response.content
        return response

    def bundle(self, path: str, **headers) -> dict:
        response = self.get(path, **headers)
        assert response.status_code == 200, response.content
        body = json.loads(response.content)
        assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
        return body

    def ids(self, path: str, **headers) -> list[str]:
        return matched(self.bundle(path, **headers))


def matched(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"]


def outcomes(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "outcome"]


def issue(response) -> dict:
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]


# ------------------------------------------------------------------------ lenient and strict


def test_unknown_parameters_are_ignored_and_reported_or_refused_when_strict(api) -> None:
    edith = f"patient=Patient/{api.edith.ref}"
    plain = api.ids(f"Condition?{edith}")
    assert sorted(plain) == ["c-mid", "c-new", "c-nodate", "c-old"]
    lenient = api.bundle(f"Condition?{edith}&colour=blue&status:above=x")
    assert sorted(matched(lenient)) == sorted(plain)
    [report] = outcomes(lenient)
    said = " ".join(i["diagnostics"] for i in report["issue"])
    assert "'colour'" in said and "'status:above'" in said
    assert {i["severity"] for i in report["issue"]} == {"warning"}
    assert lenient["entry"][-1]["search"]["mode"] == "outcome"

    strict = api.get(f"Condition?{edith}&colour=blue", **STRICT)
    assert strict.status_code == 400 and issue(strict)["expression"] == ["colour"]
    modifier = api.get(f"Condition?{edith}&status:above=x", **STRICT)
    assert modifier.status_code == 400 and issue(modifier)["expression"] == ["status:above"]
    # Known parameters are fine when strict, and other preferences may share the header.
    both = {"Prefer": "return=minimal, handling=strict"}
    assert sorted(api.ids(f"Condition?{edith}", **both)) == sorted(plain)
    # No outcome entry when everything was used.
    assert outcomes(api.bundle(f"Condition?{edith}")) == []


def test_conditional_interactions_still_refuse_unknown_criteria(api) -> None:
    """Ignoring a criterion there would select more than asked (ADR 109): still a 400."""
    response = api.client.generic(
        "DELETE", "/fhir/Condition?colour=blue", content_type="application/fhir+json"
    )
    assert response.status_code == 400 and issue(response)["expression"] == ["colour"]


# ------------------------------------------------------------------------------ count, total


def test_count_zero_gives_the_total_and_no_entries_and_total_can_be_turned_off(api) -> None:
    edith = f"patient=Patient/{api.edith.ref}"
    audits = AuditEvent.objects.count()
    counted = api.bundle(f"Condition?{edith}&_count=0")
    assert counted["entry"] == [] and counted["total"] == 4
    assert AuditEvent.objects.count() == audits  # nothing shown, nothing read
    assert api.bundle(f"Condition?{edith}&_summary=count")["total"] == 4
    # Bundle.total on a first page narrowed by patient (cheap: indexed), counted over all pages.
    first = api.bundle(f"Condition?{edith}&_count=1")
    assert first["total"] == 4 and len(matched(first)) == 1
    following = [link["url"] for link in first["link"] if link["relation"] == "next"]
    assert "total" not in api.bundle(following[0].split("/fhir/", 1)[1])
    # Not narrowed and more than one page: counted only when asked.
    assert "total" not in api.bundle("Condition?_count=1")
    assert api.bundle("Condition?_count=1&_total=accurate")["total"] == 4
    # One page holding everything: its length.
    assert api.bundle("Condition?_count=10")["total"] == 4
    assert api.bundle(f"Condition?{edith}&_count=1&_total=accurate")["total"] == 4
    assert api.bundle(f"Condition?{edith}&_count=1&_total=estimate")["total"] == 4
    assert "total" not in api.bundle(f"Condition?{edith}&_count=1&_total=none")
    # The self link says what was asked.
    self_link = counted["link"][0]["url"]
    assert "_count=0" in self_link
    # Patients, and the stranger is not counted.
    assert api.bundle("Patient?family=Quarr&_count=0")["total"] == 2
    everyone = api.ids("Patient?_count=100")
    assert str(api.stranger.ref) not in everyone
    assert api.bundle("Patient?_count=0")["total"] == len(everyone)


def test_total_for_caretrusts_own_types_layered_over_the_record(api) -> None:
    plan = make_plan()
    force_update(Person.objects.filter(pk=plan.person.pk), gp_practice=api.practice)
    sent = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{plan.person.ref}"},
        "title": "Discharge plan",
    }
    created = api.client.post("/fhir/CarePlan", sent, content_type="application/fhir+json")
    assert created.status_code == 201, created.content
    found = api.bundle(f"CarePlan?patient=Patient/{plan.person.ref}&_count=0")
    assert found["total"] == 2 and found["entry"] == []
    page = api.bundle(f"CarePlan?patient=Patient/{plan.person.ref}&_count=1")
    assert page["total"] == 2 and len(matched(page)) == 1


# ----------------------------------------------------------------------------- _id, _lastUpdated


def test_id_and_last_updated_on_stored_types_and_patients(api) -> None:
    assert sorted(api.ids("Condition?_id=c-old,c-new")) == ["c-new", "c-old"]
    assert sorted(api.ids("Condition?_lastUpdated=ge2024-05-01")) == ["c-mid", "c-new"]
    assert api.ids("Condition?_lastUpdated=lt2024-01-02&_id=c-old,c-mid") == ["c-old"]
    assert api.ids(f"Patient?_id={api.edith.ref}") == [str(api.edith.ref)]
    both = f"{api.edith.ref},{api.albert.ref}"
    assert sorted(api.ids(f"Patient?_id={both}")) == sorted(
        [str(api.edith.ref), str(api.albert.ref)]
    )


def test_id_and_last_updated_on_caretrusts_own_types(api) -> None:
    plan = make_plan()
    force_update(Person.objects.filter(pk=plan.person.pk), gp_practice=api.practice)
    assert api.ids(f"CarePlan?_id={plan.uuid}") == [str(plan.uuid)]
    assert api.ids(f"CareTeam?_id={plan.care_team_uuid}") == [str(plan.care_team_uuid)]
    assert api.ids(f"CarePlan?_id={plan.uuid}&_lastUpdated=ge2000-01-01") == [str(plan.uuid)]
    assert api.ids(f"CarePlan?_id={plan.uuid}&_lastUpdated=lt2000-01-01") == []
    assert api.ids("CarePlan?_id=not-a-uuid") == []
    # A referral this client sent: its ServiceRequest and its Task (same id).
    sent = api.client.post(
        "/fhir/ServiceRequest",
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{api.edith.ref}"},
            "reasonCode": [{"text": "Fell at home twice this week; lives alone."}],
        },
        content_type="application/fhir+json",
    )
    assert sent.status_code == 201, sent.content
    rid = json.loads(sent.content)["id"]
    assert api.ids(f"ServiceRequest?_id={rid}") == [rid]
    assert api.ids(f"Task?_id={rid}&_lastUpdated=ge2000-01-01") == [rid]
    assert api.ids(f"Task?_id={rid}&_lastUpdated=lt2000-01-01") == []
    # The referral's Task, by _revinclude on its ServiceRequest (Task's focus).
    with_task = api.bundle(f"ServiceRequest?_id={rid}&_revinclude=Task:focus")
    assert [(e["resource"]["resourceType"], e["search"]["mode"]) for e in with_task["entry"]] == [
        ("ServiceRequest", "match"),
        ("Task", "include"),
    ]
    assert with_task["entry"][1]["resource"]["id"] == rid
    # One made by someone else is not this client's to see, by _id or otherwise.
    assert api.ids(f"ServiceRequest?_id={plan.referral.uuid}") == []
    assessment = plan.assessment
    assert api.ids(f"QuestionnaireResponse?_id={assessment.uuid}") == [str(assessment.uuid)]


def test_id_and_last_updated_on_subscriptions(api) -> None:
    made = api.client.post(
        "/fhir/Subscription",
        {
            "resourceType": "Subscription",
            "status": "requested",
            "reason": "Follow our referrals",
            "criteria": "Task?requester=Organization/DEMO-GP1",
            "channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:9/notify"},
        },
        content_type="application/fhir+json",
    )
    assert made.status_code == 201, made.content
    sid = json.loads(made.content)["id"]
    assert api.ids(f"Subscription?_id={sid}") == [sid]
    assert api.ids("Subscription?_id=not-a-uuid") == []
    assert api.ids(f"Subscription?_id={sid}&_lastUpdated=ge2000-01-01") == [sid]
    assert api.ids("Subscription?_lastUpdated=lt2000-01-01") == []


def test_id_elements_and_counts_never_reveal_what_the_client_cannot_search(api) -> None:
    hidden = f"Patient/{api.stranger.ref}"
    assert api.get("Condition/c-hidden").status_code == 403
    assert api.ids("Condition?_id=c-hidden") == []
    assert api.ids("Condition?_id=c-hidden&_elements=code") == []
    assert api.ids("Condition?_id=c-hidden&_summary=true") == []
    assert api.bundle("Condition?_id=c-hidden&_count=0")["total"] == 0
    assert api.bundle("Condition?_id=c-hidden,c-old&_count=0")["total"] == 1
    assert api.ids(f"Patient?_id={api.stranger.ref}") == []
    assert api.bundle(f"Patient?_id={api.stranger.ref}&_count=0")["total"] == 0
    form = api.client.post(
        "/fhir/Condition/_search",
        urlencode({"_id": "c-hidden"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert matched(json.loads(form.content)) == []
    # Naming the stranger directly is refused, as before.
    assert api.get(f"Condition?patient={hidden}&_count=0").status_code == 403
    # A care plan about someone this client has no relationship with.
    elsewhere = make_person(
        family_name="Elsewhere", gp_practice_code="DEMO-GP2", postcode="TQ1 1AA"
    )
    plan = make_plan(referral=routed_referral(person=elsewhere))
    assert api.get(f"CarePlan/{plan.uuid}").status_code == 403
    assert api.ids(f"CarePlan?_id={plan.uuid}") == []
    assert api.bundle(f"CarePlan?_id={plan.uuid}&_count=0")["total"] == 0


# ------------------------------------------------------------------------ _summary, _elements


def test_elements_keep_mandatory_ones_and_are_marked_subsetted(api) -> None:
    bundle = api.bundle("Condition?_id=c-old&_elements=code")
    [resource] = [e["resource"] for e in bundle["entry"]]
    # Condition.subject is mandatory (1..1): kept; note and text were not asked for.
    assert set(resource) == {"resourceType", "id", "meta", "code", "subject"}
    assert SUBSETTED in {t["code"] for t in resource["meta"]["tag"]}
    assert resource["meta"]["versionId"] == "1"
    bad = api.get("Condition?_elements=colour")
    assert bad.status_code == 400 and issue(bad)["expression"] == ["_elements"]
    # Searches with _elements are audited as any other.
    assert AuditEvent.objects.filter(
        person_ref=api.edith.audit_ref, object_type="fhir.Condition"
    ).exists()


def test_summary_true_text_data_and_false(api) -> None:
    def one(query: str) -> dict:
        [resource] = [e["resource"] for e in api.bundle(f"Condition?_id=c-old&{query}")["entry"]]
        return resource

    summary = one("_summary=true")
    assert "code" in summary and "subject" in summary and "onsetDateTime" in summary
    assert "note" not in summary and "text" not in summary
    assert SUBSETTED in {t["code"] for t in summary["meta"]["tag"]}
    text = one("_summary=text")
    assert set(text) == {"resourceType", "id", "meta", "text", "subject"}
    data = one("_summary=data")
    assert "text" not in data and "note" in data and "code" in data
    assert SUBSETTED in {t["code"] for t in data["meta"]["tag"]}
    whole = one("_summary=false")
    assert "text" in whole and "note" in whole and "tag" not in whole["meta"]
    patient = api.bundle(f"Patient?_id={api.edith.ref}&_summary=true")["entry"][0]["resource"]
    assert "name" in patient and SUBSETTED in {t["code"] for t in patient["meta"]["tag"]}


# ------------------------------------------------------------------------------- POST _search


def test_post_search_with_a_form_body_is_the_same_search_as_get(api) -> None:
    query = {"patient": f"Patient/{api.edith.ref}", "status": "active", "_count": "1"}
    by_get = api.bundle(f"Condition?{urlencode(query)}")
    posted = api.client.post(
        "/fhir/Condition/_search",
        urlencode(query),
        content_type="application/x-www-form-urlencoded",
    )
    assert posted.status_code == 200, posted.content
    body = json.loads(posted.content)
    assert matched(body) == matched(by_get) and body["total"] == by_get["total"] == 2
    assert body["link"] == by_get["link"]
    # Query and body together; the next page is a GET link.
    mixed = api.client.post(
        f"/fhir/Condition/_search?patient=Patient/{api.edith.ref}",
        "status=resolved",
        content_type="application/x-www-form-urlencoded",
    )
    assert matched(json.loads(mixed.content)) == ["c-mid"]
    strict = api.client.post(
        "/fhir/Condition/_search",
        "colour=blue",
        content_type="application/x-www-form-urlencoded",
        headers=STRICT,
    )
    assert strict.status_code == 400 and issue(strict)["expression"] == ["colour"]
    wrong = api.client.post("/fhir/Condition/_search", {"a": 1}, content_type="application/json")
    assert wrong.status_code == 415
    assert api.get("Condition/_search").status_code == 405


# -------------------------------------------------------------------------------------- _sort


def test_sort_by_date_last_updated_and_id_with_paging(api) -> None:
    edith = f"patient=Patient/{api.edith.ref}&status=active,resolved"
    assert api.ids(f"Condition?{edith}&_sort=date") == ["c-old", "c-new", "c-mid"]
    assert api.ids(f"Condition?{edith}&_sort=-date") == ["c-mid", "c-new", "c-old"]
    assert api.ids(f"Condition?{edith}&_sort=-_lastUpdated") == ["c-new", "c-mid", "c-old"]
    assert api.ids(f"Condition?{edith}&_sort=_id") == ["c-mid", "c-new", "c-old"]
    # Paged in that order: each next link keeps the sort.
    ids, url = [], f"Condition?{edith}&_sort=-date&_count=1"
    while url:
        page = api.bundle(url)
        ids += matched(page)
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        url = following[0].split("/fhir/", 1)[1] if following else None
    assert ids == ["c-mid", "c-new", "c-old"]
    assert api.ids("Patient?family=Quarr&_sort=-birthdate") == [
        str(api.edith.ref),
        str(api.albert.ref),
    ]
    assert api.ids("Patient?family=Quarr&_sort=given") == [str(api.albert.ref), str(api.edith.ref)]
    assert api.ids("Patient?family=Quarr&_sort=-given") == [str(api.edith.ref), str(api.albert.ref)]


def test_a_resource_without_the_sorted_value_comes_last_either_way(api) -> None:
    """On SQLite and PostgreSQL alike (SQLite put it first going up, PostgreSQL first going
    down). Found by the conformance suite (ADR 123)."""
    edith = f"patient=Patient/{api.edith.ref}"
    assert api.ids(f"Condition?{edith}&_sort=date") == ["c-old", "c-new", "c-mid", "c-nodate"]
    assert api.ids(f"Condition?{edith}&_sort=-date") == ["c-mid", "c-new", "c-old", "c-nodate"]
    # Albert has no birth date.
    edith_ref, albert = str(api.edith.ref), str(api.albert.ref)
    assert api.ids("Patient?family=Quarr&_sort=birthdate") == [edith_ref, albert]
    assert api.ids("Patient?family=Quarr&_sort=-birthdate") == [edith_ref, albert]


def test_an_unsupported_sort_is_ignored_and_reported_or_refused_when_strict(api) -> None:
    lenient = api.bundle(f"Condition?patient=Patient/{api.edith.ref}&_sort=code")
    assert len(matched(lenient)) == 4
    assert "'code'" in outcomes(lenient)[0]["issue"][0]["diagnostics"]
    strict = api.get("Condition?_sort=code", **STRICT)
    assert strict.status_code == 400 and issue(strict)["expression"] == ["_sort"]
    # CarePlan pages caretrust's own and then the sent ones: no one order across both.
    assert api.get("CarePlan?_sort=_lastUpdated", **STRICT).status_code == 400


# ---------------------------------------------------------------------------------- modifiers


def test_string_modifiers_exact_contains_missing(api) -> None:
    edith, albert = str(api.edith.ref), str(api.albert.ref)
    assert sorted(api.ids("Patient?family=quarr")) == sorted([edith, albert])
    assert api.ids("Patient?family:exact=Quarrington") == [edith]
    assert api.ids("Patient?family:exact=quarrington") == []  # exact is case-sensitive
    assert api.ids("Patient?family:contains=rringt") == [edith]
    assert api.ids("Patient?name:contains=BERT") == [albert]
    assert api.ids("Patient?name:exact=Winifred") == [edith]
    assert api.ids("Patient?family=quarr&birthdate:missing=true") == [albert]
    assert api.ids("Patient?family=quarr&birthdate:missing=false") == [edith]
    bad = api.get("Patient?birthdate:missing=maybe")
    assert bad.status_code == 400 and issue(bad)["expression"] == ["birthdate:missing"]


def test_token_modifiers_not_and_missing(api) -> None:
    edith = f"patient=Patient/{api.edith.ref}"
    assert sorted(api.ids(f"Condition?{edith}&status:not=active")) == ["c-mid", "c-nodate"]
    assert sorted(api.ids(f"Condition?{edith}&status:not=active,resolved")) == ["c-nodate"]
    assert api.ids(f"Condition?{edith}&status:missing=true") == ["c-nodate"]
    assert api.ids(f"Condition?{edith}&date:missing=true") == ["c-nodate"]
    assert len(api.ids(f"Condition?{edith}&date:missing=false")) == 3
    assert api.ids(f"Patient?gender:not=female&_id={api.edith.ref},{api.albert.ref}") == [
        str(api.albert.ref)
    ]


# -------------------------------------------------------------------------------- _revinclude


def test_revinclude_brings_what_refers_to_the_matches_through_that_types_search(api) -> None:
    edith = str(api.edith.ref)
    before = AuditEvent.objects.filter(object_type="fhir.Condition").count()
    bundle = api.bundle(f"Patient?_id={edith}&_revinclude=Condition:subject")
    assert matched(bundle) == [edith]
    included = [e for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert sorted(e["resource"]["id"] for e in included) == ["c-mid", "c-new", "c-nodate", "c-old"]
    assert {e["resource"]["resourceType"] for e in included} == {"Condition"}
    assert all(e["fullUrl"].endswith(f"/Condition/{e['resource']['id']}") for e in included)
    # Read through Condition's own search: audited as that search is.
    assert AuditEvent.objects.filter(object_type="fhir.Condition").count() > before
    assert "_revinclude=Condition%3Asubject" in bundle["link"][0]["url"]
    # Several matches; a stranger's Condition is never brought in.
    many = api.bundle("Patient?family=Quarr&_revinclude=Condition:subject&_count=100")
    ids = [e["resource"]["id"] for e in many["entry"]]
    assert "c-hidden" not in ids and str(api.stranger.ref) not in ids
    assert (
        api.bundle(f"Patient?_id={api.stranger.ref}&_revinclude=Condition:subject")["entry"] == []
    )
    # caretrust's own types too.
    plan = make_plan()
    force_update(Person.objects.filter(pk=plan.person.pk), gp_practice=api.practice)
    own = api.bundle(f"Patient?_id={plan.person.ref}&_revinclude=CarePlan:subject")
    assert [e["resource"]["id"] for e in own["entry"] if e["search"]["mode"] == "include"] == [
        str(plan.uuid)
    ]


def test_revinclude_and_post_search_keep_to_a_tokens_scopes(api) -> None:
    """A SMART backend token that may search Patients only cannot reach Conditions through
    `_revinclude`, nor search them by POST (ADR 113's scopes, ADR 0119)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from caretrust.fhir import smart
    from tests.fhir.test_smart_backend_services import ask, assertion, public_jwks

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    smart.register_backend_client(
        name="harbour-system",
        organisation=api.practice,
        role="coordinator",
        jwks=public_jwks(key, "k1"),
        scopes="system/Patient.rs system/Condition.rs",
    )

    def client_for(scope: str) -> Client:
        granted = ask(Client(), assertion(key), scope)
        assert granted.status_code == 200, granted.content
        bearer = f"Bearer {granted.json()['access_token']}"
        return Client(raise_request_exception=False, headers={"Authorization": bearer})

    query = f"Patient?_id={api.edith.ref}&_revinclude=Condition:subject"
    patients_only = client_for("system/Patient.rs")
    refused = patients_only.get(f"/fhir/{query}")
    assert refused.status_code == 403 and "Condition" in issue(refused)["diagnostics"]
    posted = patients_only.post(
        "/fhir/Condition/_search", "_id=c-old", content_type="application/x-www-form-urlencoded"
    )
    assert posted.status_code == 403
    both = client_for("system/Patient.rs system/Condition.rs")
    found = json.loads(both.get(f"/fhir/{query}").content)
    assert len([e for e in found["entry"] if e["search"]["mode"] == "include"]) == 4


def test_an_unsupported_revinclude_is_reported_or_refused_when_strict(api) -> None:
    lenient = api.bundle(f"Patient?_id={api.edith.ref}&_revinclude=Condition:code")
    assert matched(lenient) == [str(api.edith.ref)]
    assert "'Condition:code'" in outcomes(lenient)[0]["issue"][0]["diagnostics"]
    strict = api.get("Condition?_revinclude=Observation:subject", **STRICT)
    assert strict.status_code == 400 and issue(strict)["expression"] == ["_revinclude"]


# --------------------------------------------------------------------------- CapabilityStatement


def test_the_capability_statement_lists_what_works(api) -> None:
    statement = json.loads(api.get("metadata").content)
    rest = statement["rest"][0]
    common = {p["name"] for p in rest["searchParam"]}
    assert common == {"_count", "_total", "_summary", "_elements", "_sort"}
    resources = {r["type"]: r for r in rest["resource"]}
    for kind in (
        "Patient",
        "Condition",
        "CarePlan",
        "CareTeam",
        "ServiceRequest",
        "Task",
        "QuestionnaireResponse",
        "Observation",
        "Subscription",
    ):
        params = {p["name"]: p for p in resources[kind]["searchParam"]}
        assert params["_id"]["definition"] == "http://hl7.org/fhir/SearchParameter/Resource-id"
        assert params["_lastUpdated"]["definition"] == (
            "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated"
        )
    condition = {p["name"]: p for p in resources["Condition"]["searchParam"]}
    assert condition["status"]["documentation"] == "Modifiers: :not, :missing."
    assert "_sort: _lastUpdated, _id, date" in resources["Condition"]["documentation"]
    patient = {p["name"]: p for p in resources["Patient"]["searchParam"]}
    assert ":exact" in patient["family"]["documentation"]
    assert "identifier" in patient and "documentation" not in patient["identifier"]
    assert {"Condition:subject", "Condition:patient", "CarePlan:subject"} <= set(
        resources["Patient"]["searchRevInclude"]
    )
    assert "searchRevInclude" not in resources["Condition"]
    assert resources["ServiceRequest"]["searchRevInclude"] == ["Task:focus", "Task:focus:iterate"]
    # A layered type sorts nothing, and says nothing about sorting.
    assert "_sort" not in resources["CarePlan"].get("documentation", "")
    # Every modifier listed works: each one, sent strict, is accepted.
    for kind in ("Patient", "Condition"):
        for param in resources[kind]["searchParam"]:
            for modifier in (
                param.get("documentation", "").removeprefix("Modifiers: ").rstrip(".").split(", ")
            ):
                if not modifier.startswith(":"):
                    continue
                value = "true" if modifier == ":missing" else "x"
                if param["type"] == "date" and modifier != ":missing":
                    value = "2020"
                response = api.get(f"{kind}?{param['name']}{modifier}={value}", **STRICT)
                assert response.status_code == 200, (kind, param["name"], modifier)


# ----------------------------------------------------------------------- a real client (fhirpy)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fhirpy_count_and_search_features_against_a_live_server(live_server, demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = person_row(
        given_name="Winifred", family_name="Quarrington", sex="female", gp_practice=practice
    )
    for i, (day, status) in enumerate((("2020-01-05", "active"), ("2022-03-03", "resolved"))):
        condition_row(edith, f"c{i}", day=day, status=status, updated=at(f"2024-0{i + 1}-01"))
    _row, token = issue_client(name="fhirpy-search", organisation=practice, role="coordinator")
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")
    conditions = fhir.resources("Condition").search(patient=f"Patient/{edith.ref}")
    # fhirpy's count() sends _count=0 and _totalMethod=count (not R4's: ignored leniently).
    assert conditions.count() == 2
    assert fhir.resources("Patient").search(family="Quarr").count() == 1
    newest_first = conditions.sort("-date").fetch()
    assert [c.id for c in newest_first] == ["c1", "c0"]
    assert [c.id for c in conditions.search(_id="c0").fetch()] == ["c0"]
    summary = conditions.elements("code").fetch()
    assert all("note" not in c and c.meta.tag[-1].code == SUBSETTED for c in summary)
    assert [c.id for c in conditions.search(**{"status:not": "active"}).fetch()] == ["c1"]
