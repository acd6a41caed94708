"""The closed loop over the API (issue #20 item 1, ADR 116): a referrer's ServiceRequest is kept as
sent and found by its own identifier, a re-send is recognised, the referrer cancels its Task or
adds information and revokes its ServiceRequest, Tasks are searched by focus, owner, status, code
and _lastUpdated, and a completed Task carries its output. Raw HTTP (Django's test client) for
each rule and error, then the whole loop with a real FHIR client (fhirpy) against a live server,
followed by subscription (the test receiver) and by search. Staff steps are the services a
co-ordinator's and a team's pages call."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from caretrust.access.models import AuditEvent
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation, Team
from caretrust.record.models import TimelineEvent
from caretrust.referrals import services as referrals
from caretrust.referrals.models import Referral, ReferralEvent
from caretrust.referrals.presenters import timeline
from tests.factories import make_person

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json"
GP_SYSTEM_IDS = "https://gp-system.example.org/Id/referral"
SNOMED = "http://snomed.info/sct"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


def sent_request(person, ident: str = "GP-REF-0001") -> dict:
    """A GP system's ServiceRequest: its own identifier, a coded reason, its requester and
    supporting information."""
    return {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": GP_SYSTEM_IDS, "value": ident}],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "subject": {"reference": f"Patient/{person.ref}"},
        "requester": {
            "reference": "Practitioner/gp-17",
            "display": "Dr Anna Bright, Harbour Surgery",
        },
        "reasonCode": [
            {
                "coding": [{"system": SNOMED, "code": "161898004", "display": "Falls"}],
                "text": "Fell at home twice this week; lives alone.",
            }
        ],
        "supportingInfo": [{"reference": "DocumentReference/gp-summary-17"}],
    }


class Api:
    def __init__(self, token: str) -> None:
        self.client = Client(
            raise_request_exception=False, headers={"Authorization": f"Bearer {token}"}
        )

    def send(self, method, path, body=None, content_type=FHIR_JSON, **headers):
        data = b"" if body is None else json.dumps(body).encode()
        response = self.client.generic(
            method, f"/fhir/{path}", data=data, content_type=content_type, headers=headers
        )
        assert not response.get("Content-Type", "").startswith("text/html"), response.content
        return response

    def get(self, path):
        return self.send("GET", path)


@pytest.fixture
def gp(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    _client, token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    return Api(token)


@pytest.fixture
def other_gp(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    _client, token = issue_client(name="another-system", organisation=practice, role="coordinator")
    return Api(token)


@pytest.fixture
def person(demo_directory):
    return make_person(postcode="TQ1 1AA")


def refer(gp: Api, person, ident: str = "GP-REF-0001") -> dict:
    response = gp.send("POST", "ServiceRequest", sent_request(person, ident))
    assert response.status_code == 201, response.content
    return response.json()


def issue(response) -> dict:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]


def accept(referral: Referral, user_for) -> Referral:
    coordinator, ot = user_for("coordinator"), user_for("ot")
    if referral.status == "requested":
        referral = referrals.claim(actor=coordinator, referral=referral)
    referral = referrals.triage(actor=coordinator, referral=referral, urgency="soon")
    referral = referrals.route(
        actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt")
    )
    return referrals.accept(actor=ot, referral=referral, allocate_to=ot)


# ----------------------------------------------------------------- kept as sent, found, re-sent


def test_the_service_request_is_read_back_as_sent_with_caretrusts_status(gp, person) -> None:
    made = refer(gp, person)
    referral = Referral.objects.get(uuid=made["id"])
    assert referral.reason == "Fell at home twice this week; lives alone."
    assert referral.urgency == "soon"  # FHIR urgent is caretrust's soon

    read = gp.get(f"ServiceRequest/{made['id']}").json()
    assert read["identifier"][0] == {"system": GP_SYSTEM_IDS, "value": "GP-REF-0001"}
    assert {"system": "https://caretrust.example.org/fhir/Id/referral-reference"} | {
        "value": referral.reference
    } in read["identifier"]
    assert read["reasonCode"] == sent_request(person)["reasonCode"]
    assert read["requester"] == sent_request(person)["requester"]
    assert read["supportingInfo"] == [{"reference": "DocumentReference/gp-summary-17"}]
    assert read["priority"] == "urgent" and read["status"] == "active"
    # The Task names the sender's requester too.
    task = gp.get(f"Task/{made['id']}").json()
    assert task["requester"] == sent_request(person)["requester"]
    assert task["code"]["coding"] == [{"system": TASK_CODE, "code": "fulfill"}]

    referrals.close(
        actor=referrals_owner(referral, "coordinator"),
        referral=referral,
        reason="Not for the single point of contact.",
    )
    assert gp.get(f"ServiceRequest/{made['id']}").json()["status"] == "revoked"


def referrals_owner(referral: Referral, username: str):
    from caretrust.organisations.models import User

    user = User.objects.get(username=username)
    referrals.claim(actor=user, referral=referral)
    return user


def test_search_by_the_senders_identifier_and_a_resend_is_recognised(gp, other_gp, person) -> None:
    made = refer(gp, person)
    found = gp.get(f"ServiceRequest?identifier={GP_SYSTEM_IDS}|GP-REF-0001").json()
    assert [e["resource"]["id"] for e in found["entry"]] == [made["id"]]
    assert gp.get(f"ServiceRequest?identifier={GP_SYSTEM_IDS}|GP-REF-9999").json()["entry"] == []
    # Any system, and caretrust's own reference.
    assert len(gp.get("ServiceRequest?identifier=GP-REF-0001").json()["entry"]) == 1
    reference = Referral.objects.get(uuid=made["id"]).reference
    by_ours = gp.get(f"ServiceRequest?identifier={reference}").json()
    assert [e["resource"]["id"] for e in by_ours["entry"]] == [made["id"]]
    # caretrust's reference finds a referral made on the web form too (by its referrer).
    from caretrust.fhir import registry
    from caretrust.fhir.registry import FhirContext, SearchParams
    from tests.factories import make_referral

    web = make_referral(person=person)
    assert web.identifier_index == ""
    ctx = FhirContext(user=web.referrer, base_url="http://testserver/fhir")
    ours = f"https://caretrust.example.org/fhir/Id/referral-reference|{web.reference}"
    found = registry.get("ServiceRequest").search(ctx, SearchParams({"identifier": [ours]}))
    assert [m.resource["id"] for m in found.matches] == [str(web.uuid)]
    # The GP system's client may not see it: nothing.
    assert gp.get(f"ServiceRequest?identifier={ours}").json()["entry"] == []

    # A re-send with If-None-Exist: the referral already sent, 200, and no second referral.
    again = gp.send(
        "POST",
        "ServiceRequest",
        sent_request(person),
        **{"If-None-Exist": f"identifier={GP_SYSTEM_IDS}|GP-REF-0001"},
    )
    assert again.status_code == 200, again.content
    assert again.json()["id"] == made["id"]
    assert Referral.objects.filter(person=person).count() == 2  # that one and the web one
    # The same, as fhirpy sends it (POST Type?criteria).
    again = gp.send(
        "POST", f"ServiceRequest?identifier={GP_SYSTEM_IDS}|GP-REF-0001", sent_request(person)
    )
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    # Another client does not see this client's referral: its own send makes its own.
    theirs = other_gp.send(
        "POST",
        "ServiceRequest",
        sent_request(person),
        **{"If-None-Exist": f"identifier={GP_SYSTEM_IDS}|GP-REF-0001"},
    )
    assert theirs.status_code == 201
    assert Referral.objects.filter(person=person).count() == 3
    assert (
        other_gp.get(f"ServiceRequest?identifier={GP_SYSTEM_IDS}|GP-REF-0001").json()["entry"][0][
            "resource"
        ]["id"]
        == theirs.json()["id"]
    )


def test_a_conditional_update_that_sends_the_referral_again_unchanged_is_200(gp, person) -> None:
    """A referrer retrying its send as a conditional update (found by its own identifier) sends
    what it sent: no caretrust reference identifier, no display on the subject. That is no
    change (it was a 422), and the answer is 200, not 201 (the referral is the app's, not the
    record's). Found by the conformance suite (ADR 123)."""
    made = refer(gp, person)
    path = f"ServiceRequest?identifier={GP_SYSTEM_IDS}|GP-REF-0001"
    again = gp.send("PUT", path, sent_request(person))
    assert again.status_code == 200, again.content
    assert again.json()["id"] == made["id"] and again.json()["meta"]["versionId"] == "1"
    moved = gp.send("PUT", path, {**sent_request(person), "intent": "plan"})
    assert moved.status_code == 422 and issue(moved)["expression"] == ["ServiceRequest.intent"]
    assert Referral.objects.filter(person=person).count() == 1


# ------------------------------------------------------------------------- the referrer's writes


def test_the_referrer_adds_information_and_cancels_its_task(gp, person, user_for) -> None:
    made = refer(gp, person)
    referral = Referral.objects.get(uuid=made["id"])
    referrals.claim(actor=user_for("coordinator"), referral=referral)
    task = gp.get(f"Task/{made['id']}").json()

    task["note"] = [{"text": "Her daughter can be reached on 07700 900123."}]
    response = gp.send("PUT", f"Task/{made['id']}", task, **{"If-Match": task["meta"]["versionId"]})
    assert response.status_code == 200, response.content
    updated = response.json()
    assert updated["status"] == "received"
    assert [n["text"] for n in updated["note"]] == ["Her daughter can be reached on 07700 900123."]
    assert int(updated["meta"]["versionId"]) == int(task["meta"]["versionId"]) + 1
    # The co-ordinator sees it on the referral's page.
    rows = timeline(Referral.objects.get(pk=referral.pk))
    assert rows[-1].information == "Her daughter can be reached on 07700 900123."
    # Sending the same notes again adds nothing.
    again = gp.send("PUT", f"Task/{made['id']}", updated)
    assert again.json()["meta"]["versionId"] == updated["meta"]["versionId"]

    # Cancel with a JSON Patch.
    patch = [
        {"op": "replace", "path": "/status", "value": "cancelled"},
        {"op": "add", "path": "/statusReason", "value": {"text": "Admitted to hospital today."}},
    ]
    response = gp.send(
        "PATCH", f"Task/{made['id']}", patch, content_type="application/json-patch+json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["statusReason"]["text"] == "Admitted to hospital today."
    referral.refresh_from_db()
    assert (referral.status, referral.status_reason) == ("cancelled", "Admitted to hospital today.")
    assert referral.business_status == "Withdrawn by the referrer"
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert (event.from_status, event.to_status) == ("received", "cancelled")
    assert AuditEvent.objects.filter(
        object_id=str(referral.pk), action=AuditEvent.Action.UPDATE, details__to_status="cancelled"
    ).exists()
    assert TimelineEvent.objects.filter(
        person=person, summary__contains="withdrawn by", kind="Referral withdrawn"
    ).exists()
    # Off the co-ordinators' open worklist.
    assert not Referral.objects.open().filter(pk=referral.pk).exists()
    # A closed referral takes no more information: 409 naming the note.
    current = gp.get(f"Task/{made['id']}").json()
    current["note"].append({"text": "One more thing."})
    refused = gp.send("PUT", f"Task/{made['id']}", current)
    assert refused.status_code == 409
    assert issue(refused)["expression"] == ["Task.note"]


def test_the_referrer_revokes_its_service_request(gp, person) -> None:
    made = refer(gp, person)
    request = gp.get(f"ServiceRequest/{made['id']}").json()
    request["status"] = "revoked"
    request["note"] = [{"text": "Sent to the wrong service."}]
    response = gp.send("PUT", f"ServiceRequest/{made['id']}", request)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    referral = Referral.objects.get(uuid=made["id"])
    assert (referral.status, referral.status_reason) == ("cancelled", "Sent to the wrong service.")
    task = gp.get(f"Task/{made['id']}").json()
    assert (task["status"], task["statusReason"]["text"]) == (
        "cancelled",
        "Sent to the wrong service.",
    )
    # Revoked again: nothing to do.
    assert gp.send("PUT", f"ServiceRequest/{made['id']}", response.json()).status_code == 200


def test_another_client_may_not_change_the_referral(gp, other_gp, person, user_for) -> None:
    made = refer(gp, person)
    task = gp.get(f"Task/{made['id']}").json()
    task["status"], task["statusReason"] = "cancelled", {"text": "Not needed."}
    refused = other_gp.send("PUT", f"Task/{made['id']}", task)
    assert refused.status_code == 403
    assert issue(refused)["code"] == "forbidden"
    # A co-ordinator who may see (and coordinate) the referral still cannot withdraw it: only
    # the referrer, through the service the API uses.
    referral = Referral.objects.get(uuid=made["id"])
    with pytest.raises(PermissionDenied, match="Only the referrer"):
        referrals.withdraw(actor=user_for("coordinator"), referral=referral, reason="Not needed.")
    request = gp.get(f"ServiceRequest/{made['id']}").json()
    request["status"] = "revoked"
    assert other_gp.send("PUT", f"ServiceRequest/{made['id']}", request).status_code == 403
    assert Referral.objects.get(uuid=made["id"]).status == "requested"
    refusals = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED)
    # The other client may not even see the referral: refused (and audited) at the read.
    assert "referrals.view" in {r.details.get("action") for r in refusals}


def test_bad_changes_are_refused_naming_the_element(gp, person, user_for) -> None:
    made = refer(gp, person)
    task = gp.get(f"Task/{made['id']}").json()

    no_reason = {**task, "status": "cancelled"}
    refused = gp.send("PUT", f"Task/{made['id']}", no_reason)
    assert refused.status_code == 422
    assert issue(refused)["expression"] == ["Task.statusReason"]

    completing = {**task, "status": "completed"}
    refused = gp.send("PUT", f"Task/{made['id']}", completing)
    assert refused.status_code == 422
    assert issue(refused)["expression"] == ["Task.status"]

    other_focus = {**task, "focus": {"reference": "ServiceRequest/another"}}
    refused = gp.send("PUT", f"Task/{made['id']}", other_focus)
    assert refused.status_code == 422
    assert issue(refused)["expression"] == ["Task.focus"]
    # The workflow elements are caretrust's: an older copy's owner is left as it is.
    owner = {**task, "owner": {"display": "Someone else"}}
    assert gp.send("PUT", f"Task/{made['id']}", owner).json().get("owner") is None

    stale = gp.send("PUT", f"Task/{made['id']}", task, **{"If-Match": 'W/"99"'})
    assert stale.status_code == 412

    request = gp.get(f"ServiceRequest/{made['id']}").json()
    refused = gp.send("PUT", f"ServiceRequest/{made['id']}", {**request, "status": "on-hold"})
    assert refused.status_code == 422
    assert issue(refused)["expression"] == ["ServiceRequest.status"]
    refused = gp.send(
        "PUT", f"ServiceRequest/{made['id']}", {**request, "reasonCode": [{"text": "Other"}]}
    )
    assert refused.status_code == 422
    assert issue(refused)["expression"] == ["ServiceRequest.reasonCode"]
    assert Referral.objects.get(uuid=made["id"]).status == "requested"

    # The co-ordinator claimed it meanwhile: a copy still saying requested is stale (409).
    referral = referrals.claim(
        actor=user_for("coordinator"), referral=Referral.objects.get(uuid=made["id"])
    )
    stale = {**task, "note": [{"text": "Late news."}]}
    refused = gp.send("PUT", f"Task/{made['id']}", stale)
    assert refused.status_code == 409
    assert issue(refused)["expression"] == ["Task.status"]
    assert "now received, no longer requested" in issue(refused)["diagnostics"]
    assert not ReferralEvent.objects.filter(referral=referral).exclude(information="").exists()

    # A completed referral cannot be cancelled: 409 naming Task.status (and the ServiceRequest).
    referral = accept(Referral.objects.get(uuid=made["id"]), user_for)
    referrals.record_progress(actor=user_for("ot"), referral=referral, to_status="completed")
    task = gp.get(f"Task/{made['id']}").json()
    task["status"], task["statusReason"] = "cancelled", {"text": "No longer needed."}
    refused = gp.send("PUT", f"Task/{made['id']}", task)
    assert refused.status_code == 409
    assert issue(refused)["expression"] == ["Task.status"]
    assert "completed cannot become cancelled" in issue(refused)["diagnostics"]
    request = gp.get(f"ServiceRequest/{made['id']}").json()
    refused = gp.send("PUT", f"ServiceRequest/{made['id']}", {**request, "status": "revoked"})
    assert refused.status_code == 409
    assert issue(refused)["expression"] == ["ServiceRequest.status"]
    assert Referral.objects.get(uuid=made["id"]).status == "completed"


# ------------------------------------------------------------------------------- Task searches


def test_task_search_by_focus_owner_status_code_and_last_updated(gp, person, user_for) -> None:
    first, second = refer(gp, person, "GP-REF-1"), refer(gp, person, "GP-REF-2")
    accept(Referral.objects.get(uuid=first["id"]), user_for)

    def ids(query: str) -> list[str]:
        response = gp.get(f"Task?{query}")
        assert response.status_code == 200, response.content
        return sorted(e["resource"]["id"] for e in response.json()["entry"])

    assert ids(f"focus=ServiceRequest/{first['id']}") == [first["id"]]
    assert ids(f"focus={second['id']}") == [second["id"]]
    assert ids("focus=ServiceRequest/not-a-uuid") == []
    assert ids("owner=torquay-mdt") == [first["id"]]
    assert ids("owner=https://caretrust.example.org/fhir/Id/team|torquay-mdt") == [first["id"]]
    assert ids("status=accepted") == [first["id"]]
    assert ids("status=requested,accepted") == sorted([first["id"], second["id"]])
    assert ids(f"code={TASK_CODE}|fulfill") == sorted([first["id"], second["id"]])
    assert ids("code=https://caretrust.example.org/fhir/CodeSystem/task|todo") == []
    today = timezone.now().date().isoformat()
    assert ids(f"_lastUpdated=ge{today}&status=accepted") == [first["id"]]
    assert ids("_lastUpdated=lt2000-01-01") == []
    task = gp.get(f"Task?focus=ServiceRequest/{first['id']}").json()["entry"][0]["resource"]
    assert task["owner"]["identifier"]["value"] == "torquay-mdt"
    refused = gp.send("GET", "Task?performer=x", Prefer="handling=strict")
    assert refused.status_code == 400 and issue(refused)["expression"] == ["performer"]
    ignored = gp.get("Task?performer=x&status=accepted")  # lenient by default (ADR 0119)
    assert [e["resource"]["id"] for e in ignored.json()["entry"][:1]] == [first["id"]]


def test_the_capability_statement_lists_the_loop(gp) -> None:
    statement = gp.get("metadata").json()
    types = {r["type"]: r for r in statement["rest"][0]["resource"]}
    task, request = types["Task"], types["ServiceRequest"]
    assert {"update", "patch"} <= {i["code"] for i in task["interaction"]}
    assert {"update", "patch", "create"} <= {i["code"] for i in request["interaction"]}
    assert {"focus", "owner", "status", "code", "_lastUpdated"} <= {
        p["name"] for p in task["searchParam"]
    }
    assert "identifier" in {p["name"] for p in request["searchParam"]}
    assert request["conditionalCreate"] is True


def test_a_completed_task_carries_its_outcome_or_care_plan(
    gp, person, user_for, decide_eligible
) -> None:
    from datetime import timedelta

    from caretrust import clock
    from caretrust.careplans import services as careplans
    from tests.factories import make_plan

    made = refer(gp, person)
    referral = accept(Referral.objects.get(uuid=made["id"]), user_for)
    assert "output" not in gp.get(f"Task/{made['id']}").json()
    decide_eligible(person)
    coordinator = user_for("coordinator")
    plan = make_plan(referral=referral)
    plan = careplans.update_plan(
        actor=coordinator, plan=plan, expected_version=plan.version, goals=["Stay at home"]
    )
    careplans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        start=clock.today() + timedelta(days=1),
        funding_stream="council",
    )
    plan.refresh_from_db()
    careplans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    task = gp.get(f"Task/{made['id']}").json()
    assert task["status"] == "completed"
    assert task["output"][0]["valueReference"] == {"reference": f"CarePlan/{plan.uuid}"}
    assert task["output"][0]["type"]["coding"][0]["code"] == "care-plan"

    other = refer(gp, person, "GP-REF-3")
    referral = Referral.objects.get(uuid=other["id"])
    coordinator = user_for("coordinator")
    referral = referrals.claim(actor=coordinator, referral=referral)
    referrals.signpost(actor=coordinator, referral=referral, information="Age UK befriending.")
    task = gp.get(f"Task/{other['id']}").json()
    assert task["output"] == [
        {
            "type": {
                "coding": [
                    {
                        "system": "https://caretrust.example.org/fhir/CodeSystem/"
                        "referral-task-output",
                        "code": "outcome",
                        "display": "Outcome",
                    }
                ]
            },
            "valueString": "Signposted: Signposted to information and advice",
        }
    ]


def test_workspace_to_do_tasks_are_tasks_told_apart_by_code(gp, person, user_for) -> None:
    from caretrust.fhir import registry
    from caretrust.fhir.registry import FhirContext, NotSupported, SearchParams
    from caretrust.workspace import services as workspace

    made = refer(gp, person)
    accept(Referral.objects.get(uuid=made["id"]), user_for)
    ot = user_for("ot")
    todo = workspace.create_task(
        actor=ot,
        person=person,
        title="Order a bath board",
        due_date=timezone.now().date(),
        assigned_user=ot,
    )
    tasks = registry.get("Task")
    ctx = FhirContext(user=ot, base_url="http://testserver/fhir")

    def ids(**params) -> list[str]:
        found = tasks.search(ctx, SearchParams(params={k: [v] for k, v in params.items()}))
        return [m.resource["id"] for m in found.matches]

    todo_code = "https://caretrust.example.org/fhir/CodeSystem/task|todo"
    assert ids(code=todo_code) == [str(todo.uuid)]
    assert ids(code=f"{TASK_CODE}|fulfill") == [made["id"]]
    assert set(ids(patient=f"Patient/{person.ref}")) == {made["id"], str(todo.uuid)}
    assert ids(focus=f"ServiceRequest/{made['id']}") == [made["id"]]
    read = tasks.read(ctx, str(todo.uuid)).resource
    assert read["code"]["coding"][0]["code"] == "todo"
    assert read["status"] == "requested" and read["for"]["reference"] == f"Patient/{person.ref}"
    assert AuditEvent.objects.filter(
        actor=ot, object_type="fhir.Task", object_id=str(todo.uuid)
    ).exists()
    # The workspace's rule: not a task of the social worker's (or their team's).
    other = FhirContext(user=user_for("socialworker"), base_url="http://testserver/fhir")
    assert str(todo.uuid) not in [
        m.resource["id"] for m in tasks.search(other, SearchParams(params={})).matches
    ]
    # The GP system's client sees its referral's Task, not the team's to-do.
    assert gp.get(f"Task?code={todo_code}").json()["entry"] == []
    assert gp.get(f"Task/{todo.uuid}").status_code == 403
    # A to-do task is changed in the workspace, not over the API.
    with pytest.raises(NotSupported):
        tasks.update(ctx, str(todo.uuid), read, None)


# -------------------------------------------------------------- the whole loop with fhirpy, live


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_gp_systems_fhirpy_client_drives_the_whole_loop(
    gp_system_fhirpy, receiver, user_for
) -> None:
    fhir = gp_system_fhirpy
    person = make_person(postcode="TQ1 1AA")
    subscription = fhir.resource(
        "Subscription",
        status="requested",
        reason="Follow our referrals",
        criteria="Task?requester=Organization/DEMO-GP1",
        channel={"type": "rest-hook", "endpoint": receiver.url, "payload": "application/fhir+json"},
    )
    subscription.save()

    # The GP system refers (conditional create: get_or_create by its own identifier).
    sent = sent_request(person, "GP-REF-LOOP-1")
    request, created = (
        fhir.resources("ServiceRequest")
        .search(identifier=f"{GP_SYSTEM_IDS}|GP-REF-LOOP-1")
        .get_or_create(fhir.resource("ServiceRequest", **sent))
    )
    assert created
    # A re-send of the same referral is recognised: the same id, one referral.
    again, created = (
        fhir.resources("ServiceRequest")
        .search(identifier=f"{GP_SYSTEM_IDS}|GP-REF-LOOP-1")
        .get_or_create(fhir.resource("ServiceRequest", **sent))
    )
    assert (again.id, created) == (request.id, False)
    assert Referral.objects.filter(person=person).count() == 1
    read = fhir.reference("ServiceRequest", request.id).to_resource()
    assert read.identifier[0] == {"system": GP_SYSTEM_IDS, "value": "GP-REF-LOOP-1"}
    assert read.reasonCode[0]["coding"][0]["code"] == "161898004"
    assert read.requester["display"] == "Dr Anna Bright, Harbour Surgery"
    assert [ref.reference for ref in read.supportingInfo] == ["DocumentReference/gp-summary-17"]

    # Adds information on its Task (fhirpy: fetch, append a note, save).
    task = fhir.resources("Task").search(focus=f"ServiceRequest/{request.id}").get()
    assert task.status == "requested"
    task["note"] = [{"text": "She uses a walking frame; key safe code with her daughter."}]
    task.save()
    referral = Referral.objects.get(uuid=request.id)
    assert referral.events.last().information == (
        "She uses a walking frame; key safe code with her daughter."
    )

    # The co-ordinator and the team move it on; the GP follows by subscription and by search.
    referral = accept(referral, user_for)
    referrals.record_progress(actor=user_for("ot"), referral=referral, to_status="completed")
    assert receiver.statuses() == ["requested", "received", "accepted", "completed"]
    assert {r.task["id"] for r in receiver.received} == {request.id}
    today = timezone.now().date().isoformat()
    done = (
        fhir.resources("Task")
        .search(focus=f"ServiceRequest/{request.id}", _lastUpdated=f"ge{today}")
        .get()
    )
    assert done.status == "completed"
    assert done.output[0]["valueString"] == "Routed to a locality team: Completed"
    assert [t.id for t in fhir.resources("Task").search(status="completed").fetch()] == [request.id]

    # A second referral, cancelled by the referrer: the notification tells the loop is closed.
    second = fhir.resource("ServiceRequest", **sent_request(person, "GP-REF-LOOP-2"))
    second.save()
    task = fhir.reference("Task", second.id).to_resource()
    task["status"] = "cancelled"
    task["statusReason"] = {"text": "The person has moved out of the area."}
    task.save()
    assert Referral.objects.get(uuid=second.id).status == "cancelled"
    assert receiver.received[-1].task["id"] == second.id
    assert receiver.statuses()[-1] == "cancelled"
    assert fhir.reference("ServiceRequest", second.id).to_resource().status == "revoked"
    found = fhir.resources("ServiceRequest").search(identifier=f"{GP_SYSTEM_IDS}|GP-REF-LOOP-2")
    assert [r.id for r in found.fetch()] == [second.id]
