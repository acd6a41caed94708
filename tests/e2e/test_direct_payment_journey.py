"""A direct payment in a real browser (#18 item 4), clicking from the home page: the finance officer
opens the personal budgets, finds a person with an agreed plan, reads the personal budget (Care Act
2014 s26), takes the home care as a direct payment, sets up the agreement (s31) with its 4-weekly
payments, records a monitoring return and the recovery of the money above the contingency; the
social worker changes it to fortnightly payments; the person sees the same budget in the portal;
the finance officer ends it and the home care goes back to a council-managed budget (ADR 105).
axe on every page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect


def _agreed_plan_with_assessment(user_for, decide_eligible):
    from caretrust.careplans import services as plans
    from caretrust.funding.services import record_financial_assessment
    from caretrust.organisations.demo import DEMO_PASSWORD
    from caretrust.organisations.models import Organisation, User
    from caretrust.portal.models import PersonPortalAccount
    from tests.factories import make_person, routed_referral

    person = make_person(given_name="Peggy", family_name="Budd", birth_date=date(1940, 3, 2))
    referral = routed_referral(person=person)
    decide_eligible(person)
    coordinator = user_for("coordinator")
    plan = plans.create_plan(actor=coordinator, person=person, referral=referral)
    plan.refresh_from_db()
    plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=7,
        hours_per_visit=Decimal("1"),
        funding_stream="council",
        start=date(2026, 11, 2),
    )
    plan.refresh_from_db()
    plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    record_financial_assessment(
        actor=user_for("finance"),
        person=person,
        inputs={
            "nation": "england",
            "date": "2026-11-10",
            "setting": "community",
            "person": {"age": 86, "couple": False, "premiums": []},
            "capital": [{"kind": "savings", "value": "16000.00", "joint_owners": 1}],
            "income": [{"kind": "state_pension", "weekly": "241.30"}],
            "night_care_provided": False,
            "housing_costs_weekly": "0.00",
            "dre_weekly": None,
        },
    )
    account = User.objects.create(username="peggy", role=User.Role.PERSON, first_name="Peggy")
    account.set_password(DEMO_PASSWORD)
    account.save()
    PersonPortalAccount.objects.create(
        user=account, person=person, relationship=PersonPortalAccount.Relationship.SELF
    )
    return person


def test_a_direct_payment_is_set_up_monitored_and_seen_in_the_portal(
    page, sign_in, assert_accessible, user_for, decide_eligible, settings
) -> None:
    settings.CARETRUST_TODAY = "2026-11-16"
    _agreed_plan_with_assessment(user_for, decide_eligible)
    sign_in(page, "finance")
    assert_accessible(page)
    page.get_by_role("link", name="Personal budgets and direct payments").click()
    expect(page.get_by_role("heading", name="Personal budgets", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Personal budget for Peggy BUDD").click()

    budget = page.locator("#personal-budget")
    expect(budget).to_contain_text(re.compile(r"Personal budget\s*£[\d,]+\.\d\d a week"))
    total = re.search(r"Personal budget\s*£([\d,]+\.\d\d)", budget.inner_text()).group(1)
    person_part = re.search(r"The person pays\s*£([\d,]+\.\d\d)", budget.inner_text()).group(1)
    assert_accessible(page)
    page.get_by_label("How is home care delivered?").select_option("direct_payment")
    page.get_by_role("button", name="Save how home care is delivered").click()
    expect(page.locator("#budget-lines")).to_contain_text("Direct payment")
    assert_accessible(page)

    page.get_by_label("Who receives the payments?").select_option("person")
    page.get_by_label(re.compile("^The person asked for direct payments")).check()
    page.get_by_role("button", name="Set up the direct payment").click()
    expect(page.get_by_text("The direct payment agreement is set up.")).to_be_visible()
    expect(page.locator("#direct-payment")).to_contain_text(
        "every 4 weeks, in advance, from 16 November 2026"
    )
    schedule = page.locator("#payment-schedule")
    expect(schedule).to_contain_text("14 December 2026")
    payment = re.search(
        r"£([\d,]+\.\d\d) every 4 weeks", page.locator("#direct-payment").inner_text()
    ).group(1)
    assert_accessible(page)

    # The period so far (the first payment, 16 November): spent £50, £1,000.00 in the account.
    page.get_by_label("Spent in the period (£)").fill("£50")
    page.get_by_label("Balance on the account at the end of the period (£)").fill("1,000.00")
    page.get_by_role("button", name="Record the monitoring return").click()
    expect(
        page.get_by_text(re.compile(r"Monitoring return recorded\. To recover: £"))
    ).to_be_visible()
    returns = page.locator("#monitoring-returns")
    expect(returns).to_contain_text(f"£{payment}")  # the council's payment in the period
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Record the recovery of £")).click()
    expect(page.get_by_text(re.compile(r"Recovery of £[\d,]+\.\d\d recorded\."))).to_be_visible()
    expect(returns).to_contain_text("Recovery recorded")
    assert_accessible(page)

    # Paid every 2 weeks from 23 November (ADR 105): the 16 November payment covers to 13
    # December, so the first fortnightly payment is on 14 December; the old terms are kept.
    # The social worker makes the change, from their caseload through the person and the plan.
    fortnightly = f"{Decimal(payment.replace(',', '')) / 2:,.2f}"
    page.context.clear_cookies()
    sign_in(page, "socialworker")
    page.get_by_role("link", name="Your caseload").first.click()
    page.get_by_role("link", name="Peggy BUDD").first.click()
    page.get_by_role("link", name=re.compile(r"^Care plan \(agreed")).first.click()
    page.get_by_role("link", name="Personal budget and direct payments").click()
    expect(page.locator("#personal-budget")).to_contain_text(f"£{total} a week")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Direct payment agreement")).click()
    page.get_by_role("link", name="Change the amount or how often it is paid").click()
    expect(page.get_by_role("heading", name="Change the direct payment")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Day").fill("23")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("How often is it paid from that date?").select_option("2")
    page.get_by_label("Why does it change?").fill("Peggy asked to be paid every fortnight")
    page.get_by_role("button", name="Change the direct payment").click()
    expect(
        page.get_by_text(f"From 23 November 2026 the council pays £{fortnightly} every 2 weeks.")
    ).to_be_visible()
    expect(page.locator("#direct-payment-changes")).to_contain_text("every 4 weeks")
    expect(page.locator("#payment-schedule")).to_contain_text("28 December 2026")
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, "peggy")
    portal = page.locator("#portal-budget")
    expect(portal).to_contain_text(f"Your personal budget is £{total} a week")
    expect(portal).to_contain_text(f"You pay £{person_part} a week")
    expect(page.get_by_text(f"The council pays £{fortnightly} every 2 weeks")).to_be_visible()
    assert_accessible(page)

    # The direct payment ends: no payment after 31 December, the home care is council-managed.
    page.context.clear_cookies()
    sign_in(page, "finance")
    page.get_by_role("link", name="Personal budgets and direct payments").click()
    page.get_by_role("link", name="Personal budget for Peggy BUDD").click()
    page.get_by_role("link", name=re.compile("^Direct payment agreement")).click()
    page.get_by_role("link", name="End the direct payment").click()
    expect(page.get_by_role("heading", name="End the direct payment")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Why does it end?").select_option("needs_changed")
    page.get_by_role("button", name="End the direct payment").click()
    expect(page.locator("#direct-payment-ended")).to_contain_text(
        "the last day paid for is 31 December 2026"
    )
    expect(page.locator("#payment-schedule")).not_to_contain_text("11 January 2027")
    assert_accessible(page)
    page.get_by_role("link", name="Personal budget for Peggy BUDD").click()
    expect(page.get_by_label("How is home care delivered?")).to_have_value("council_managed")
    expect(
        page.get_by_role("link", name="Direct payment from 16 November 2026 to 31 December 2026")
    ).to_be_visible()
    assert_accessible(page)
