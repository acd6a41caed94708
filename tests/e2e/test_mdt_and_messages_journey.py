"""MDT meetings and secure messages in a real browser (issue #15, ADR 71), clicking from each home
page (signing in is the only typed address), with axe on every page:
- the OT sends the nurse a secure message about Edith from Edith's page;
- the co-ordinator (a member of the Torquay locality team) schedules an MDT meeting, finds a person
  from case finding on the agenda, records the discussion with its decision and an action for the
  nurse with a due date;
- the nurse sees the unread message count, reads the message, and finds the action as a task
  through her notifications."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from caretrust import clock
from caretrust.organisations.demo import DEMO_PASSWORD
from tests.factories import person_row


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def account(page):
    return page.get_by_role("navigation", name="Account")


def _someone_at_the_top_of_the_risk_list() -> None:
    """Walter Case, registered at a Torquay practice, at the top of today's risk list."""
    from caretrust.organisations.models import Organisation
    from caretrust.outcomes.models import RiskScore

    walter = person_row(
        given_name="Walter",
        family_name="Case",
        birth_date=date(1936, 6, 1),
        sex="male",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    RiskScore.objects.create(
        person=walter,
        score_date=clock.today(),
        model="demo",
        risk=0.97,
        rank_percentile=99.99,
        efi_category="severe",
    )


def test_an_mdt_meeting_from_case_finding_and_a_secure_message(page, assert_accessible) -> None:
    from caretrust.organisations.models import User
    from caretrust.web.demo_scenario import load_demo_scenario

    assert load_demo_scenario()
    _someone_at_the_top_of_the_risk_list()
    nurse = User.objects.get(username="nurse")
    priya = f"Priya Shah ({nurse.role_label})"
    sam = f"Sam Carter ({User.objects.get(username='coordinator').role_label})"

    # The OT writes to the nurse about Edith, from Edith's page.
    sign_in_as(page, "ot")
    assert_accessible(page)
    # Her row on "Your caseload" links to her page.
    page.get_by_role("link", name=re.compile(r"^Next review")).first.click()
    expect(page.get_by_role("heading", name="Edith SMITH")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Send a message about this person").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send the message").click()  # empty: the error pattern
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Send to").select_option(label=priya)
    page.get_by_label("Subject").fill("Edith's ankles")
    page.get_by_label("Message").fill("Swollen again today: could you look on Thursday's visit?")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_text("Message sent to Priya Shah")).to_be_visible()
    assert_accessible(page)

    # The co-ordinator holds the Torquay team's MDT meeting.
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="MDT meetings").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Schedule a meeting").click()
    assert_accessible(page)
    tomorrow = clock.today() + timedelta(days=1)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Time").fill("14:00")
    page.get_by_label("Where (optional)").fill("Torquay health centre, room 2")
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(
        page.get_by_text(re.compile(r"Meeting scheduled: \d+ people on the agenda"))
    ).to_be_visible()
    assert_accessible(page)
    row = page.get_by_role("row").filter(has_text="Walter CASE")
    expect(row).to_contain_text("Case finding")
    row.get_by_role("link", name="Walter CASE").click()
    assert_accessible(page)
    page.get_by_label(sam).check()
    page.get_by_label(priya).check()
    page.get_by_label("Note of the discussion").fill("Lives alone; two admissions since May.")
    page.get_by_label("Decision").fill("Offer case management and a joint assessment.")
    expect(page.get_by_label("Direct care (implied consent)")).to_be_checked()
    page.get_by_label("Action", exact=True).fill("Visit Walter to offer a joint assessment")
    page.get_by_label("Who will do it").select_option(label=priya)
    page.get_by_label("Due by").fill((clock.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Record the discussion").click()
    expect(page.get_by_text("Discussion recorded.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Visit Walter to offer a joint assessment")
    ).to_be_visible()
    assert_accessible(page)

    # The nurse: one unread message, and the action waits as a task.
    sign_in_as(page, "nurse")
    menu(page).get_by_role("link", name="Messages (1)").click()
    assert_accessible(page)
    page.get_by_role("link", name="Edith's ankles").click()
    expect(page.get_by_text("Swollen again today")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Messages (0)")).to_be_attached()
    assert_accessible(page)
    account(page).get_by_role("link", name=re.compile(r"^Notifications \(\d+\)")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Open: A task was assigned to you by Sam Carter").click()
    expect(
        page.get_by_role("heading", name="Visit Walter to offer a joint assessment")
    ).to_be_visible()
    assert_accessible(page)
    account(page).get_by_role("link", name="Settings").click()
    assert_accessible(page)
    page.get_by_label("A referral lands in your team's in-tray").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    assert_accessible(page)
