"""The council's administration costs on a deferred payment agreement (SI 2014/2671 reg 10; ADR
105): the schedule is data, the costs are added to the amount deferred (reg 10(2)) on their day
and earn interest with it, unless the person pays them separately. Worked to the penny."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest

from caretrust.budgets import arithmetic, services
from tests.budgets.test_budgets import (  # noqa: F401
    CARE_HOME,
    _agreement,
    _assess,
    care_home_resident,
)


def test_the_shipped_schedule_is_sourced_and_keyed_by_date() -> None:
    table = arithmetic.load_admin_costs()
    assert table.rule == "SI 2014/2671 reg 10"
    assert table.schedule_for(date(2024, 3, 31)) is None
    schedule = table.schedule_for(date(2024, 6, 17))
    assert {c.code: (c.amount, c.when) for c in schedule.costs} == {
        "set_up": (Decimal("800.00"), "set_up"),
        "annual": (Decimal("200.00"), "annual"),
    }
    assert schedule.source.startswith("Slough Borough Council") and "https://" in schedule.source


def test_the_annual_cost_falls_on_each_anniversary() -> None:
    costs = [
        arithmetic.AdminCost("set_up", "Set-up", Decimal("800.00"), "set_up"),
        arithmetic.AdminCost("annual", "Annual", Decimal("200.00"), "annual"),
    ]
    charges = arithmetic.admin_charges(costs, deferral_start=date(2024, 2, 29), on=date(2026, 3, 1))
    assert [(c.on, c.amount) for c in charges] == [
        (date(2024, 2, 29), Decimal("800.00")),
        (date(2025, 3, 1), Decimal("200.00")),  # no 29 February in 2025
        (date(2026, 3, 1), Decimal("200.00")),
    ]


@pytest.mark.django_db
def test_admin_costs_are_added_to_the_amount_deferred_and_earn_interest(
    care_home_resident,  # noqa: F811
    user_for,
) -> None:
    """Worked case: Harold's agreement of 17 June 2024 (test_budgets: £708.95 deferred a week;
    to 15 July 2024, fees £3,544.75 and interest £5.76, £3,550.51). The council's set-up fee
    £800.00 (its schedule from 1 April 2024) and the valuation at cost £326.00 are added on 17
    June: £1,126.00, which earns interest daily at 4.65% for 17-30 June (14 days) and 4.05% for
    1-14 July (14 days): 1,126 × ((1 + 0.0465/365)^14 × (1 + 0.0405/365)^14 − 1) = £3.76. The
    statement: £3,544.75 + £1,126.00 + £5.76 + £3.76 = £4,680.27."""
    with localcontext() as ctx:
        ctx.prec = 40
        factor = (1 + Decimal("0.0465") / 365) ** 14 * (1 + Decimal("0.0405") / 365) ** 14
        assert arithmetic.pennies(Decimal("1126") * (factor - 1)) == Decimal("3.76")
    _assess(user_for, care_home_resident, **CARE_HOME)
    agreement = _agreement(user_for, care_home_resident, valuation_fee=Decimal("326.00"))
    assert [(c["code"], c["amount"]) for c in agreement.admin_costs] == [
        ("set_up", "800.00"),
        ("annual", "200.00"),
        ("valuation", "326.00"),
    ]
    statement = services.deferred_statement(agreement, date(2024, 7, 15))
    assert statement.deferred == Decimal("3544.75")
    assert statement.admin == Decimal("1126.00")
    assert statement.interest == Decimal("9.52")
    assert statement.total == Decimal("4680.27")
    # The annual cost is added on the first anniversary, not the day before.
    before = services.deferred_statement(agreement, date(2025, 6, 16))
    after = services.deferred_statement(agreement, date(2025, 6, 17))
    assert before.admin == Decimal("1126.00") and after.admin == Decimal("1326.00")
    # A later schedule never changes an agreement already made: the costs are kept as agreed.
    agreement.refresh_from_db()
    assert agreement.admin_costs[0]["amount"] == "800.00"


@pytest.mark.django_db
def test_admin_costs_paid_separately_are_not_deferred(
    care_home_resident,  # noqa: F811
    user_for,
) -> None:
    _assess(user_for, care_home_resident, **CARE_HOME)
    agreement = _agreement(
        user_for,
        care_home_resident,
        valuation_fee=Decimal("326.00"),
        admin_costs_paid_separately=True,
    )
    statement = services.deferred_statement(agreement, date(2024, 7, 15))
    assert (statement.admin, statement.total) == (Decimal("0.00"), Decimal("3550.51"))
    billed = services.admin_charges_billed_separately(agreement, date(2024, 7, 15))
    assert sum(c.amount for c in billed) == Decimal("1126.00")
