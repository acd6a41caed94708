"""Surveys and scorecard in a real browser: Edith answers "Your say" from her portal home, a
co-ordinator answers the pulse survey from the header, and the analyst reads the scorecard; axe on
every page."""

from __future__ import annotations

from playwright.sync_api import expect


def test_people_and_staff_answer_and_the_analyst_reads_the_scorecard(
    page, assert_accessible, sign_in, settings, tmp_path
) -> None:
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    sign_in(page, "edith")
    page.get_by_role("link", name="Tell us about your care and support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your say about your care and support"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "group", name="How much control do you feel you have over your daily life?"
    ).get_by_label("Enough", exact=True).check()
    page.get_by_role("group", name="Does the support you get help you to feel safe?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are counted for this month.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "coordinator")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Pulse survey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integration pulse survey")
    page.get_by_role(
        "group", name="I know whom to contact in the other partner organisations"
    ).get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are counted for this month.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "analyst")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Scorecard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scorecard")
    table = page.get_by_role("table", name="Success measures: latest value against target")
    # one answer is a count of 1: suppressed, so the measure shows no value
    expect(
        table.get_by_role("row", name="Staff who know whom to contact across the partners")
    ).to_contain_text("suppressed")
    assert_accessible(page)
