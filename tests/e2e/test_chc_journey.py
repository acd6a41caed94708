"""Issue #17 item 3 in a real browser, clicking from each home page (signing in is the only
typed address), axe on every page: a nurse completes a CHC checklist (positive) and the DST with
the MDT; the ICB's decision-maker finds the case on the 28-day worklist and records "eligible";
the co-ordinator then adds a CHC-funded line to the person's plan and it is accepted
(pathways.md §3: "Never mark a line CHC-funded without a current ICB decision")."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from caretrust.chc import rules


@pytest.fixture
def rose(demo_directory, settings):
    from tests.factories import make_person, make_plan, routed_referral

    settings.CARETRUST_TODAY = "2026-03-10"
    person = make_person(given_name="Rose", family_name="Penhallow", birth_date=date(1936, 2, 9))
    referral = routed_referral(person=person)
    make_plan(referral=referral)
    return person


def sign_in_as(sign_in, page, username: str) -> None:
    """Sign out (a fresh session) and in again as another demo user, through the form."""
    page.context.clear_cookies()
    sign_in(page, username)
    page.wait_for_url(re.compile(r"/$"))


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def open_person(page, assert_accessible) -> None:
    menu(page).get_by_role("link", name="People").click()
    page.get_by_label("Name").fill("Penhallow")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    page.get_by_role("link", name="Rose PENHALLOW").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rose PENHALLOW")
    assert_accessible(page)


def test_checklist_dst_icb_decision_then_a_chc_funded_plan_line(
    page, assert_accessible, sign_in, rose
) -> None:
    # 1. The community nurse: the checklist from the person's page.
    sign_in_as(sign_in, page, "nurse")
    open_person(page, assert_accessible)
    page.get_by_role("link", name="NHS Continuing Healthcare").click()
    expect(page.get_by_text(re.compile("No current eligibility decision"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the checklist").click()  # nothing scored yet
    expect(page.get_by_text("Choose A, B or C for breathing").first).to_be_visible()
    assert_accessible(page)
    scores = {"behaviour": "A", "cognition": "A", "mobility": "B"}
    for key in rules.CHECKLIST_DOMAINS:
        page.select_option(f"#checklist_{key}", value=scores.get(key, "C"))
    page.get_by_role("button", name="Record the checklist").click()
    expect(page.get_by_text(re.compile("The 28-day clock has started"))).to_be_visible()
    expect(page.get_by_role("heading", name="Checklist: positive")).to_be_visible()
    expect(
        page.get_by_text(re.compile("Day 0 of 28.*decision due by 07 April 2026"))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    assert_accessible(page)

    # ... and the full assessment with the MDT: twelve domains.
    levels = {"behaviour": "priority", "cognition": "severe", "mobility": "high"}
    for key in rules.DST_DOMAINS:
        page.select_option(f"#dst_{key}", value=levels.get(key, "low"))
    page.get_by_label(re.compile("The multidisciplinary team")).fill(
        "Priya Shah, community nurse\nGrace Okafor, social worker"
    )
    page.select_option("#recommendation", value="eligible")
    page.get_by_label(re.compile("The MDT's reasons")).fill(
        "Unpredictable behaviour needing skilled intervention day and night."
    )
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_text("Assessment recorded. The ICB decides next.")).to_be_visible()
    expect(page.get_by_text(re.compile("The levels indicate: expected"))).to_be_visible()
    assert_accessible(page)

    # 2. The ICB's CHC decision-maker: the worklist of open cases, then the decision.
    sign_in_as(sign_in, page, "chc")
    assert_accessible(page)
    menu(page).get_by_role("link", name="Continuing Healthcare").click()
    row = page.get_by_role("row").filter(has_text="Rose PENHALLOW")
    expect(row.get_by_text("07 Apr 2026")).to_be_visible()
    assert_accessible(page)
    row.get_by_role("link", name="Rose PENHALLOW").click()
    page.select_option("#decision", value="eligible")
    page.get_by_label(re.compile("Reasons")).fill(
        "A primary health need: the intensity and unpredictability of her needs."
    )
    page.get_by_label(re.compile("Your role")).fill("ICB CHC clinical lead")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(page.get_by_role("heading", name="The ICB's decision: Eligible")).to_be_visible()
    expect(page.get_by_text("Next review due 10 June 2026.")).to_be_visible()
    assert_accessible(page)

    # 3. The co-ordinator adds a CHC-funded line to her plan: accepted.
    sign_in_as(sign_in, page, "coordinator")
    open_person(page, assert_accessible)
    page.get_by_role("link", name=re.compile(r"^Care plan \(draft")).click()
    assert_accessible(page)
    page.get_by_text("Add a service", exact=True).click()
    page.select_option("#kind", label="Community nursing")
    page.select_option("#provider_organisation", label="Bayside Health and Care NHS Trust")
    page.select_option("#provider_team", label="Torquay locality team")
    page.get_by_label("How many visits").fill("7")
    page.select_option("#per", value="week")
    page.get_by_label("Start date").fill((date(2026, 3, 10) + timedelta(days=1)).isoformat())
    page.select_option("#funding_stream", value="nhs_chc")
    page.get_by_role("button", name="Add service").click()
    expect(page.get_by_text("Care plan saved.")).to_be_visible()
    expect(page.get_by_text("NHS Continuing Healthcare").first).to_be_visible()
    assert_accessible(page)
