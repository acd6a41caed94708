"""The whole loop with a real FHIR client against a live server: the GP system refers over the
API, subscribes with fhirpy, and follows the referral through acceptance and completion by
subscription (the test receiver) and by search."""

from __future__ import annotations

import pytest

from caretrust.organisations.models import Team
from caretrust.referrals import services as referrals
from caretrust.referrals.models import Referral
from tests.factories import make_person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_gp_system_subscribes_with_fhirpy_and_follows_its_referral(
    gp_system_fhirpy, receiver, user_for
) -> None:
    fhir = gp_system_fhirpy
    person = make_person(postcode="TQ1 1AA")

    request = fhir.resource(
        "ServiceRequest",
        status="active",
        intent="order",
        subject={"reference": f"Patient/{person.ref}"},
        reasonCode=[{"text": "Fell at home twice this week; lives alone."}],
    )
    request.save()
    subscription = fhir.resource(
        "Subscription",
        status="requested",
        reason="Follow our referral",
        criteria=f"Task?focus=ServiceRequest/{request.id}",
        channel={"type": "rest-hook", "endpoint": receiver.url, "payload": "application/fhir+json"},
    )
    subscription.save()
    assert subscription.status == "active"
    assert fhir.reference("Subscription", subscription.id).to_resource().criteria == (
        f"Task?focus=ServiceRequest/{request.id}"
    )

    referral = Referral.objects.get(uuid=request.id)
    coordinator, ot = user_for("coordinator"), user_for("ot")
    referral = referrals.claim(actor=coordinator, referral=referral)
    referral = referrals.route(
        actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt")
    )
    referral = referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    referrals.record_progress(actor=ot, referral=referral, to_status="completed")

    assert receiver.statuses() == ["received", "accepted", "completed"]
    assert {r.task["id"] for r in receiver.received} == {request.id}
    task = fhir.resources("Task").search(status="completed").fetch()
    assert [t.id for t in task] == [request.id]
    # The subscription is the client's to end.
    fhir.reference("Subscription", subscription.id).to_resource().delete()
    assert fhir.resources("Subscription").fetch() == []
