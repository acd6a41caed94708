"""Team workspace journeys in a real browser (issue #15), clicking from each home page (signing in
is the only typed address) with axe on every page:
- a nurse sees today's visits, records Edith's nursing visit as missed, and a task appears for the
  co-ordinator, who opens it from their Tasks;
- an administrator adds a new OT to the Brixham team.
(GP refers → co-ordinator routes → OT accepts from the in-tray → assessment: test_one_door_journey.)"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from caretrust.organisations.demo import DEMO_PASSWORD


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def test_a_nurse_records_a_missed_visit_and_the_co_ordinator_gets_a_task(
    page, assert_accessible
) -> None:
    from caretrust.demo.scenario import load_demo_scenario

    assert load_demo_scenario()

    sign_in_as(page, "nurse")
    expect(page.get_by_role("heading", name="Today's visits")).to_be_visible()
    assert_accessible(page)
    menu(page).get_by_role("link", name="Visits").click()
    row = (
        page.get_by_role("row").filter(has_text="Community nursing").filter(has_text="Edith SMITH")
    )
    expect(row).to_have_count(1)
    assert_accessible(page)
    row.get_by_text("Missed").first.click()
    row.get_by_label("Why was it missed?").fill(
        "No answer; neighbour says she went to her daughter's"
    )
    row.get_by_role("button", name=re.compile("Record as missed")).click()
    expect(page.get_by_text("A task has gone to the plan's co-ordinator")).to_be_visible()
    assert_accessible(page)

    sign_in_as(page, "coordinator")
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
    menu(page).get_by_role("link", name=re.compile(r"^Tasks \(1\)")).click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Missed visit: Community nursing")).click()
    expect(page.get_by_text("No answer; neighbour says").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Take this task").click()
    page.get_by_label("What was done (optional)").fill("Rang Susan: Edith is staying with her.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Task done.")).to_be_visible()
    assert_accessible(page)


def test_an_administrator_adds_a_new_ot_to_the_brixham_team(page, assert_accessible) -> None:
    sign_in_as(page, "admin")
    page.get_by_role("link", name="Staff and teams").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Add a staff account").click()
    assert_accessible(page)
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Costa")
    page.get_by_label("User name").fill("acosta")
    page.get_by_label("Email").fill("ana.costa@example.org")
    page.select_option("#role", label="Practitioner")
    page.select_option("#profession", label="Occupational therapist")
    page.select_option("#organisation", label="Bayside Health and Care NHS Trust")
    page.select_option("#team", label="Brixham locality team")
    page.get_by_label(re.compile("First password")).fill("a-long-first-password-42")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("Account created for Ana Costa and added to Brixham")).to_be_visible()
    expect(page.get_by_role("heading", name="Ana Costa")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to staff and teams").click()
    teams = page.get_by_role("table", name="Teams and their members")
    expect(
        teams.get_by_role("row")
        .filter(has_text="Brixham locality team")
        .get_by_role("link", name="Ana Costa")
    ).to_be_visible()
    assert_accessible(page)
