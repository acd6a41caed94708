"""Capital: limits, tariff income, joint holdings, notional capital and Schedule 2 disregards.

Figures: England 2024/25 (charging.md): upper limit £23,250 (C), lower limit £14,250 (C), tariff
£1 per £250 or part of £250 (C), MIG single pension age £228.70 (D). Person aged 70 with the
full new state pension of £221.20 a week unless stated; one £200 council home-care line.
"""

from __future__ import annotations

from decimal import Decimal

from tests.funding.helpers import step_amount

PENSION = [{"kind": "state_pension", "weekly": "221.20"}]


def test_capital_exactly_at_upper_limit_is_still_means_tested(run, community):
    """Care Act 2014 s.18: the duty applies where capital is *at or below* the upper limit.

    £23,250 - £14,250 = £9,000 = 36 x £250, so tariff income £36.
    Available = 221.20 + 36.00 - 228.70 (MIG) = £28.50, below the £200 cost: charge £28.50.
    """
    result = run(community(capital=[{"kind": "savings", "value": "23250.00"}], income=PENSION))
    assert result.full_cost_payer is False
    assert step_amount(result, "Tariff income") == Decimal("36")
    assert result.person_weekly == Decimal("28.50")


def test_one_penny_above_upper_limit_makes_a_full_cost_payer(run, community):
    """£23,250.01 > £23,250 (SI 2014/2672 reg 12): pays the full £200 cost of chargeable care."""
    result = run(community(capital=[{"kind": "savings", "value": "23250.01"}], income=PENSION))
    assert result.full_cost_payer is True
    assert result.person_weekly == Decimal("200.00")
    assert result.council_weekly == Decimal("0.00")


def test_tariff_15000_gives_3_and_15001_gives_4(run, community):
    """SI 2014/2672 reg 25 and charging.md: "£15,000 gives £3, £15,001 gives £4".

    £15,000 - £14,250 = £750 = 3 x £250 -> £3. £15,001 - £14,250 = £751: 3 whole steps and a part
    of £250, which counts as a step -> £4. With income £250.00: 250.00 + 3 - 228.70 = £24.30 and
    250.00 + 4 - 228.70 = £25.30.
    """
    income = [{"kind": "state_pension", "weekly": "250.00"}]
    at_15000 = run(community(capital=[{"kind": "savings", "value": "15000"}], income=income))
    at_15001 = run(community(capital=[{"kind": "savings", "value": "15001"}], income=income))
    assert step_amount(at_15000, "Tariff income") == Decimal("3")
    assert step_amount(at_15001, "Tariff income") == Decimal("4")
    assert (at_15000.person_weekly, at_15001.person_weekly) == (Decimal("24.30"), Decimal("25.30"))


def test_capital_at_lower_limit_gives_no_tariff_income(run, community):
    """Capital at or below £14,250 is ignored: available = 250.00 - 228.70 = £21.30."""
    income = [{"kind": "state_pension", "weekly": "250.00"}]
    result = run(community(capital=[{"kind": "savings", "value": "14250"}], income=income))
    assert step_amount(result, "Capital at or below the lower limit") == Decimal("0")
    assert result.person_weekly == Decimal("21.30")


def test_joint_savings_count_as_an_equal_share(run, community):
    """SI 2014/2672 reg 24: £40,000 held with one other person counts as £20,000.

    £20,000 is below the upper limit, so not a full-cost payer; tariff (20,000 - 14,250) / 250
    = 23 -> £23. Available = 221.20 + 23 - 228.70 = £15.50.
    """
    capital = [{"kind": "savings", "value": "40000", "joint_owners": 2}]
    result = run(community(capital=capital, income=PENSION))
    assert result.full_cost_payer is False
    assert step_amount(result, "Capital taken into account") == Decimal("20000.00")
    assert result.person_weekly == Decimal("15.50")


def test_joint_share_fraction_of_a_penny_is_disregarded(run, community):
    """Reg 11: £30,000.01 / 2 = £15,000.005; the half penny counts against the person, so it is
    disregarded: £15,000.00, tariff £3 (not £4)."""
    capital = [{"kind": "savings", "value": "30000.01", "joint_owners": 2}]
    result = run(community(capital=capital, income=PENSION))
    assert step_amount(result, "Capital taken into account") == Decimal("15000.00")
    assert step_amount(result, "Tariff income") == Decimal("3")


def test_notional_capital_is_an_input_added_to_actual_capital(run, community):
    """SI 2014/2672 reg 22: £10,000 savings + £13,250.01 notional = £23,250.01 -> full cost."""
    document = community(
        capital=[{"kind": "savings", "value": "10000"}], notional_capital="13250.01", income=PENSION
    )
    result = run(document)
    assert result.full_cost_payer is True
    assert step_amount(result, "Notional capital") == Decimal("13250.01")


def test_schedule_2_disregards_are_ignored(run, community):
    """SI 2014/2672 Sch 2: a £100,000 personal injury trust and possessions are not capital."""
    capital = [
        {"kind": "personal_injury_trust", "value": "100000"},
        {"kind": "personal_possessions", "value": "5000"},
    ]
    result = run(community(capital=capital, income=PENSION))
    assert result.full_cost_payer is False
    assert step_amount(result, "Capital taken into account") == Decimal("0")


def test_main_home_is_disregarded_for_community_care(run, community):
    """The main home is ignored for care outside a care home: £350,000 home, no other capital.
    Available = 221.20 - 228.70 < 0 -> £0."""
    capital = [{"kind": "main_home", "value": "350000"}]
    result = run(community(capital=capital, income=PENSION))
    assert result.full_cost_payer is False
    assert result.person_weekly == Decimal("0.00")


def test_other_property_counts_less_sale_costs_and_secured_debt(run, community):
    """A second property worth £30,000 with a £10,000 mortgage: 30,000 - 10% (3,000) - 10,000 =
    £17,000; tariff (17,000 - 14,250) / 250 = 11 -> £11. 10% sale costs is a C2 figure, flagged."""
    capital = [{"kind": "other_property", "value": "30000", "secured_debt": "10000"}]
    result = run(community(capital=capital, income=PENSION))
    assert step_amount(result, "Capital taken into account") == Decimal("17000.00")
    assert step_amount(result, "Tariff income") == Decimal("11")
    assert "property_sale_costs_fraction" in {f.name for f in result.unconfirmed_figures}


def test_council_higher_non_residential_capital_limits(run, community):
    """A council may set higher non-residential limits (Care Act s.14 discretion). Upper £30,000:
    £25,000 savings is then means-tested, tariff (25,000 - 14,250) / 250 = 43 -> £43;
    available = 221.20 + 43 - 228.70 = £35.50."""
    document = community(
        capital=[{"kind": "savings", "value": "25000"}],
        income=PENSION,
        council_policy={"non_residential_upper_capital_limit": "30000"},
    )
    result = run(document)
    assert result.full_cost_payer is False
    assert result.person_weekly == Decimal("35.50")
