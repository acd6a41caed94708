"""An administrator clicks from their home page to the subscription deliveries (ADR 114), sends a
dead letter again once the receiver is fixed and dismisses another, with axe on every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from caretrust.fhir.registry import FhirContext
from caretrust.fhir.services import issue_client
from caretrust.organisations.demo import DEMO_PASSWORD
from caretrust.organisations.models import Organisation, User
from caretrust.referrals import services as referrals
from caretrust.subscriptions.models import Delivery
from tests.factories import make_person, make_referral
from tests.subscriptions import receiver as receivers


def test_an_administrator_retries_and_dismisses_dead_letters(page, assert_accessible) -> None:
    receiver = receivers.start()
    try:
        receiver.status = 500
        practice = Organisation.objects.get(code="DEMO-GP1")
        client, _token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
        ctx = FhirContext(user=client.user, base_url="http://testserver/fhir", client=client)
        from caretrust.fhir import registry

        coordinator = User.objects.get(username="coordinator")
        made = []
        for _ in range(2):
            referral = make_referral(actor=client.user, person=make_person(postcode="TQ1 1AA"))
            registry.get("Subscription").create(
                ctx,
                {
                    "resourceType": "Subscription",
                    "status": "requested",
                    "reason": "Follow",
                    "criteria": f"Task?_id={referral.uuid}",
                    "channel": {"type": "rest-hook", "endpoint": receiver.url},
                },
            )
            referrals.claim(actor=coordinator, referral=referral)
            made.append(referral)
        assert Delivery.objects.filter(status=Delivery.Status.DEAD).count() == 2

        page.context.clear_cookies()
        page.goto("/sign-in/")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/$"))
        page.get_by_role("navigation", name="Menu").get_by_role(
            "link", name="Subscriptions"
        ).click()
        expect(page.get_by_role("heading", name="Subscription deliveries")).to_be_visible()
        assert_accessible(page)

        receiver.status = 200
        page.get_by_role("button", name=f"Retry notification for {made[0].reference}").click()
        expect(page.get_by_text("Delivery sent again: it is now delivered.")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name=f"Dismiss notification for {made[1].reference}").click()
        expect(page.get_by_text("Dead letter dismissed.")).to_be_visible()
        expect(page.get_by_text("No dead letters.")).to_be_visible()
        assert_accessible(page)
        assert receiver.received[-1].body == b""
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
