"""Issue #16 in a real browser, clicking from each home page (signing in is the only typed
address), axe on every page:
- a joint assessment: the OT and the social worker record it; the GP who referred sees it but has
  no Decide button; the social worker decides eligibility and opens the written record;
- a review found in the team's "due" list (today set by CARETRUST_TODAY) changes the plan."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

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


def _referred(user_for, family_name: str):
    from caretrust.organisations.models import Organisation, Team
    from caretrust.referrals import services as referrals

    person = person_row(
        given_name="Iris",
        family_name=family_name,
        birth_date=date(1938, 7, 1),
        sex="female",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Struggling at home since her husband died.",
        what_matters="To keep my garden and see my grandchildren.",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    return referral


def test_a_social_worker_decides_a_joint_assessment_a_gp_cannot(
    page, assert_accessible, user_for
) -> None:
    from caretrust.assessments import services as assessments

    referral = _referred(user_for, "Penrose")
    assessments.start_assessment(actor=user_for("ot"), person=referral.person, referral=referral)

    # The OT records the therapy side from their caseload.
    sign_in_as(page, "ot")
    assert_accessible(page)
    page.get_by_role("link", name="Your caseload").first.click()
    assert_accessible(page)
    page.get_by_role("link", name=referral.reference).first.click()
    page.get_by_role("link", name=re.compile("See the joint assessment")).click()
    expect(page.get_by_role("heading", name="Before eligibility can be decided")).to_be_visible()
    assert_accessible(page)
    page.select_option("#section", value="therapy")
    page.get_by_label("Your contribution").fill("Cannot get in the bath; stairs unsafe at night.")
    page.get_by_role("button", name="Add contribution").click()
    page.select_option("#impairment", value="yes")
    page.select_option("#outcome_hygiene", value="needs_assistance")
    page.get_by_label("Notes and evidence: maintaining personal hygiene").fill(
        "Seen: cannot step over the bath side; strip washes at the sink"
    )
    page.select_option("#outcome_home_safety", value="endangers_safety")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Assessment saved.")).to_be_visible()
    assert_accessible(page)

    # The GP who referred can see it from their referrals, but may not decide.
    sign_in_as(page, "gp")
    menu(page).get_by_role("link", name="Your referrals").click()
    page.get_by_role("link", name=referral.reference).click()
    page.get_by_role("link", name=re.compile("See the joint assessment")).click()
    expect(page.get_by_text("Cannot get in the bath").first).to_be_visible()
    expect(page.get_by_role("button", name="Record eligibility decision")).to_have_count(0)
    assert_accessible(page)

    # The social worker completes the outcomes and decides.
    sign_in_as(page, "socialworker")
    page.get_by_role("link", name="Your caseload").first.click()
    page.get_by_role("link", name=referral.reference).first.click()
    page.get_by_role("link", name=re.compile("See the joint assessment")).click()
    page.select_option("#section", value="social_care")
    page.get_by_label("Your contribution").fill("Lonely since bereavement; meals skipped.")
    page.get_by_role("button", name="Add contribution").click()
    page.get_by_role("button", name="Record eligibility decision").click()
    # Not everything is recorded yet: the decision is refused, naming what is missing.
    expect(page.get_by_text(re.compile("Managing toilet needs")).first).to_be_visible()
    assert_accessible(page)
    page.select_option("#outcome_nutrition", value="needs_assistance")
    for outcome in (
        "toilet",
        "clothing",
        "habitable_home",
        "relationships",
        "work_education",
        "community",
        "caring_for_child",
    ):
        page.select_option(f"#outcome_{outcome}", value="able")
    page.select_option("#needs_fluctuate", value="no")
    page.select_option("#significant_impact", value="yes")
    page.get_by_label("What they want to achieve").fill("To keep my garden going")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Assessment saved.")).to_be_visible()
    page.get_by_role("button", name="Record eligibility decision").click()
    expect(page.get_by_text("Eligible needs").first).to_be_visible()
    expect(page.get_by_text(re.compile("Condition 2 met: unable to achieve 3"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("The written record")).click()
    expect(page.get_by_text("To keep my garden going")).to_be_visible()
    expect(page.get_by_text("You have eligible needs under the Care Act 2014.")).to_be_visible()
    assert_accessible(page)


@pytest.fixture
def agreed_plan(user_for, decide_eligible, settings):
    """A plan agreed on 10 February 2026 (its first review is due 24 March to 7 April)."""
    from caretrust.careplans import services as plans
    from caretrust.organisations.models import Organisation

    settings.CARETRUST_TODAY = "2026-02-10"
    referral = _referred(user_for, "Quayle")
    decide_eligible(referral.person)
    coordinator = user_for("coordinator")
    plan = plans.create_plan(actor=coordinator, person=referral.person, referral=referral)
    plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        per="day",
        start=date(2026, 2, 11),
        funding_stream="council",
    )
    plan.refresh_from_db()
    return plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)


def test_a_review_from_the_teams_due_list_changes_the_plan(
    page, assert_accessible, agreed_plan, settings
) -> None:
    settings.CARETRUST_TODAY = "2026-04-09"  # two days past the first review's window
    sign_in_as(page, "socialworker")
    page.get_by_role("link", name="Reviews due and overdue").first.click()
    row = page.get_by_role("row").filter(has_text="Iris QUAYLE")
    expect(row.get_by_text("Overdue by 2 days")).to_be_visible()
    assert_accessible(page)
    row.get_by_role("link", name=re.compile("Iris")).click()
    expect(page.get_by_text(re.compile("due from 24 March 2026, by 07 April 2026"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("Enter who took part in the review").first).to_be_visible()
    assert_accessible(page)
    page.select_option("#method", value="face_to_face")
    page.get_by_label("Who took part").fill("Iris Quayle; her son Tom; Grace Okafor")
    page.select_option("#person_took_part", value="yes")
    page.select_option("#outcomes_met", value="partially")
    page.get_by_label("What changes (optional)").fill("Lunch club on Tuesdays")
    goals = page.get_by_label(re.compile("The plan's goals after the review"))
    goals.fill(goals.input_value() + "\nTo go to the lunch club on Tuesdays")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("Review recorded.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("The care plan")).click()
    expect(page.get_by_text("“To go to the lunch club on Tuesdays”")).to_be_visible()
    expect(page.get_by_text(re.compile("Reviewed on 09 Apr 2026: Lunch club"))).to_be_visible()
    expect(page.get_by_text(re.compile("Due 12 March 2027 to 09 April 2027"))).to_be_visible()
    assert_accessible(page)
