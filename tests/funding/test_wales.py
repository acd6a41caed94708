"""Wales: a £100 weekly maximum on non-residential charges; capital limit £24,000 (non-residential)
and £50,000 (care homes). Source: charging.md "Other nations" (headline figures, loaded as C2/D and
flagged). Welsh minimum income amounts are not loaded (U)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from caretrust.funding.charging import FigureUnavailableError
from tests.funding.helpers import flagged


def wales(community, **fields):
    return community(nation="wales", date="2025-06-01", **fields)


def test_wales_cap_limits_a_full_cost_payer_to_100_a_week(run, community):
    """£30,000 savings > £24,000: full cost of £300 home care, capped at £100; council pays £200."""
    services = [{"id": "care", "weekly_cost": "300.00", "funding": "council"}]
    document = wales(community, capital=[{"kind": "savings", "value": "30000"}], services=services)
    result = run(document)
    assert result.full_cost_payer is True
    assert (result.person_weekly, result.council_weekly) == (Decimal("100.00"), Decimal("200.00"))
    assert flagged(result)["non_residential_weekly_maximum"] == "C2"


def test_wales_capital_at_24000_is_not_full_cost(run, community):
    """£24,000 is at the limit: means-tested, so the (unknown) Welsh minimum income amount is
    needed and the engine names it rather than guess."""
    document = wales(community, capital=[{"kind": "savings", "value": "24000"}])
    with pytest.raises(FigureUnavailableError) as caught:
        run(document)
    assert caught.value.figure == "mig_single_pension_age"  # age 70, Welsh amount unknown


def test_wales_means_test_with_supplied_minimum_income_is_capped(run, community):
    """With a caller-supplied minimum income amount £250: income £400 leaves £150 available,
    capped at the £100 Welsh maximum."""
    document = wales(
        community,
        income=[{"kind": "state_pension", "weekly": "400.00"}],
        services=[{"id": "care", "weekly_cost": "300.00", "funding": "council"}],
        figure_overrides={"mig_single_pension_age": "250.00"},
    )
    result = run(document)
    assert result.person_weekly == Decimal("100.00")
    assert flagged(result)["mig_single_pension_age"] == "U"


def test_wales_care_home_limit_is_50000(run, care_home):
    """£40,000 is below the Welsh care-home limit: not a self-funder; the Welsh PEA is unknown."""
    document = care_home(
        nation="wales", date="2025-06-01", capital=[{"kind": "savings", "value": "40000"}]
    )
    with pytest.raises(FigureUnavailableError) as caught:
        run(document)
    assert caught.value.figure == "personal_expenses_allowance"
    rich = care_home(
        nation="wales", date="2025-06-01", capital=[{"kind": "savings", "value": "50000.01"}]
    )
    assert run(rich).full_cost_payer is True
