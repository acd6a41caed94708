"""A daughter asks for help for her mother through the public form and follows it by its link."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_family_referral_without_an_account(page, assert_accessible) -> None:
    page.goto("/referrals/ask-for-help/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for care and support")
    assert_accessible(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("link", name="Tell us what help is needed")).to_be_visible()
    assert_accessible(page)
    page.check("input[name=source][value=family]")
    page.get_by_label("First name").fill("Edna")
    page.get_by_label("Last name").fill("Brown")
    page.get_by_label("Date of birth").fill("1938-01-02")
    page.get_by_label("Postcode").fill("TQ2 5XY")
    page.select_option("#locality", label="Torquay")
    page.get_by_label("What help is needed").fill("Mum is not coping at home since Dad died.")
    page.get_by_label("Your name").fill("Jane Brown")
    page.get_by_label("Your phone number or email").fill("07700 900123")
    page.check("input[name=consent]")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name=re.compile(r"Your request R-"))).to_be_visible()
    expect(page.get_by_text("Sent: waiting for a co-ordinator").first).to_be_visible()
    assert_accessible(page)
