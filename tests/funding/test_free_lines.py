"""Services free to the person: CHC, FNC (see test_care_home), reablement for 6 weeks, s117 and
minor adaptations of £1,000 or less; and full-cost payers.

Sources: charging.md "Free to the person"; SI 2014/2673 (reablement first 6 weeks; equipment and
minor adaptations costing £1,000 or less); Mental Health Act 1983 s.117; National Framework for
NHS Continuing Healthcare. A person with £50,000 savings (a full-cost payer) is used so that any
line that is not free would be charged in full.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.funding.helpers import line

RICH = [{"kind": "savings", "value": "50000"}]


def test_chc_is_paid_by_the_nhs_with_no_means_test(run, community):
    """NHS CHC pays the whole package: no financial assessment, no figures needed."""
    services = [{"id": "chc", "weekly_cost": "1500.00", "funding": "nhs_chc"}]
    result = run(community(capital=RICH, services=services))
    assert (result.person_weekly, result.nhs_weekly) == (Decimal("0.00"), Decimal("1500.00"))
    assert result.full_cost_payer is False
    assert result.unconfirmed_figures == ()


@pytest.mark.parametrize(("week", "person"), [(1, "0.00"), (6, "0.00"), (7, "350.00")])
def test_reablement_free_in_weeks_1_to_6(run, community, week, person):
    """Reablement week 6 is free; week 7 is charged (here in full: a full-cost payer)."""
    services = [
        {"id": "r", "weekly_cost": "350.00", "funding": "reablement", "reablement_week": week}
    ]
    result = run(community(capital=RICH, services=services))
    assert line(result, "r").person == Decimal(person)


@pytest.mark.parametrize(
    ("payer", "council", "nhs"), [("council", "400.00", "0.00"), ("nhs", "0.00", "400.00")]
)
def test_s117_aftercare_is_free(run, community, payer, council, nhs):
    """s117 aftercare costs the person nothing; who funds it is recorded per line."""
    services = [{"id": "s117", "weekly_cost": "400.00", "funding": "s117", "payer": payer}]
    result = run(community(capital=RICH, services=services))
    assert (result.person_weekly, result.council_weekly, result.nhs_weekly) == (
        Decimal("0.00"),
        Decimal(council),
        Decimal(nhs),
    )


@pytest.mark.parametrize(("cost", "person"), [("1000.00", "0.00"), ("1000.01", "1000.01")])
def test_minor_adaptation_free_up_to_1000(run, community, cost, person):
    """£1,000 or less is free; £1,000.01 is not free by right (a full-cost payer pays it)."""
    services = [{"id": "rail", "one_off_cost": cost, "funding": "minor_adaptation"}]
    result = run(community(capital=RICH, services=services))
    adaptation = line(result, "rail")
    assert (adaptation.basis, adaptation.person) == ("one_off", Decimal(person))
    assert result.person_weekly == Decimal("0.00")  # one-off lines are not weekly amounts


def test_adaptation_above_1000_for_a_means_tested_person_is_left_to_the_council(run, community):
    """Below the upper limit the engine does not charge a one-off: the council funds it unless it
    decides otherwise outside this assessment (the reason says so)."""
    services = [{"id": "ramp", "one_off_cost": "2500.00", "funding": "minor_adaptation"}]
    result = run(community(services=services))
    ramp = line(result, "ramp")
    assert (ramp.person, ramp.council) == (Decimal("0.00"), Decimal("2500.00"))
    assert "not free by right" in ramp.reason


def test_full_cost_payer_pays_chargeable_lines_but_not_free_ones(run, community):
    """£50,000 savings: pays the £200 + £80 council lines in full; the CHC and week-2 reablement
    lines stay free."""
    services = [
        {"id": "care", "weekly_cost": "200.00", "funding": "council"},
        {"id": "sitting", "weekly_cost": "80.00", "funding": "council"},
        {"id": "chc", "weekly_cost": "300.00", "funding": "nhs_chc"},
        {"id": "reab", "weekly_cost": "150.00", "funding": "reablement", "reablement_week": 2},
    ]
    result = run(community(capital=RICH, services=services))
    assert result.full_cost_payer is True
    assert result.person_weekly == Decimal("280.00")
    assert (line(result, "chc").person, line(result, "reab").person) == (Decimal("0"), Decimal("0"))
    assert (result.council_weekly, result.nhs_weekly) == (Decimal("150.00"), Decimal("300.00"))


@pytest.mark.parametrize("cost", ["250.00", "1000.01", "4800.00"])
def test_an_aid_is_free_whatever_it_costs(run, community, cost):
    """An aid (community equipment, e.g. a £4,800 ceiling hoist) is free whatever it costs; only
    adaptations carry the £1,000 limit (charging.md "Free to the person"; SI 2014/2673 reg 3)."""
    services = [{"id": "hoist", "one_off_cost": cost, "funding": "equipment"}]
    result = run(community(capital=RICH, services=services))
    hoist = line(result, "hoist")
    assert (hoist.basis, hoist.person, hoist.council) == ("one_off", Decimal("0.00"), Decimal(cost))
    assert "free whatever it costs" in hoist.reason
