"""The social worker, after the demo story (Edith referred to the Torquay team), reaches by
clicking from her home page: a carer's assessment for Susan with Susan's own support plan; and a
best-interests decision for Edith with the capacity assessment it rests on, and Susan's LPA."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def story(demo_directory):
    from caretrust.portal.demo import load_demo_people
    from caretrust.web.demo_scenario import load_demo_scenario

    edith = load_demo_people()
    assert load_demo_scenario()
    return edith


def _open_edith(page, edith, assert_accessible) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Smith")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=edith.display_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(edith.display_name)
    assert_accessible(page)


def test_a_carers_assessment_with_its_own_plan(page, assert_accessible, sign_in, story) -> None:
    sign_in(page, "socialworker")
    assert_accessible(page)
    _open_edith(page, story, assert_accessible)

    # Susan is known as Edith's authorised carer in the portal: record her as a carer.
    page.get_by_role("link", name="Susan Smith (authorised carer in the portal)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a carer")
    assert_accessible(page)
    expect(page.get_by_label("Carer's name")).to_have_value("Susan Smith")
    page.get_by_label("Yes: they will have their own assessment and plan").check()
    page.get_by_label("Carer's first name").fill("")
    page.get_by_role("button", name="Add the carer").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Carer's first name").fill("Susan")
    page.get_by_label("Hours spent caring each week (about)").fill("35")
    page.get_by_label("Carer's date of birth (for example 15/03/1962)").fill("01/02/1968")
    page.get_by_role("button", name="Add the carer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Susan Smith")
    expect(page.get_by_role("link", name="Susan SMITH")).to_be_visible()  # her own record
    assert_accessible(page)

    page.get_by_role("link", name="Start a carer's assessment").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start the carer's assessment").click()
    expect(page.get_by_text("Being assessed")).to_be_visible()
    assert_accessible(page)

    # Deciding before every outcome is recorded is refused, naming what is missing.
    page.get_by_role("button", name="Decide eligibility").click()
    expect(
        page.get_by_role("alert").get_by_text("Managing and maintaining nutrition")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("What matters to the carer (in their words)").fill("Keeping my job")
    page.get_by_label("Do the carer's needs arise from providing necessary care").select_option(
        "yes"
    )
    page.get_by_label("Is the carer's physical or mental health deteriorating").select_option("yes")
    for outcome in (
        "Carrying out any caring responsibilities the carer has for a child",
        "Providing care to other persons for whom the carer provides care",
        "Maintaining a habitable home environment in the carer's home",
        "Managing and maintaining nutrition",
        "Developing and maintaining family or other personal relationships",
        "Making use of necessary facilities or services in the local community, including "
        "recreational facilities or services",
        "Engaging in recreational activities",
    ):
        page.get_by_label(outcome, exact=True).select_option("able")
    page.get_by_label("Engaging in work, training, education or volunteering").select_option(
        "pain_distress_anxiety"
    )
    page.get_by_label("Is there, or is there likely to be, a significant impact").select_option(
        "yes"
    )
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("The carer's assessment is saved.")).to_be_visible()
    page.get_by_role("button", name="Decide eligibility").click()
    expect(page.get_by_text("Eligible needs")).to_be_visible()
    expect(page.get_by_text("Condition 2 met")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("The carer's goals (one a line, in their words)").fill(
        "Keep working at the library\nA day to myself each week"
    )
    page.get_by_label("Support to add").fill("Day centre for Edith on Wednesdays")
    page.get_by_label("Who the support is given to").select_option("cared_for")
    page.get_by_label("Who provides it").fill("Torbay day services")
    page.get_by_label("How often (for example: one day a week)").fill("Weekly")
    page.get_by_role("button", name="Save the support plan").click()
    expect(page.get_by_role("cell", name="Day centre for Edith on Wednesdays")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Agree the support plan").click()
    expect(page.get_by_text("The carer's support plan is agreed.")).to_be_visible()
    expect(page.get_by_text("Support plan agreed").first).to_be_visible()
    assert_accessible(page)

    # Back on Edith's page, Susan is in the Carers section, linking to her carer's record.
    page.get_by_role("link", name="Back to Susan Smith").click()
    page.get_by_role("link", name=re.compile("^Back to Edith")).click()
    expect(page.get_by_text("carer's assessment: support plan agreed")).to_be_visible()
    assert_accessible(page)


def test_a_best_interests_decision_with_its_capacity_assessment(
    page, assert_accessible, sign_in, story
) -> None:
    sign_in(page, "socialworker")
    _open_edith(page, story, assert_accessible)

    page.get_by_role("link", name="Record a best-interests decision").click()
    expect(page.get_by_text("There is no such assessment for Edith")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Record a capacity assessment").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record the capacity assessment").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The decision the person needs to make").fill(
        "Whether to accept carers twice a day or move to a care home"
    )
    page.get_by_label("What kind of decision is it?").select_option("care_plan")
    page.get_by_label("What was done to help the person make the decision").fill(
        "Explained with pictures in the morning, with Susan present"
    )
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("The impairment or disturbance").fill("Vascular dementia")
    page.get_by_label("Unable to retain that information").check()
    page.get_by_label("Unable to use or weigh that information").check()
    page.get_by_label("Why they are unable (or able) to make the decision").fill(
        "Could not recall either option after five minutes"
    )
    page.get_by_role("button", name="Record the capacity assessment").click()
    expect(page.get_by_text("Lacks capacity for this decision")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record a best-interests decision for this").click()
    assert_accessible(page)
    page.get_by_label("The decision taken in the person's best interests").fill(
        "Carers twice a day at home, reviewed in six weeks"
    )
    page.get_by_label("The person's wishes and feelings").fill("Has always said: stay at home")
    page.get_by_label("Who was consulted").fill("Susan (daughter) agrees; the district nurse")
    page.get_by_label("Less restrictive options considered").fill(
        "Telecare alone: not enough for her medication"
    )
    page.get_by_role("button", name="Record the best-interests decision").click()
    expect(page.get_by_text("Carers twice a day at home, reviewed in six weeks")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Whether to accept carers twice a day").click()
    expect(page.get_by_text("Lacks capacity for this decision")).to_be_visible()

    page.get_by_role("link", name="Back to the record").click()
    page.get_by_role("link", name="Record a lasting power of attorney").click()
    assert_accessible(page)
    page.get_by_label("Lasting power of attorney: health and welfare").check()
    page.get_by_label("Attorney's or deputy's name").fill("Susan Smith")
    page.get_by_label("Registered with the Office of the Public Guardian").fill("14/02/2023")
    page.get_by_label("OPG or Court of Protection reference").fill("7000-1234-5678")
    page.get_by_label("Their portal sign-in").select_option(label="Susan Smith")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Susan Smith for"))
    assert_accessible(page)


def test_a_case_finding_referral_records_who_agreed_and_how(
    page, assert_accessible, sign_in, demo_directory
) -> None:
    from datetime import date

    from caretrust.outcomes.models import RiskScore
    from caretrust.portal.demo import load_demo_people

    edith = load_demo_people()
    RiskScore.objects.create(
        person=edith, score_date=date(2026, 11, 1), model="test", risk=0.4, rank_percentile=99.5
    )
    sign_in(page, "gp")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Case finding").click()
    assert_accessible(page)
    page.get_by_role("link", name=f"Refer {edith.display_name} to the co-ordinators").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    # In her best interests needs a recorded capacity assessment: there is none.
    page.get_by_label("They cannot decide about it").check()
    page.get_by_label("By phone").check()
    page.get_by_label("When (for example 01/12/2026)").fill("01/12/2026")
    page.get_by_role("button", name="Send the referral").click()
    expect(
        page.get_by_role("alert").get_by_text(re.compile("needs a recorded capacity assessment"))
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Yes: they (or their attorney or deputy) agreed").check()
    page.get_by_label("Who agreed (for example: Edith herself)").fill("Edith herself")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text(re.compile("was referred to the co-ordinators"))).to_be_visible()
    assert_accessible(page)
    referral = edith.referrals.get()
    assert referral.consent_record.given_by == "Edith herself"
    assert referral.consent_record.method == "phone"
