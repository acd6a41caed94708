"""Care outside a care home: income, MIG, housing costs, DRE, council policy, one cap per plan.

Worked by hand from charging.md ("Non-residential care" formula) and the Care and Support
Statutory Guidance Annex C (income, DRE, the night-care difference). Figures as in the rule files:
England 2025/26 MIG pension age £232.60 (C2); attendance allowance £110.40 higher / £73.90 lower
(DWP 2025/26, C2); England 2024/25 MIG 18-24 £87.65, 25+ £110.60, pension age £228.70,
disability premium £48.80, enhanced £23.85 (all D), child £101.25 (C2). Default council policy:
flat DRE £24.16 (an example quoted in charging.md), 100% taper, no minimum or maximum.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from caretrust.funding.charging import FigureUnavailableError
from tests.funding.helpers import line, step_amount

AA_PLAN = {
    "date": "2025-06-01",
    "person": {"age": 80},
    "capital": [
        {"kind": "savings", "value": "15000"},
        {"kind": "main_home", "value": "250000"},
    ],
    "income": [
        {"kind": "state_pension", "weekly": "230.25"},
        {"kind": "attendance_allowance_higher", "weekly": "110.40"},
    ],
    "night_care_provided": False,
    "housing_costs_weekly": "20.00",
    "services": [
        {"id": "home-care", "weekly_cost": "300.00", "funding": "council"},
        {"id": "day-centre", "weekly_cost": "60.00", "funding": "council"},
        {"id": "district-nursing", "weekly_cost": "100.00", "funding": "nhs_chc"},
    ],
}


def test_attendance_allowance_higher_rate_without_night_care(run, community):
    """Higher-rate AA, no night care funded: the difference between the higher and lower rates is
    disregarded (council practice, default on) and the flat DRE is allowed (Annex C).

    Capital: main home disregarded; savings £15,000 -> tariff (15,000 - 14,250) / 250 = £3.
    Income: pension 230.25 + AA (110.40 - (110.40 - 73.90)) = 230.25 + 73.90 = 304.15.
    Available = 304.15 + 3.00 - 232.60 (MIG) - 20.00 (housing) - 24.16 (DRE) = £30.39.
    Chargeable care £360 (the £100 CHC line is the NHS's), so the charge is £30.39, shared by
    cost: 30.39 x 300/360 = 25.325, 30.39 x 60/360 = 5.065 -> 25.32 + 5.06, and the last penny
    goes to the earlier line on the tie: 25.33 + 5.06.
    """
    result = run(community(**AA_PLAN))
    assert step_amount(result, "Weekly income taken into account") == Decimal("304.15")
    assert result.person_weekly == Decimal("30.39")
    assert result.nhs_weekly == Decimal("100.00")
    assert result.council_weekly == Decimal("329.61")  # 360.00 - 30.39
    assert (line(result, "home-care").person, line(result, "day-centre").person) == (
        Decimal("25.33"),
        Decimal("5.06"),
    )
    assert line(result, "district-nursing").person == Decimal("0")


def test_attendance_allowance_counted_in_full_when_night_care_is_provided(run, community):
    """Night care funded: AA higher counted in full. 230.25 + 110.40 + 3 - 232.60 - 20 - 24.16
    = £66.89."""
    result = run(community(**{**AA_PLAN, "night_care_provided": True}))
    assert result.person_weekly == Decimal("66.89")


def test_council_that_does_not_count_disability_benefits_allows_no_flat_dre(run, community):
    """AA disregarded by policy, so no flat DRE: 230.25 + 3 - 232.60 - 20 = -19.35 -> £0."""
    document = community(**AA_PLAN, council_policy={"count_disability_benefits": False})
    result = run(document)
    assert result.person_weekly == Decimal("0.00")
    assert result.council_weekly == Decimal("360.00")


def test_assessed_dre_replaces_the_flat_amount(run, community):
    """DRE assessed at £40.00 instead of the flat £24.16: 30.39 - (40.00 - 24.16) = £14.55."""
    result = run(community(**{**AA_PLAN, "dre_weekly": "40.00"}))
    assert result.person_weekly == Decimal("14.55")


def test_earnings_and_mobility_components_are_disregarded(run, community):
    """SI 2014/2672 reg 14 (earnings) and Sch 1 (PIP mobility): adding £100 earnings and £75.75
    PIP mobility leaves the £30.39 charge unchanged."""
    income = [
        *AA_PLAN["income"],
        {"kind": "earnings", "weekly": "100.00"},
        {"kind": "pip_mobility_enhanced", "weekly": "75.75"},
    ]
    result = run(community(**{**AA_PLAN, "income": income}))
    assert result.person_weekly == Decimal("30.39")


def test_mig_for_a_young_disabled_adult_with_premiums(run, community):
    """Age 22 with disability and enhanced disability premiums, 2024/25 (D figures):
    MIG 87.65 + 48.80 + 23.85 = 160.30; ESA £200: available 200 - 160.30 = £39.70."""
    document = community(
        person={"age": 22, "premiums": ["disability", "enhanced_disability"]},
        income=[{"kind": "esa", "weekly": "200.00"}],
    )
    result = run(document)
    assert step_amount(result, "Minimum income guarantee") == Decimal("160.30")
    assert result.person_weekly == Decimal("39.70")


def test_lone_parent_mig_with_a_child(run, community):
    """Age 22, one dependent child (reg 7(1)(b), 7(3)): MIG 110.60 + 101.25 = 211.85.
    Universal credit £300 counted, child benefit disregarded: 300 - 211.85 = £88.15."""
    document = community(
        person={"age": 22, "dependent_children": 1},
        income=[
            {"kind": "universal_credit", "weekly": "300.00"},
            {"kind": "child_benefit", "weekly": "25.60"},
        ],
    )
    result = run(document)
    assert step_amount(result, "Minimum income guarantee") == Decimal("211.85")
    assert result.person_weekly == Decimal("88.15")


def test_war_pension_first_ten_pounds_disregarded(run, community):
    """Sch 1: first £10 of a war disablement pension ignored. Pension 221.20 + war pension 50.00
    - 10.00 = 261.20; available 261.20 - 228.70 = £32.50."""
    document = community(
        income=[
            {"kind": "state_pension", "weekly": "221.20"},
            {"kind": "war_pension", "weekly": "50.00"},
        ]
    )
    assert run(document).person_weekly == Decimal("32.50")


def test_reg_11_rounds_fractions_of_a_penny_in_the_persons_favour(run, community):
    """Reg 11: income £250.009 (a monthly figure converted to weekly) counts as £250.00 (the
    fraction is disregarded); housing costs £10.001 are allowed as £10.01 (the fraction becomes a
    penny). 250.00 - 228.70 - 10.01 = £11.29."""
    document = community(
        income=[{"kind": "state_pension", "weekly": "250.009"}], housing_costs_weekly="10.001"
    )
    assert run(document).person_weekly == Decimal("11.29")


def test_one_cap_across_the_plan_never_above_the_cost(run, community):
    """Charge = min(total chargeable cost, available): income £400, available 400 - 228.70 =
    171.30, but the two council lines cost only £20 + £10, so each is paid in full by the person."""
    document = community(
        income=[{"kind": "state_pension", "weekly": "400.00"}],
        services=[
            {"id": "a", "weekly_cost": "20.00", "funding": "council"},
            {"id": "b", "weekly_cost": "10.00", "funding": "council"},
        ],
    )
    result = run(document)
    assert result.person_weekly == Decimal("30.00")
    assert [item.person for item in result.lines] == [Decimal("20.00"), Decimal("10.00")]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"taper_percent": "50"}, "15.19"),  # 30.39 x 50% = 15.195, rounded down (reg 11)
        ({"maximum_charge_weekly": "20.00"}, "20.00"),
        ({"minimum_charge_weekly": "30.40"}, "0.00"),  # 30.39 is below the minimum: not collected
        ({"minimum_charge_weekly": "30.39"}, "30.39"),
    ],
)
def test_council_policy_taper_maximum_and_minimum(run, community, policy, expected):
    """Council policy applied after the means test to the £30.39 example above."""
    result = run(community(**AA_PLAN, council_policy=policy))
    assert result.person_weekly == Decimal(expected)


def test_couple_mig_is_not_known_so_the_engine_refuses_to_guess(run, community):
    """Couple MIG amounts are U in charging.md: an error naming the figure, never a guess."""
    document = community(
        person={"age": 70, "couple": True}, income=[{"kind": "esa", "weekly": "1"}]
    )
    with pytest.raises(FigureUnavailableError) as caught:
        run(document)
    assert caught.value.figure == "mig_couple_each_pension_age"
    assert "mig_couple_each_pension_age" in str(caught.value)
