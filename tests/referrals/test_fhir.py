"""The FHIR API over the one-door domain: POST ServiceRequest does what the referral form does; the
Task shows the workflow; assessments, care plans and care teams read back as valid resources."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caretrust.assessments import services as assessments
from caretrust.careplans import services as careplans
from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext, Forbidden, SearchParams, Unprocessable
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services
from caretrust.referrals.models import Referral


@pytest.fixture
def ctx(user_for) -> FhirContext:
    return FhirContext(user=user_for("gp"), base_url="http://testserver/fhir")


def test_all_five_types_are_registered() -> None:
    types = set(registry.resource_types())
    assert {"ServiceRequest", "Task", "CarePlan", "CareTeam", "QuestionnaireResponse"} <= types
    # The referrals app's own (read, search, create) layered over the ServiceRequests sources
    # sent, which the shared record also answers vread and history for (ADR 0103) and updates
    # and deletes (ADR 109); a referral caretrust holds is updated only by its referrer, to
    # withdraw it (ADR 116).
    assert registry.get("ServiceRequest").interactions() == [
        "read",
        "vread",
        "search",
        "create",
        "update",
        "delete",
        "history",
    ]
    assert registry.get("ServiceRequest").primary.interactions() == [
        "read",
        "search",
        "create",
        "update",
    ]
    assert registry.get("Task").primary.interactions() == ["read", "search", "update"]


def test_post_service_request_makes_a_referral(ctx, mrs_jones) -> None:
    stored = registry.get("ServiceRequest").create(
        ctx,
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{mrs_jones.ref}"},
            "priority": "asap",
            "reasonCode": [{"text": "Fell at home; lives alone with heart failure."}],
        },
    )
    referral = Referral.objects.get()
    assert (
        referral.source == "gp"
        and referral.urgency == "urgent"
        and referral.locality.code == "torquay"
    )
    assert stored.resource["identifier"][0]["value"] == referral.reference
    task = registry.get("Task").read(ctx, str(referral.uuid)).resource
    assert (
        task["status"] == "requested"
        and task["focus"]["reference"] == f"ServiceRequest/{referral.uuid}"
    )


def test_invalid_or_forbidden_service_requests_are_refused(ctx, user_for, mrs_jones) -> None:
    handler = registry.get("ServiceRequest")
    with pytest.raises(Unprocessable, match="subject"):
        handler.create(
            ctx, {"subject": {"reference": "Patient/nobody"}, "reasonCode": [{"text": "x" * 20}]}
        )
    with pytest.raises(Unprocessable):
        handler.create(
            ctx,
            {
                "subject": {"reference": f"Patient/{mrs_jones.ref}"},
                "reasonCode": [{"text": "fall"}],
            },
        )
    analyst = FhirContext(user=user_for("analyst"), base_url="http://testserver/fhir")
    with pytest.raises(Forbidden):
        handler.create(
            analyst,
            {
                "subject": {"reference": f"Patient/{mrs_jones.ref}"},
                "reasonCode": [{"text": "x" * 20}],
            },
        )


def test_task_shows_status_reason_and_owner(ctx, user_for, referral) -> None:
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    services.close(actor=coordinator, referral=referral, reason="Already under the hospital team")
    task = registry.get("Task").read(ctx, str(referral.uuid)).resource
    assert task["status"] == "rejected"
    assert task["statusReason"]["text"] == "Already under the hospital team"
    assert task["owner"]["display"] == "Sam Carter (co-ordinator)"
    found = registry.get("Task").search(
        ctx, SearchParams(params={"patient": [str(referral.person.ref)]})
    )
    assert [m.resource["id"] for m in found.matches] == [str(referral.uuid)]


def test_plan_team_and_assessment_read_over_the_api(user_for, referral) -> None:
    coordinator, ot = user_for("coordinator"), user_for("ot")
    services.claim(actor=coordinator, referral=referral)
    services.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    services.accept(actor=ot, referral=referral, allocate_to=ot)
    assessment = assessments.start_assessment(actor=ot, person=referral.person, referral=referral)
    plan = careplans.create_plan(
        actor=coordinator, person=referral.person, referral=referral, assessment=assessment
    )
    careplans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="equipment",
        provider_organisation=Organisation.objects.get(code="DEMO-COUNCIL"),
        per="once",
        start=timezone.localdate(),
        funding_stream="minor_adaptation",
    )
    ctx = FhirContext(user=ot, base_url="http://testserver/fhir")
    assert (
        registry.get("CarePlan")
        .read(ctx, str(plan.uuid))
        .resource["activity"][0]["detail"]["code"]["text"]
        == "Equipment"
    )
    assert (
        registry.get("CareTeam").read(ctx, str(plan.care_team_uuid)).resource["resourceType"]
        == "CareTeam"
    )
    qr = registry.get("QuestionnaireResponse").read(ctx, str(assessment.uuid)).resource
    assert qr["status"] == "in-progress"
    plans = registry.get("CarePlan").search(
        ctx, SearchParams(params={"patient": [f"Patient/{referral.person.ref}"]})
    )
    assert len(plans.matches) == 1
    for resource_type, status in (("CarePlan", "draft"), ("QuestionnaireResponse", None)):
        params = {"patient": [f"Patient/{referral.person.ref}"]}
        if status:
            params["status"] = [status]
        found = registry.get(resource_type).search(ctx, SearchParams(params=params))
        assert len(found.matches) == 1, resource_type
    nobody = {"patient": ["Patient/00000000-0000-0000-0000-000000000000"]}
    assert registry.get("CarePlan").search(ctx, SearchParams(params=nobody)).matches == []
    assert (
        registry.get("CarePlan")
        .search(
            ctx,
            SearchParams(
                params={"patient": [f"Patient/{referral.person.ref}"], "status": ["active"]}
            ),
        )
        .matches
        == []
    )
    outsider = FhirContext(user=user_for("finance"), base_url="http://testserver/fhir")
    with pytest.raises(Forbidden):
        registry.get("CarePlan").read(outsider, str(plan.uuid))
