"""Two professionals on one joint assessment at the same time, in two real browsers (issue #15):
the OT and the social worker each open it by clicking from their home page, each types into a
different part, both save, and both parts are kept; then both change the same outcome, and the
second sees a conflict screen with both values that keeps what she typed. axe on every page."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from caretrust.organisations.demo import DEMO_PASSWORD
from tests.factories import person_row


def _accepted_referral():
    from caretrust.organisations.models import Organisation, Team, User
    from caretrust.referrals import services as referrals

    person = person_row(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    gp, coordinator, ot = (User.objects.get(username=u) for u in ("gp", "coordinator", "ot"))
    referral = referrals.submit_professional_referral(
        actor=gp,
        person=person,
        source="gp",
        reason="Fell at home; lives alone with heart failure.",
        consent=True,
    )
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    return referral


def _sign_in(page, username: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def _open_the_assessment(page, reference: str, assert_accessible) -> None:
    """From the home page: Caseload → the referral → the joint assessment."""
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile(r"^Caseload")
    ).click()
    assert_accessible(page)
    page.get_by_role("row").filter(has_text=reference).get_by_role(
        "link", name=reference
    ).first.click()
    assert_accessible(page)
    link = page.get_by_role("link", name=re.compile("See the joint assessment"))
    if link.count() == 0:  # the OT holds it: she starts it from the referral page
        page.get_by_role("button", name="Start the joint assessment").click()
    else:
        link.click()
    expect(page.get_by_role("heading", name="Mary JONES")).to_be_visible()
    assert_accessible(page)


def test_two_people_save_the_joint_assessment_at_the_same_time(
    browser, live_server, demo_directory, assert_accessible
) -> None:
    referral = _accepted_referral()
    contexts = [
        browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
        for _ in range(2)
    ]
    try:
        ot, sw = (context.new_page() for context in contexts)
        for page in (ot, sw):
            page.set_default_timeout(30_000)
        _sign_in(ot, "ot")
        _open_the_assessment(ot, referral.reference, assert_accessible)
        _sign_in(sw, "socialworker")
        _open_the_assessment(sw, referral.reference, assert_accessible)

        # Different parts, both pages open on the same version: both are kept.
        ot.select_option("#outcome_hygiene", value="endangers_safety")
        sw.select_option("#outcome_nutrition", value="needs_assistance")
        ot.get_by_role("button", name="Save assessment").click()
        expect(ot.get_by_text("Assessment saved.")).to_be_visible()
        sw.get_by_role("button", name="Save assessment").click()
        expect(sw.get_by_text("Assessment saved.")).to_be_visible()
        assert_accessible(sw)
        expect(sw.locator("#outcome_hygiene")).to_have_value("endangers_safety")
        expect(sw.locator("#outcome_nutrition")).to_have_value("needs_assistance")

        # The same outcome, changed by both from the same version: the second sees both values
        # and keeps what she typed; nothing the first saved is lost.
        ot.reload()
        sw.reload()
        ot.select_option("#outcome_home_safety", value="endangers_safety")
        sw.select_option("#outcome_home_safety", value="significantly_longer")
        ot.get_by_role("button", name="Save assessment").click()
        expect(ot.get_by_text("Assessment saved.")).to_be_visible()
        sw.get_by_role("button", name="Save assessment").click()
        expect(sw.get_by_text("Someone else changed the same parts")).to_be_visible()
        expect(sw.get_by_text(re.compile("Saved by someone else")).first).to_be_visible()
        expect(sw.locator("#outcome_home_safety")).to_have_value("significantly_longer")
        assert_accessible(sw)
    finally:
        for context in contexts:
            context.close()

    from caretrust.assessments.models import Assessment

    saved = Assessment.objects.get(referral=referral).outcome_map()
    assert saved["hygiene"] == "endangers_safety"
    assert saved["nutrition"] == "needs_assistance"
    assert saved["home_safety"] == "endangers_safety"
