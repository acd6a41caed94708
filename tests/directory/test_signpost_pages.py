"""The pages around signposting to a directory service: the co-ordinator's search, the signpost
and answer actions, and who may use them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from caretrust.directory import selectors as directory
from caretrust.referrals import services
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(user_for):
    referral = make_referral(reason="Fell twice this year; frightened of falling again.")
    services.claim(actor=user_for("coordinator"), referral=referral)
    return referral


def test_the_search_page_finds_services_by_text_and_category(client, user_for, claimed) -> None:
    client.force_login(user_for("coordinator"))
    url = reverse("referrals:find_service", args=[claimed.reference])

    blank = client.get(url)
    by_text = client.get(url, {"text": "falls"})
    by_category = client.get(url, {"text": "", "category": "Lunch clubs"})

    assert blank.status_code == 200 and "service found" not in blank.content.decode()
    page = by_text.content.decode()
    assert "1 service found" in page
    assert "Steady Steps falls prevention classes" in page
    assert "Tue 10:00–11:00" not in page  # the feed's own description is shown instead
    assert "Tuesdays in Brixham" in page
    assert "not on caretrust: signposting completes the referral" in page
    assert "Signpost to Steady Steps falls prevention classes" in page
    assert "Harbourside lunch club" in by_category.content.decode()
    assert "Steady Steps" not in by_category.content.decode()


def test_only_the_localitys_co_ordinators_search_for_a_referral(client, user_for, claimed) -> None:
    client.force_login(user_for("voluntary"))
    assert (
        client.get(reverse("referrals:find_service", args=[claimed.reference])).status_code == 403
    )


def test_signposting_and_accepting_through_the_pages(client, user_for, claimed) -> None:
    befriending = directory.services(text="befriending").get()
    client.force_login(user_for("coordinator"))
    act = reverse("referrals:act", args=[claimed.reference, "signpost-service"])

    unknown = client.post(act, {"service": "no-such-service"})
    assert unknown.status_code == 200
    assert "Choose a service from the directory" in unknown.content.decode()

    done = client.post(act, {"service": befriending.oruk_id})
    assert done.status_code == 302
    claimed.refresh_from_db()
    assert claimed.directory_service == befriending

    client.force_login(user_for("voluntary"))
    detail = client.get(reverse("referrals:detail", args=[claimed.reference])).content.decode()
    assert "Accept the referral" in detail
    assert "Accept and allocate" not in detail
    declined = client.post(
        reverse("referrals:act", args=[claimed.reference, "decline-signpost"]), {"reason": ""}
    )
    assert "Say why you cannot take it" in declined.content.decode()
    accepted = client.post(reverse("referrals:act", args=[claimed.reference, "accept-signpost"]))
    assert accepted.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == "completed"
