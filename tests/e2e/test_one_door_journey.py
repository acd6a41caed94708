"""The one-door journey in a real browser: a GP refers Edith Smith (85, lives alone, heart failure)
after a fall; a co-ordinator claims and triages it as urgent and routes it to the locality team; the
OT accepts it from the team in-tray and takes it on; she and a social worker complete one joint
assessment; a care plan with home care and equipment is
agreed; a duplicate OT visit is flagged and merged; the GP sees the referral completed; Edith sees
her plan. Every main page is checked for accessibility."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from caretrust.organisations.demo import DEMO_PASSWORD


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_one_door_from_gp_referral_to_edith_seeing_her_plan(page, assert_accessible) -> None:
    today = timezone.localdate()

    # 1. The GP refers Edith after a fall. She is already in the people index: the duplicate
    #    check finds her and the GP chooses her record.
    sign_in_as(page, "gp")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Refer a person").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Enter their last name")).to_be_visible()
    assert_accessible(page)
    page.check("input[name=source][value=gp]")
    page.get_by_label("First name").fill("Edith")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Date of birth").fill("1941-04-18")
    page.get_by_label("Postcode").fill("TQ1 2BB")
    page.select_option("#gp_practice", label="Harbour Medical Practice")
    page.get_by_label("What has happened and what help is needed").fill(
        "Fell at home last night, no fracture. 85, lives alone, heart failure. Struggling to wash and get upstairs."
    )
    page.get_by_label("What matters to the person").fill("To stay in my own home with my cat")
    page.check("input[name=lives_alone][value=yes]")
    page.check("input[name=requested_urgency][value=urgent]")
    page.check("input[name=consent]")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("This person may already be known")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile(r"Edith SMITH, born 18 April 1941")).check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    reference = re.search(r"R-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content()).group(0)
    assert_accessible(page)

    # 2. The co-ordinator claims it from the worklist, triages it as urgent and routes it.
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="Open the referrals worklist").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row.get_by_text("Edith SMITH")).to_be_visible()
    assert_accessible(page)
    row.get_by_role("button", name=f"Claim {reference}").click()
    expect(page.get_by_text(f"You have claimed {reference}.")).to_be_visible()
    page.check("input[name=urgency][value=urgent]")
    page.get_by_role("button", name="Save urgency").click()
    expect(page.get_by_text("Triaged as urgent").first).to_be_visible()
    page.select_option("#route-route_to", label="Torquay locality team")
    page.get_by_role("button", name="Route referral").click()
    expect(page.get_by_text("Routed to Torquay locality team").first).to_be_visible()
    assert_accessible(page)

    # 3. The OT (NHS trust) finds it in the team in-tray, accepts it for the team and takes it on
    #    herself (which opens Edith's record to the team), then starts the joint assessment.
    sign_in_as(page, "ot")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile(r"^In-tray \(1\)")
    ).click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row.get_by_text("Edith SMITH")).to_be_visible()
    assert_accessible(page)
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_text("waiting for them to accept").first).to_be_visible()
    page.get_by_role("button", name="Accept and allocate").click()
    expect(page.get_by_text("Accepted by Torquay locality team").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Start the joint assessment").click()
    expect(page.get_by_role("heading", name="Edith SMITH")).to_be_visible()
    page.select_option("#section", value="therapy")
    page.get_by_label("Your contribution").fill("Cannot get in or out of the bath; stairs unsafe.")
    page.get_by_role("button", name="Add contribution").click()
    page.select_option("#impairment", value="yes")
    page.fill("#impairment_details", "Heart failure; fall with bruising")
    page.select_option("#outcome_hygiene", value="needs_assistance")
    page.select_option("#outcome_home_safety", value="endangers_safety")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Assessment saved.")).to_be_visible()
    assert_accessible(page)

    # ... and the social worker (council) adds to the same assessment and decides eligibility.
    # The team's caseload shows who has it; the social worker opens it from there.
    sign_in_as(page, "socialworker")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile(r"^Caseload")
    ).click()
    team_row = page.get_by_role("row").filter(has_text=reference)
    expect(team_row.get_by_text("Tom Hughes")).to_be_visible()
    assert_accessible(page)
    team_row.get_by_role("link", name=reference).click()
    page.get_by_role("link", name=re.compile("See the joint assessment")).click()
    page.select_option("#section", value="social_care")
    page.get_by_label("Your contribution").fill("Not eating well since the fall; lonely.")
    page.get_by_role("button", name="Add contribution").click()
    page.select_option("#outcome_nutrition", value="needs_assistance")
    # Every outcome is recorded before a decision: one not assessed is never "able" (issue #16).
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
    page.get_by_role("button", name="Save assessment").click()
    page.get_by_role("button", name="Record eligibility decision").click()
    expect(page.get_by_text("Eligible needs").first).to_be_visible()
    expect(page.get_by_text(re.compile("Condition 2 met: unable to achieve 3"))).to_be_visible()
    expect(page.get_by_text("Bayside Council Adult Social Care").first).to_be_visible()
    assert_accessible(page)

    # 4. The co-ordinator puts the care plan together: home care and equipment, plus the health OT.
    sign_in_as(page, "coordinator")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Worklist").click()
    page.get_by_label("Show").select_option("open")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Start the care plan").click()
    expect(page.get_by_text("“To stay in my own home with my cat”")).to_be_visible()

    def add_service(
        kind,
        provider,
        start,
        funding,
        *,
        frequency="1",
        per="week",
        team=None,
        visit_kind=None,
        hours=None,
        details="",
    ):
        page.get_by_text("Add a service", exact=True).click()
        page.select_option("#kind", label=kind)
        page.get_by_label("Details (optional)").fill(details)
        page.select_option("#provider_organisation", label=provider)
        if team:
            page.select_option("#provider_team", label=team)
        page.get_by_label("How many visits").fill(frequency)
        page.select_option("#per", value=per)
        if hours:
            page.get_by_label("Hours per visit (optional)").fill(hours)
        page.get_by_label("Start date").fill(start.isoformat())
        if visit_kind:
            page.select_option("#visit_kind", label=visit_kind)
        page.select_option("#funding_stream", value=funding)
        page.get_by_role("button", name="Add service").click()
        expect(page.get_by_text("Care plan saved.")).to_be_visible()

    add_service(
        "Home care",
        "Coastline Home Care Ltd",
        today,
        "council",
        frequency="2",
        per="day",
        hours="0.5",
        team="Coastline Home Care carers",
    )
    add_service(
        "Occupational therapy",
        "Bayside Health and Care NHS Trust",
        today + timedelta(days=2),
        "nhs",
        per="once",
        team="Torquay locality team",
    )
    add_service(
        "Equipment",
        "Bayside Council Adult Social Care",
        today + timedelta(days=3),
        "minor_adaptation",
        per="once",
        visit_kind="Occupational therapy home assessment",
        details="Bath lift and stair rail",
        team="Council equipment and adaptations service",
    )
    page.get_by_role("button", name="Agree the plan and plan the visits").click()
    expect(page.get_by_text("The care plan is agreed")).to_be_visible()
    # 5. Both OTs planned a home assessment within days of each other: flagged and merged.
    expect(page.get_by_role("heading", name="Possible duplicate visits")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Merge into one joint visit")).click()
    expect(page.get_by_text(re.compile("Merged into one joint visit"))).to_be_visible()
    assert page.get_by_role("heading", name="Possible duplicate visits").count() == 0
    expect(
        page.get_by_text(re.compile(r"joint visit with Bayside Council Adult Social Care"))
    ).to_be_visible()

    # 6. The GP sees the referral completed, with every step (the closed loop).
    sign_in_as(page, "gp")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your referrals").click()
    expect(
        page.get_by_role("row").filter(has_text=reference).get_by_text("Completed")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    for step in [
        "Triaged as urgent",
        "Routed to Torquay locality team",
        "Accepted by Torquay locality team",
        "Joint assessment under way",
        "Care plan agreed",
    ]:
        expect(page.get_by_text(step).first).to_be_visible()
    assert_accessible(page)

    # 7. Edith sees her plan in plain language, who is visiting, and who looked at her record.
    sign_in_as(page, "edith")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your care")
    expect(page.get_by_text("“To stay in my own home with my cat”")).to_be_visible()
    expect(page.get_by_role("heading", name="Home care")).to_be_visible()
    expect(page.get_by_role("heading", name="Equipment")).to_be_visible()
    expect(
        page.get_by_text(re.compile("one joint visit, together with Bayside Council"))
    ).to_be_visible()
    expect(
        page.get_by_role("cell", name=re.compile("Tom Hughes, Occupational therapist")).first
    ).to_be_visible()
    assert_accessible(page)
