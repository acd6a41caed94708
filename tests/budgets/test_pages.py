"""The deferred payment pages as the finance officer uses them: the worklist names the care home
resident, the form shows the conditions and records the agreement, the statement shows the
amount deferred to a date with the national maximum rates and their sources."""

from __future__ import annotations

import pytest
from django.test import Client

from caretrust.budgets.models import DeferredPaymentAgreement
from tests.budgets.test_budgets import (  # noqa: F401
    CARE_HOME,
    _assess,
    agreed_plan,
    care_home_resident,
)

pytestmark = pytest.mark.django_db

FORM = {
    "agreed_on_day": "17",
    "agreed_on_month": "6",
    "agreed_on_year": "2024",
    "deferral_start_day": "17",
    "deferral_start_month": "6",
    "deferral_start_year": "2024",
    "care_home_weekly_fee": "£900",
    "property_address": "4 Quay Lane, Torquay",
    "property_value": "250,000",
    "encumbrances": "",
    "land_registry_title": "DN123456",
    "charge_registered_on_day": "28",
    "charge_registered_on_month": "6",
    "charge_registered_on_year": "2024",
    "council_rate": "",
    "valuation_fee": "£326",
    "land_registry_fee": "",
}


def test_the_finance_officer_makes_a_deferred_payment_agreement_and_reads_its_statement(
    care_home_resident,  # noqa: F811
    user_for,
) -> None:
    _assess(user_for, care_home_resident, **CARE_HOME)
    client = Client()
    client.force_login(user_for("finance"))
    worklist = client.get("/budgets/").content.decode()
    assert "Permanent care home residents (1)" in worklist
    url = f"/budgets/people/{care_home_resident.ref}/deferred-payment/"
    assert f'href="{url}"' in worklist
    page = client.get(url).content.decode()
    assert page.count("Met:") == 3 and "£191.05 a week" in page

    refused = client.post(url, {**FORM, "council_rate": "5"})
    assert refused.status_code == 400
    assert "national maximum for the period, 4.65%" in refused.content.decode()

    response = client.post(url, FORM)
    agreement = DeferredPaymentAgreement.objects.get()
    assert (
        response.status_code == 302
        and response.url == f"/budgets/deferred-payments/{agreement.pk}/"
    )
    statement = client.get(response.url + "?on=2024-07-15").content.decode()
    # The worked case of test_deferred_payment_admin_costs: fees £3,544.75, the council's set-up
    # fee £800.00 and the valuation £326.00 added on 17 June, interest £9.52: £4,680.27.
    assert "£4,680.27" in statement and "£9.52" in statement and "£1,126.00" in statement
    assert "Setting up the agreement" in statement and "Valuing the home (at cost)" in statement
    assert "4.05%" in statement and "legislation.gov.uk/uksi/2014/2671/regulation/9" in statement
    # Equity limit: £250,000 − 10% − £14,250 lower capital limit = £210,750.00.
    assert "£210,750.00" in statement
    assert client.get(response.url + "?on=15th").status_code == 400
    assert Client().get(response.url).status_code == 302  # signed out: to sign-in


def test_a_social_worker_cannot_see_a_deferred_payment_agreement(
    care_home_resident,  # noqa: F811
    user_for,
) -> None:
    _assess(user_for, care_home_resident, **CARE_HOME)
    client = Client()
    client.force_login(user_for("socialworker"))
    assert (
        client.get(f"/budgets/people/{care_home_resident.ref}/deferred-payment/").status_code == 403
    )
    assert client.get("/budgets/").status_code == 403


def test_the_direct_payment_is_changed_and_ended_from_its_page(
    agreed_plan,  # noqa: F811
    user_for,
) -> None:
    """Through the pages (ADR 105): the direct payment page links to both forms; a form with a
    problem says which field; the end takes effect and the budget page lists the ended one."""
    from datetime import date

    from caretrust.budgets.models import DirectPaymentAgreement, Mechanism
    from tests.budgets.test_direct_payment_changes import _set_up

    plan = agreed_plan
    _assess(user_for, plan.person)
    agreement = _set_up(plan, user_for("finance"))
    client = Client()
    client.force_login(user_for("socialworker"))
    page = client.get(f"/budgets/direct-payments/{agreement.pk}/").content.decode()
    change_url = f"/budgets/direct-payments/{agreement.pk}/change/"
    end_url = f"/budgets/direct-payments/{agreement.pk}/end/"
    assert f'href="{change_url}"' in page and f'href="{end_url}"' in page
    assert client.get(change_url).status_code == 200
    refused = client.post(
        change_url,
        {
            "effective_from_day": "1",
            "effective_from_month": "10",
            "effective_from_year": "2026",
            "frequency_weeks": "2",
            "reason": "",
        },
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Say why the direct payment changes." in body
    changed = client.post(
        change_url,
        {
            "effective_from_day": "30",
            "effective_from_month": "11",
            "effective_from_year": "2026",
            "frequency_weeks": "2",
            "reason": "Asked to be paid fortnightly",
        },
    )
    assert changed.status_code == 302
    page = client.get(changed.url).content.decode()
    assert "Asked to be paid fortnightly" in page and 'id="direct-payment-changes"' in page
    ended = client.post(
        end_url,
        {
            "end_date_day": "13",
            "end_date_month": "12",
            "end_date_year": "2026",
            "reason": "person_asked",
            "note": "",
        },
    )
    assert ended.status_code == 302
    agreement = DirectPaymentAgreement.objects.get(pk=agreement.pk)
    assert agreement.status == "ended" and agreement.end_date == date(2026, 12, 13)
    page = client.get(ended.url).content.decode()
    assert "Ended: the last day paid for is 13 December 2026" in page
    assert f'href="{change_url}"' not in page
    budget = client.get(f"/budgets/plans/{plan.uuid}/").content.decode()
    assert "Direct payment from 2 November 2026 to 13 December 2026" in budget
    assert plan.services.get(kind="home_care").delivery.mechanism == Mechanism.COUNCIL_MANAGED
    client.force_login(user_for("ot"))
    assert client.get(change_url).status_code == 403
