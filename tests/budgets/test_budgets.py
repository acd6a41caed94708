"""Personal budgets (Care Act 2014 s26), direct payments (s31-33) and deferred payment agreements
(s34-36) through the services, as the finance officer makes them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access.models import AuditEvent
from caretrust.budgets import selectors, services
from caretrust.budgets.models import DirectPaymentAgreement, Mechanism, Recovery
from caretrust.careplans import services as plans
from caretrust.funding.planning import plan_charges
from caretrust.funding.services import record_financial_assessment
from caretrust.organisations.models import Organisation
from tests.factories import make_person, routed_referral

pytestmark = pytest.mark.django_db

COMMUNITY = {
    "nation": "england",
    "date": "2026-11-10",
    "setting": "community",
    "person": {"age": 86, "couple": False, "premiums": []},
    "capital": [{"kind": "savings", "value": "16000.00", "joint_owners": 1}],
    "income": [{"kind": "state_pension", "weekly": "241.30"}],
    "night_care_provided": False,
    "housing_costs_weekly": "0.00",
    "dre_weekly": None,
}


@pytest.fixture
def agreed_plan(user_for, decide_eligible, settings):
    """An agreed plan: home care (council, means-tested), equipment (free), community nursing
    (NHS): the budget is the home care; the equipment a one-off; the nursing other public money."""
    settings.CARETRUST_TODAY = "2026-11-02"
    person = make_person(given_name="Peggy", family_name="Budd", birth_date=date(1940, 3, 2))
    referral = routed_referral(person=person)
    decide_eligible(person)
    coordinator = user_for("coordinator")
    plan = plans.create_plan(actor=coordinator, person=person, referral=referral)
    homecare = Organisation.objects.get(code="DEMO-HOMECARE")
    trust = Organisation.objects.get(code="DEMO-TRUST")
    for kind, stream, org, extra in (
        ("home_care", "council", homecare, {"frequency": 7, "hours_per_visit": Decimal("1")}),
        ("equipment", "minor_adaptation", trust, {"per": "once"}),
        ("community_nursing", "nhs", trust, {"frequency": 2}),
    ):
        plan.refresh_from_db()
        plans.add_service(
            actor=coordinator,
            plan=plan,
            expected_version=plan.version,
            kind=kind,
            provider_organisation=org,
            funding_stream=stream,
            start=date(2026, 11, 2),
            **extra,
        )
    plan.refresh_from_db()
    return plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)


def _assess(user_for, who, **changes):
    return record_financial_assessment(
        actor=user_for("finance"), person=who, inputs={**COMMUNITY, **changes}
    )


def test_the_budget_is_the_engines_answer_grouped_as_s26_says(agreed_plan, user_for) -> None:
    budget = selectors.personal_budget(agreed_plan)
    assert not budget.assessed and budget.person_weekly is None
    _assess(user_for, agreed_plan.person)
    budget = selectors.personal_budget(agreed_plan)
    charges = plan_charges(agreed_plan)
    home_care = next(line for line in charges.lines if line.funding_stream == "council")
    equipment = next(line for line in charges.lines if line.funding_stream == "minor_adaptation")
    nursing = next(line for line in charges.lines if line.funding_stream == "nhs")
    assert budget.weekly_total == home_care.weekly_cost
    assert budget.person_weekly == home_care.person
    assert budget.council_weekly == home_care.council
    assert budget.person_weekly + budget.council_weekly == budget.weekly_total
    assert budget.one_off_total == equipment.one_off_cost
    assert budget.nhs_weekly == nursing.nhs
    assert [line.mechanism for line in budget.lines] == [
        Mechanism.COUNCIL_MANAGED,
        Mechanism.COMMISSIONED,
    ]
    assert [line.charge.funding_stream for line in budget.other_lines] == ["nhs"]


def _home_care(plan):
    return plan.services.get(kind="home_care")


def test_a_direct_payment_pays_the_councils_part_every_four_weeks(agreed_plan, user_for) -> None:
    finance = user_for("finance")
    with pytest.raises(ValidationError, match="choose which first"):
        services.set_up_direct_payment(
            actor=finance,
            plan=agreed_plan,
            recipient="person",
            recipient_name="",
            requested_on=date(2026, 11, 2),
            start=date(2026, 11, 2),
            frequency_weeks=4,
            contingency_weeks=4,
            conditions_met=True,
        )
    services.set_line_delivery(
        actor=finance, service=_home_care(agreed_plan), mechanism=Mechanism.DIRECT_PAYMENT
    )
    with pytest.raises(ValidationError, match="record the financial assessment first"):
        services.set_up_direct_payment(
            actor=finance,
            plan=agreed_plan,
            recipient="person",
            recipient_name="",
            requested_on=date(2026, 11, 2),
            start=date(2026, 11, 2),
            frequency_weeks=4,
            contingency_weeks=4,
            conditions_met=True,
        )
    _assess(user_for, agreed_plan.person)
    with pytest.raises(ValidationError) as refused:
        services.set_up_direct_payment(
            actor=finance,
            plan=agreed_plan,
            recipient="nominee",
            recipient_name=" ",
            requested_on=date(2026, 11, 2),
            start=date(2026, 11, 2),
            frequency_weeks=4,
            contingency_weeks=4,
            conditions_met=False,
        )
    assert set(refused.value.message_dict) == {"conditions_met", "recipient_name"}

    agreement = services.set_up_direct_payment(
        actor=finance,
        plan=agreed_plan,
        recipient="nominee",
        recipient_name="Sam Budd",
        requested_on=date(2026, 11, 2),
        start=date(2026, 11, 2),
        frequency_weeks=4,
        contingency_weeks=4,
        conditions_met=True,
    )
    line = next(c for c in plan_charges(agreed_plan).lines if c.funding_stream == "council")
    assert (agreement.gross_weekly, agreement.person_weekly, agreement.weekly_amount) == (
        line.weekly_cost,
        line.person,
        line.council,
    )
    assert agreement.payment_amount == line.council * 4
    assert agreement.first_review_by == date(2027, 5, 2)  # within 6 months (DP Regs reg 7)
    schedule = services.schedule(agreement, date(2026, 12, 31))
    assert [p.due for p in schedule] == [date(2026, 11, 2), date(2026, 11, 30), date(2026, 12, 28)]
    assert AuditEvent.objects.filter(object_type="budgets.directpaymentagreement").exists()

    # The agreed amounts stay as agreed when a later assessment changes the person's part.
    _assess(user_for, agreed_plan.person, date="2026-11-20", capital=[])
    agreement.refresh_from_db()
    assert agreement.weekly_amount == line.council
    # ... and the lines cannot be changed under it.
    with pytest.raises(ValidationError, match="End it before"):
        services.set_line_delivery(
            actor=finance, service=_home_care(agreed_plan), mechanism=Mechanism.COUNCIL_MANAGED
        )


def test_a_monitoring_return_works_out_the_recovery_and_it_is_recorded_once(
    agreed_plan, user_for, settings
) -> None:
    finance = user_for("finance")
    _assess(user_for, agreed_plan.person)
    services.set_line_delivery(
        actor=finance, service=_home_care(agreed_plan), mechanism=Mechanism.DIRECT_PAYMENT
    )
    agreement = services.set_up_direct_payment(
        actor=finance,
        plan=agreed_plan,
        recipient="person",
        recipient_name="",
        requested_on=date(2026, 11, 2),
        start=date(2026, 11, 2),
        frequency_weeks=4,
        contingency_weeks=4,
        conditions_met=True,
    )
    settings.CARETRUST_TODAY = "2026-12-27"
    # 2 Nov to 27 Dec: 8 weeks; payments on 2 and 30 Nov (28 Dec is after the period).
    paid = agreement.payment_amount * 2
    contributions = agreement.person_weekly * 8
    spent = Decimal("100.00")
    balance = paid + contributions - spent
    record = services.record_monitoring_return(
        actor=finance,
        agreement=agreement,
        period_start=date(2026, 11, 2),
        period_end=date(2026, 12, 27),
        spent=spent,
        balance=balance,
    )
    assert record.paid_in == paid
    assert record.expected_balance == balance
    assert record.contingency == agreement.weekly_amount * 4
    assert record.recovery_due == balance - agreement.weekly_amount * 4
    with pytest.raises(ValidationError, match="start the next one after it"):
        services.record_monitoring_return(
            actor=finance,
            agreement=agreement,
            period_start=date(2026, 12, 1),
            period_end=date(2026, 12, 27),
            spent=spent,
            balance=balance,
        )
    with pytest.raises(PermissionDenied):
        services.record_recovery(actor=user_for("socialworker"), monitoring_return=record)
    recovery = services.record_recovery(actor=finance, monitoring_return=record)
    assert recovery.amount == record.recovery_due
    with pytest.raises(ValidationError, match="already been recorded"):
        services.record_recovery(actor=finance, monitoring_return=record)
    assert Recovery.objects.count() == 1


def test_only_a_social_worker_or_finance_officer_arranges_a_budget(agreed_plan, user_for) -> None:
    with pytest.raises(PermissionDenied):
        services.set_line_delivery(
            actor=user_for("ot"), service=_home_care(agreed_plan), mechanism="direct_payment"
        )
    assert not DirectPaymentAgreement.objects.exists()


# Deferred payment agreements --------------------------------------------------------------------

CARE_HOME = {
    "nation": "england",
    "date": "2024-06-01",
    "setting": "care_home",
    "person": {"age": 84, "couple": False, "premiums": []},
    "capital": [
        {"kind": "savings", "value": "10000.00", "joint_owners": 1},
        {
            "kind": "main_home",
            "value": "250000.00",
            "joint_owners": 1,
            "qualifying_relative_lives_there": False,
        },
    ],
    "income": [{"kind": "state_pension", "weekly": "221.20"}],
    "night_care_provided": False,
    "housing_costs_weekly": "0.00",
    "dre_weekly": None,
    "weeks_since_permanent_admission": 13,
}


@pytest.fixture
def care_home_resident(user_for, settings):
    settings.CARETRUST_TODAY = "2024-07-15"
    person = make_person(given_name="Harold", family_name="Deffer", birth_date=date(1940, 1, 5))
    gp = user_for("gp")
    plan = plans.create_plan(actor=gp, person=person, review_date=date(2024, 12, 1))
    plan.refresh_from_db()
    plans.add_service(
        actor=gp,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        funding_stream="council",
        start=date(2024, 6, 1),
    )
    return person


def _agreement(user_for, person, **changes):
    fields = {
        "agreed_on": date(2024, 6, 17),
        "deferral_start": date(2024, 6, 17),
        "care_home_weekly_fee": Decimal("900.00"),
        "property_address": "4 Quay Lane, Torquay",
        "property_value": Decimal("250000"),
        "encumbrances": Decimal("0"),
        "land_registry_title": "DN123456",
        "charge_registered_on": date(2024, 6, 28),
        "council_rate": None,
    }
    return services.make_deferred_payment_agreement(
        actor=user_for("finance"), person=person, **{**fields, **changes}
    )


def test_a_deferred_payment_agreement_defers_the_fee_less_the_income_contribution(
    care_home_resident, user_for
) -> None:
    """Worked case (charging.md "Care homes", England 2024/25): capital other than the home
    £10,000 is below the lower limit (£14,250), so no tariff income; contribution = state pension
    £221.20 − personal expenses allowance £30.15 = £191.05 a week (SI 2014/2672 reg 6). The fee
    £900.00 − £191.05 = £708.95 is deferred each week; to 15 July 2024 it is £3,550.51 with
    interest (test_arithmetic's worked case)."""
    _assess(user_for, care_home_resident, **CARE_HOME)
    # The administration costs paid separately (SI 2014/2671 reg 10(2)): the amount deferred is
    # the fees and their interest alone (test_deferred_payment_admin_costs adds them).
    agreement = _agreement(user_for, care_home_resident, admin_costs_paid_separately=True)
    assert agreement.weekly_contribution == Decimal("191.05")
    assert agreement.weekly_deferred == Decimal("708.95")
    assert all(check["met"] for check in agreement.eligibility)
    statement = services.deferred_statement(agreement, date(2024, 7, 15))
    assert statement.total == Decimal("3550.51")
    assert services.lower_capital_limit(date(2024, 6, 17)) == Decimal("14250")


def test_a_deferred_payment_needs_the_conditions_and_a_rate_within_the_maximum(
    care_home_resident, user_for
) -> None:
    _assess(user_for, care_home_resident, **{**CARE_HOME, "setting": "community"})
    with pytest.raises(ValidationError, match="Needs are met in a care home"):
        _agreement(user_for, care_home_resident)
    relative = [
        CARE_HOME["capital"][0],
        {**CARE_HOME["capital"][1], "qualifying_relative_lives_there": True},
    ]
    _assess(
        user_for, care_home_resident, **{**CARE_HOME, "date": "2024-06-02", "capital": relative}
    )
    with pytest.raises(ValidationError, match="The home is counted"):
        _agreement(user_for, care_home_resident)
    rich = [{"kind": "savings", "value": "30000.00", "joint_owners": 1}, CARE_HOME["capital"][1]]
    _assess(user_for, care_home_resident, **{**CARE_HOME, "date": "2024-06-03", "capital": rich})
    with pytest.raises(ValidationError, match="upper capital limit"):
        _agreement(user_for, care_home_resident)
    _assess(user_for, care_home_resident, **{**CARE_HOME, "date": "2024-06-04"})
    with pytest.raises(ValidationError) as refused:
        _agreement(user_for, care_home_resident, council_rate=Decimal("4.70"))
    assert "4.65%" in refused.value.message_dict["council_rate"][0]
    with pytest.raises(PermissionDenied):
        services.make_deferred_payment_agreement(
            actor=user_for("socialworker"),
            person=care_home_resident,
            agreed_on=date(2024, 6, 17),
            deferral_start=date(2024, 6, 17),
            care_home_weekly_fee=Decimal("900"),
            property_address="x",
            property_value=Decimal("1"),
            encumbrances=Decimal("0"),
            land_registry_title="x",
            charge_registered_on=date(2024, 6, 17),
            council_rate=None,
        )
    agreement = _agreement(user_for, care_home_resident, council_rate=Decimal("4.50"))
    assert agreement.council_rate == Decimal("4.50")
    assert agreement.agreed_on + timedelta(days=28) == date(2024, 7, 15)


def test_the_person_and_their_carer_see_the_same_budget_in_the_portal(
    agreed_plan, user_for
) -> None:
    from caretrust.organisations.models import User
    from caretrust.portal.models import PersonPortalAccount
    from caretrust.portal.presenters import portal_home

    _assess(user_for, agreed_plan.person)
    budget = selectors.personal_budget(agreed_plan)
    accounts = {}
    for username, relationship in (("peggy", "self"), ("sam", "carer")):
        accounts[username] = User.objects.create(
            username=username, role=User.Role.PERSON if relationship == "self" else User.Role.CARER
        )
        PersonPortalAccount.objects.create(
            user=accounts[username], person=agreed_plan.person, relationship=relationship
        )
    own = portal_home(accounts["peggy"]).budget
    carer = portal_home(accounts["sam"]).budget
    assert own["summary"].startswith(f"Your personal budget is £{budget.weekly_total:,.2f} a week")
    assert f"You pay £{budget.person_weekly:,.2f} a week" in own["summary"]
    assert carer["summary"].startswith(f"Peggy’s personal budget is £{budget.weekly_total:,.2f}")
    assert f"Peggy pays £{budget.person_weekly:,.2f} a week" in carer["summary"]
    assert f"the council pays £{budget.council_weekly:,.2f} a week" in carer["summary"]
    assert [line["how"] for line in carer["lines"]] == [
        "Council-managed budget",
        "Commissioned by the council",
    ]
