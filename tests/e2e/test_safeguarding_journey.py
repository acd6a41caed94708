"""Safeguarding adults in a real browser (issue 17), clicking only from each home page (signing in
is the only typed address), axe on every page:
the nurse raises a concern from Edith's visit on the visits list; the council's adult
safeguarding team (the social worker) finds it on Safeguarding, makes the s42 decision (the three
criteria), records what Edith wants to happen, the risk assessment and the plan, and concludes
the enquiry with Edith's outcomes recorded as achieved; then records the board's decision to
hold a Safeguarding Adults Review (ADR 104), which the analyst finds in the SAC figures (SG5)
beside Edith in SG1c."""

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


def answer(page, question: str, choice: str) -> None:
    page.get_by_role("group", name=re.compile(question)).get_by_label(choice, exact=True).check()


def test_a_concern_raised_on_a_visit_through_to_a_concluded_enquiry(page, assert_accessible):
    from caretrust.demo.scenario import load_demo_scenario

    assert load_demo_scenario()

    sign_in_as(page, "nurse")
    assert_accessible(page)
    menu(page).get_by_role("link", name="Visits").click()
    row = (
        page.get_by_role("row").filter(has_text="Community nursing").filter(has_text="Edith SMITH")
    )
    assert_accessible(page)
    row.get_by_role("link", name=re.compile("Raise a safeguarding concern")).click()
    expect(page.get_by_role("heading", name="Raise a safeguarding concern")).to_be_visible()
    expect(page.get_by_text("Raised from: Visit: Community nursing")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What has happened").fill(
        "Bruises on both forearms; Edith says a relative grabs her when he wants money."
    )
    page.get_by_label("Physical abuse").check()
    page.get_by_label("Financial or material abuse").check()
    page.get_by_label("Where did it happen").select_option(label="Own home")
    page.get_by_label("Other: known to the individual").check()
    page.get_by_label("What does the person want").fill("I want him to stop coming round.")
    page.get_by_role("button", name="Raise the concern").click()
    expect(
        page.get_by_text("Concern raised. Adult safeguarding team will decide by")
    ).to_be_visible()
    assert_accessible(page)

    sign_in_as(page, "socialworker")
    assert_accessible(page)
    menu(page).get_by_role("link", name="Safeguarding", exact=True).click()
    assert_accessible(page)
    page.get_by_role("table", name="Concerns awaiting a section 42 decision").get_by_role(
        "link", name="Edith SMITH"
    ).click()
    assert_accessible(page)
    page.get_by_role("link", name="Make the section 42 decision").click()
    assert_accessible(page)
    answer(page, r"^\(a\)", "Yes")
    page.get_by_label("Evidence for (a)").fill("Home care and community nursing for heart failure.")
    answer(page, r"^\(b\)", "Yes")
    page.get_by_label("Evidence for (b)").fill("Bruising; money missing from her purse.")
    answer(page, r"^\(c\)", "Yes")
    page.get_by_label("Evidence for (c)").fill("Cannot get away from him or refuse him.")
    answer(page, "What happens next", "Section 42 enquiry (all three criteria met)")
    page.get_by_label("Reasons for the decision").fill("All three criteria met.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The section 42 decision is recorded.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record what the person wants to happen").click()
    assert_accessible(page)
    page.get_by_label("Yes, they were asked and outcomes were expressed").check()
    page.get_by_label("The outcomes they want, in their own words").fill(
        "I want him to stop taking my money. I want to stay in my own home."
    )
    page.get_by_label("Did they lack capacity").select_option(
        label="No, they did not lack capacity"
    )
    page.get_by_role("button", name="Save their outcomes").click()
    assert_accessible(page)

    page.get_by_role("link", name="Record the risk assessment").click()
    assert_accessible(page)
    page.get_by_label("Risk assessment", exact=True).fill(
        "Nephew visits weekly; has her bank card."
    )
    page.get_by_label("Risk identified", exact=True).check()
    page.get_by_role("button", name="Save the risk assessment").click()
    assert_accessible(page)

    page.get_by_role("link", name="Add an action to the plan").click()
    assert_accessible(page)
    page.get_by_label("Action", exact=True).fill("Cancel the bank card; new card to Edith only")
    page.get_by_label("Who will do it").fill("Edith, with Grace Okafor")
    page.get_by_label("By when").fill("31/12/2030")
    page.get_by_role("button", name="Add the action").click()
    expect(
        page.get_by_role("cell", name="Cancel the bank card; new card to Edith only")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Conclude the enquiry").click()
    assert_accessible(page)
    answer(page, "Was action taken", "Yes")
    page.get_by_label("Risk reduced").check()
    page.get_by_label("Fully achieved").check()
    page.get_by_label("Outcome of the enquiry").fill("Card cancelled; Edith's money is safe.")
    page.get_by_role("button", name="Conclude the enquiry").click()
    expect(page.get_by_text("The enquiry is concluded.")).to_be_visible()
    expect(page.get_by_text("Enquiry concluded")).to_be_visible()
    expect(page.get_by_text("I want him to stop taking my money.")).to_be_visible()
    assert_accessible(page)

    # The Safeguarding Adults Board decides to hold a discretionary review (s44(4)) today.
    from caretrust import clock
    from caretrust.safeguarding.sac import FinancialYear

    today = clock.today()
    page.get_by_role("link", name="Record a Safeguarding Adults Review").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record the review").click()  # nothing chosen: refused
    expect(
        page.get_by_role("link", name="Choose whether the review is mandatory or discretionary")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Discretionary: section 44(4)").check()
    page.get_by_label("When did the Safeguarding Adults Board decide").fill(
        today.strftime("%d/%m/%Y")
    )
    answer(page, "Did the adult die", "No")
    page.get_by_role("button", name="Record the review").click()
    expect(
        page.get_by_text("The decision to hold a Safeguarding Adults Review is recorded.")
    ).to_be_visible()
    expect(page.get_by_text("Discretionary: section 44(4)")).to_be_visible()
    assert_accessible(page)

    # The analyst sees it counted in SG5 of this financial year, and Edith in SG1c.
    sign_in_as(page, "analyst")
    menu(page).get_by_role("link", name="Safeguarding Adults Collection").click()
    assert_accessible(page)
    label = FinancialYear.containing(today).label
    page.get_by_role("link", name=label, exact=True).click()
    figures = page.get_by_role("table", name=f"SAC figures {label}")
    expect(
        figures.get_by_role(
            "row", name="SG5a Discretionary: section 44(4) Where no individuals died 1"
        )
    ).to_be_visible()
    expect(
        figures.get_by_role("row", name="SG5b Individuals Who suffered serious harm and survived 1")
    ).to_be_visible()
    expect(figures.get_by_role("row", name=re.compile(r"^SG1c Not known "))).to_be_visible()
    assert_accessible(page)
