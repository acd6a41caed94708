"""A double-handed service (two workers at every visit, careplans migration 0003) costs two
workers' time wherever a visit is costed (ADR 105): the catalogue's price, the who-pays table and
the charge worked out from it, the personal budget, and the pooled budget's commitments (its
delivered visits are already one per worker: test_pool_visits_and_risk)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from caretrust.budgets.selectors import personal_budget
from caretrust.careplans import services as plans
from caretrust.careplans.funding_facts import active_plan_costs
from caretrust.funding.catalogue import load
from caretrust.funding.planning import plan_charges
from caretrust.funding.services import record_financial_assessment
from caretrust.organisations.models import Organisation, Team
from tests.factories import make_person, routed_referral

D = Decimal


def test_a_double_handed_hour_costs_twice_a_single_handed_one() -> None:
    catalogue = load()
    one = catalogue.price(kind="home_care", frequency=1, per="week", hours_per_visit=D("1"))
    two = catalogue.price(
        kind="home_care", frequency=1, per="week", hours_per_visit=D("1"), workers=2
    )
    # £28.50 an hour (the demo catalogue): one worker £28.50, two workers £57.00.
    assert (one.weekly, two.weekly) == (D("28.50"), D("57.00"))
    assert "2 workers (double-handed)" in two.explanation
    daily = catalogue.price(kind="home_care", frequency=2, per="day", hours_per_visit=D("0.5"))
    doubled = catalogue.price(
        kind="home_care", frequency=2, per="day", hours_per_visit=D("0.5"), workers=2
    )
    assert doubled.weekly == 2 * daily.weekly == D("399.00")
    # One delivered visit is one worker's: a double-handed call is two of them.
    assert catalogue.per_visit("home_care", D("1")) == D("28.50")


@pytest.mark.django_db
def test_the_who_pays_table_and_the_charge_price_the_second_worker(
    settings, user_for, decide_eligible
) -> None:
    """Two home-care services, one hour a day each, one by one worker and one double-handed:
    7 × £28.50 = £199.50 a week and 7 × 2 × £28.50 = £399.00 a week. With a financial
    assessment the charge is worked out on £598.50 a week, and each line's person + council
    parts add up to its (doubled) cost."""
    settings.CARETRUST_TODAY = "2026-11-02"
    coordinator = user_for("coordinator")
    referral = routed_referral(person=make_person(family_name="Twohands"))
    decide_eligible(referral.person)
    plan = plans.create_plan(actor=coordinator, person=referral.person, referral=referral)
    for workers in (1, 2):
        plan.refresh_from_db()
        plans.add_service(
            actor=coordinator,
            plan=plan,
            expected_version=plan.version,
            kind="home_care",
            provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
            provider_team=Team.objects.get(code="coastline-carers"),
            workers_needed=workers,
            per="day",
            hours_per_visit=D("1"),
            funding_stream="council",
            start=date(2026, 11, 2),
        )
    plan.refresh_from_db()
    plan = plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    single, double = plan_charges(plan).lines
    assert (single.weekly_cost, double.weekly_cost) == (D("199.50"), D("399.00"))
    assert double.weekly_cost == 2 * single.weekly_cost
    assert "2 workers (double-handed)" in double.price_explanation

    record_financial_assessment(
        actor=user_for("finance"),
        person=plan.person,
        inputs={
            "nation": "england",
            "date": "2026-11-02",
            "setting": "community",
            "person": {"age": 86, "couple": False, "premiums": []},
            "capital": [{"kind": "savings", "value": "30000.00", "joint_owners": 1}],
            "income": [{"kind": "state_pension", "weekly": "241.30"}],
            "night_care_provided": False,
            "housing_costs_weekly": "0.00",
            "dre_weekly": None,
        },
    )
    charges = plan_charges(plan)
    # Capital above the upper limit: a full-cost payer pays the whole (doubled) cost.
    assert charges.full_cost_payer
    single, double = charges.lines
    assert (double.person, double.council) == (D("399.00"), D("0.00"))
    assert charges.person_weekly == D("598.50")
    budget = personal_budget(plan)
    assert budget.weekly_total == D("598.50")
    # The pool commits the same two workers' cost.
    planned = {cost.reference: cost.weekly_cost for cost in active_plan_costs(None)}
    services = list(plan.services.order_by("pk"))
    assert planned[f"service {services[1].pk}"] == 2 * planned[f"service {services[0].pk}"]
