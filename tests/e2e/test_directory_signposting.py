"""Signposting to the local services directory in a real browser (ADR 110): a co-ordinator
claims a GP's referral, searches the directory and signposts to a befriending service; the
voluntary organisation that runs it accepts from its in-tray; the GP sees the acceptance on
their referral. Signed in, the test only clicks (and types into the search box); axe on every
page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from caretrust.organisations.demo import DEMO_PASSWORD
from tests.factories import make_person, make_referral


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_signpost_to_a_directory_service_and_the_acceptance_reaches_the_gp(
    page, assert_accessible
) -> None:
    referral = make_referral(
        person=make_person(given_name="May", family_name="Lovell"),
        reason="Lonely since her husband died; not going out or eating well.",
    )
    reference = referral.reference

    # 1. The co-ordinator claims it, searches the directory and signposts to befriending.
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="Open the referrals worklist").click()
    row = page.get_by_role("row").filter(has_text=reference)
    row.get_by_role("button", name=f"Claim {reference}").click()
    expect(page.get_by_text(f"You have claimed {reference}.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Find a local service in the directory to signpost to").click()
    expect(page.get_by_role("heading", name="Find a local service")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Search for a local service").fill("lonely")
    page.get_by_role("button", name="Search the directory").click()
    expect(page.get_by_role("heading", name="1 service found")).to_be_visible()
    expect(page.get_by_text("People aged 60 and over living in Bayside")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Signpost to Telephone and home befriending").click()
    expect(
        page.get_by_text(
            "Signposted to Telephone and home befriending (Bayside Age Friendly Network): "
            "waiting for them to accept"
        ).first
    ).to_be_visible()
    assert_accessible(page)

    # 2. The voluntary organisation finds it in its in-tray and accepts it.
    sign_in_as(page, "voluntary")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile(r"^In-tray \(1\)")
    ).click()
    assert_accessible(page)
    page.get_by_role("row").filter(has_text=reference).get_by_role("link", name=reference).click()
    expect(
        page.get_by_role("heading", name="Accept for Telephone and home befriending")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept the referral").click()
    accepted = "Accepted by Bayside Age Friendly Network for Telephone and home befriending"
    expect(page.get_by_text(accepted).first).to_be_visible()
    assert_accessible(page)

    # 3. The GP who referred sees the acceptance on their referral.
    sign_in_as(page, "gp")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your referrals").click()
    expect(
        page.get_by_role("row").filter(has_text=reference).get_by_text("Completed")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text(accepted).first).to_be_visible()
    expect(
        page.get_by_text("Telephone and home befriending (Bayside Age Friendly Network)").first
    ).to_be_visible()
    assert_accessible(page)
