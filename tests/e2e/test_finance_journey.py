"""The finance officer's journey in a real browser (#18), clicking from the home page: she finds a
person waiting for a financial assessment, opens the plan's who-pays table (nothing decided yet),
records the assessment with money typed as people type it, reads the result in plain words, sees
the who-pays table change, and the person sees the same figures and letter in the portal."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from tests.factories import person_row


def _plan_waiting_for_assessment():
    from caretrust.careplans import services as plans
    from caretrust.organisations.demo import DEMO_PASSWORD
    from caretrust.organisations.models import Organisation, User
    from caretrust.people.models import Person
    from caretrust.portal.models import PersonPortalAccount

    person = person_row(
        given_name="Edna",
        family_name="Smythe",
        birth_date=date(1940, 3, 2),
        sex=Person.Sex.FEMALE,
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    gp = User.objects.get(username="gp")
    plan = plans.create_plan(actor=gp, person=person, review_date=date(2027, 3, 1))
    plan.refresh_from_db()
    plans.add_service(
        actor=gp,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=7,
        hours_per_visit=Decimal("1"),
        funding_stream="council",
        start=date(2026, 5, 1),
    )
    account = User.objects.create(username="edna", role=User.Role.PERSON, first_name="Edna")
    account.set_password(DEMO_PASSWORD)
    account.save()
    PersonPortalAccount.objects.create(
        user=account, person=person, relationship=PersonPortalAccount.Relationship.SELF
    )
    return person


def test_the_finance_officer_assesses_and_the_person_sees_the_same_figures(
    page, sign_in, assert_accessible
) -> None:
    _plan_waiting_for_assessment()
    sign_in(page, "finance")
    assert_accessible(page)
    page.get_by_role("link", name="People waiting for a financial assessment").click()
    waiting = page.get_by_role("table", name=re.compile("Waiting for a financial assessment"))
    row = waiting.get_by_role("row").filter(has_text="Edna SMYTHE")
    expect(row).to_contain_text("no financial assessment")
    assert_accessible(page)

    row.get_by_role("link", name=re.compile("^Who pays")).click()
    expect(page.locator("#who-pays")).to_contain_text("to be assessed")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Record a financial assessment")).click()

    page.get_by_label("Where is the care provided?").select_option("community")
    page.get_by_label("Day").fill("10")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Savings and investments (£)").fill("£16,000")
    page.get_by_label("State pension (£ a week)").fill("241.30")
    assert_accessible(page)
    page.get_by_role("button", name="Record the financial assessment").click()

    headline = page.locator(".nhsuk-lede-text")
    expect(headline).to_contain_text(re.compile(r"You pay at most £[\d,.]+ a week"))
    weekly = re.search(r"£([\d,]+\.\d\d) a week", headline.inner_text()).group(1)
    page.get_by_text("The rules behind each step").click()
    expect(page.get_by_text("SI 2014/2672 reg 25").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Who pays for Edna")).click()
    expect(page.locator("#who-pays")).not_to_contain_text("to be assessed")
    expect(page.get_by_text(f"£{weekly} a week")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, "edna")
    expect(page.get_by_text(f"You pay £{weekly} a week in all.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="How your financial assessment was worked out").click()
    expect(page.get_by_role("heading", name="Your financial assessment")).to_be_visible()
    expect(page.locator(".nhsuk-lede-text")).to_contain_text(f"£{weekly} a week")
    assert_accessible(page)


def test_the_pool_page_in_november_shows_a_projected_outturn_not_an_underspend_on_every_line(
    page, sign_in, assert_accessible, settings
) -> None:
    """#18 done-when: on 16 November the demo pool has seven complete months of spend (April to
    October) and few care plans. The page shows the forecast made at 31 October with spend
    projected at the recent rate for the five remaining months, the method, a RAG status per line
    and per partner and each partner's share of the pool's variance; not every line underspent."""
    from caretrust.funding.demo import load_demo_pool

    settings.CARETRUST_TODAY = "2026-11-16"
    load_demo_pool(date(2026, 11, 16))
    sign_in(page, "finance")
    assert_accessible(page)
    page.get_by_role("link", name="Pooled budgets").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Bayside Better Care Fund 2026/27").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Bayside Better Care Fund")
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("Forecast outturn at 31 October 2026")
    lines = page.get_by_role("table", name="Service lines")
    home_care = lines.get_by_role("row").filter(has_text="Home care")
    # Projected at the recent rate: a figure other than nothing for the five months to March.
    projected = home_care.get_by_role("cell").nth(3)
    expect(projected).not_to_have_text("£0.00")
    expect(home_care).to_contain_text("Red: overspend")
    statuses = lines.locator(".nhsuk-tag").all_inner_texts()
    assert len(statuses) == 5
    assert not all("underspend" in status for status in statuses), statuses
    partners = page.get_by_role("table", name="Partners")
    expect(
        partners.get_by_role("columnheader", name="Share of the pool's variance")
    ).to_be_visible()
    expect(page.get_by_text("The first £250,000 of an overspend is shared")).to_be_visible()
    page.get_by_text("How the forecast is made").click()
    expect(page.get_by_text(re.compile("mean of the last three months"))).to_be_visible()
    assert_accessible(page)
