"""Two journeys of issue #15 in a real browser, from the home page by clicking only (signing in is
the only typed address), with axe on every page:
- the privacy officer reviews a break-glass access from the home page;
- the person and their authorised carer see the care plan in the portal.
(The nurse's missed visit and the co-ordinator's task: test_team_workspace_journeys.)"""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from caretrust.organisations.demo import DEMO_PASSWORD


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_the_privacy_officer_reviews_a_break_glass_access_from_home(
    page, assert_accessible
) -> None:
    from caretrust.access.services import break_glass
    from caretrust.organisations.models import User
    from caretrust.people.fhir_patient import Demographics
    from caretrust.people.services import create_person

    # Set-up through the services: a nurse with no relationship to Ken opens his record.
    admin = User.objects.get(username="admin")
    ken = create_person(
        actor=admin,
        demographics=Demographics(
            given_name="Ken",
            family_name="Ashby",
            birth_date=date(1938, 2, 3),
            sex="male",
            postcode="TQ4 5AA",
            gp_practice_code="DEMO-GP3",
        ),
    )
    break_glass(
        actor=User.objects.get(username="nurse"),
        person=ken,
        justification="public_interest",
        reason="Police called: Ken found on the floor at home, needs his medication list now",
    )

    sign_in_as(page, "privacy")
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Break-glass reviews"
    ).click()
    expect(page.get_by_role("heading", name="To review (1)")).to_be_visible()
    card = page.locator(".nhsuk-card").filter(has_text="Ken ASHBY")
    expect(card.get_by_text("Police called: Ken found on the floor")).to_be_visible()
    assert_accessible(page)
    card.get_by_label("Appropriate", exact=True).check()
    card.get_by_label("Notes").fill("Checked with the duty nurse: safeguarding call, appropriate")
    card.get_by_role("button", name="Record review").click()
    expect(
        page.get_by_text(re.compile("Review recorded for .* access to Ken ASHBY"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="To review (0)")).to_be_visible()
    expect(page.get_by_role("heading", name="Recently reviewed")).to_be_visible()
    assert_accessible(page)


def test_the_person_and_their_carer_see_the_plan_in_the_portal(page, assert_accessible) -> None:
    from caretrust.web.demo_scenario import load_demo_scenario

    assert load_demo_scenario()

    sign_in_as(page, "edith")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your care")
    expect(page.get_by_role("heading", name="Your care plan")).to_be_visible()
    expect(page.get_by_text("“I want to stay in my own home”")).to_be_visible()
    expect(page.get_by_role("heading", name="Home care")).to_be_visible()
    expect(page.get_by_role("heading", name="Who is visiting")).to_be_visible()
    assert_accessible(page)

    sign_in_as(page, "susan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edith’s care")
    expect(page.get_by_role("heading", name="The care plan")).to_be_visible()
    expect(page.get_by_text("“I want to stay in my own home”")).to_be_visible()
    expect(page.get_by_role("heading", name="Community nursing")).to_be_visible()
    assert_accessible(page)
