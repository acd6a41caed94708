"""Permanent care-home residents: property disregards, PEA, pension to a spouse, FNC, self-funders.

Worked by hand from charging.md ("Care homes") and Care and Support Statutory Guidance Annex B
(12-week and qualifying-relative disregards) and Annex C (50% of an occupational pension paid to a
spouse at home). England 2024/25: PEA £30.15 (C), FNC standard £235.88 (C), savings credit
disregard £6.95 (C2), sale costs 10% (C2). Resident aged 85: state pension £221.20 and an
occupational pension £100.00 unless stated; placement £900 a week.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from caretrust.funding.charging import ChargingInputError
from tests.funding.helpers import flagged, line

INCOME = [
    {"kind": "state_pension", "weekly": "221.20"},
    {"kind": "occupational_pension", "weekly": "100.00"},
]
HOME = {"kind": "main_home", "value": "200000"}


def test_home_disregarded_in_the_first_12_weeks(run, care_home):
    """Sch 2: 11 complete weeks since admission -> home ignored; savings £5,000 below the lower
    limit. Contribution = 221.20 + 100.00 - 30.15 (PEA) = £291.05; council pays 900 - 291.05."""
    document = care_home(
        weeks_since_permanent_admission=11,
        capital=[HOME, {"kind": "savings", "value": "5000"}],
        income=INCOME,
    )
    result = run(document)
    assert result.full_cost_payer is False
    assert result.person_weekly == Decimal("291.05")
    assert result.council_weekly == Decimal("608.95")


def test_home_counted_after_12_weeks_makes_a_self_funder(run, care_home):
    """Week 12 onward the home counts: 200,000 - 10% sale costs = 180,000 + 5,000 savings, far
    above £23,250 -> full-cost payer, pays the £900 fee (a deferred payment may follow)."""
    document = care_home(
        weeks_since_permanent_admission=12,
        capital=[HOME, {"kind": "savings", "value": "5000"}],
        income=INCOME,
    )
    result = run(document)
    assert result.full_cost_payer is True
    assert result.person_weekly == Decimal("900.00")


def test_qualifying_relative_keeps_the_home_disregarded(run, care_home):
    """Sch 2: a qualifying relative (e.g. a partner, or a relative aged 60+) still lives there:
    disregarded at week 40 too. Contribution £291.05 as in the 12-week example."""
    document = care_home(
        weeks_since_permanent_admission=40,
        capital=[{**HOME, "qualifying_relative_lives_there": True}],
        income=INCOME,
    )
    result = run(document)
    assert result.full_cost_payer is False
    assert result.person_weekly == Decimal("291.05")


def test_discretionary_property_disregard_is_a_council_setting(run, care_home):
    """The council may disregard the home in other cases (discretion): with the setting on, the
    week-40 resident with no qualifying relative contributes £291.05 instead of paying in full."""
    base = care_home(weeks_since_permanent_admission=40, capital=[HOME], income=INCOME)
    assert run(base).full_cost_payer is True
    kind = run({**base, "council_policy": {"discretionary_property_disregard": True}})
    assert kind.person_weekly == Decimal("291.05")


def test_jointly_owned_home_counts_as_an_equal_share(run, care_home):
    """Reg 24: a £40,000 home owned with a sibling (who has moved out): share £20,000 - 10% =
    £18,000; tariff (18,000 - 14,250) / 250 = 15 -> £15. Contribution 321.20 + 15 - 30.15 =
    £306.05."""
    document = care_home(
        weeks_since_permanent_admission=30,
        capital=[{"kind": "main_home", "value": "40000", "joint_owners": 2}],
        income=INCOME,
    )
    assert run(document).person_weekly == Decimal("306.05")


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        ("0.5", "291.05"),  # 221.20 + (200 - 100 disregarded) - 30.15
        ("0.6", "291.05"),  # paying more than half still disregards half
        ("0.4", "391.05"),  # less than half paid over: no disregard, 221.20 + 200 - 30.15
    ],
)
def test_occupational_pension_half_paid_to_spouse_at_home(run, care_home, fraction, expected):
    """Annex C: where at least half of an occupational pension is paid to a spouse or civil
    partner living at home, 50% of it is disregarded. Occupational pension £200."""
    income = [
        {"kind": "state_pension", "weekly": "221.20"},
        {
            "kind": "occupational_pension",
            "weekly": "200.00",
            "paid_to_spouse_at_home_fraction": fraction,
        },
    ]
    assert run(care_home(income=income)).person_weekly == Decimal(expected)


def test_nursing_home_fnc_paid_by_the_nhs(run, care_home):
    """Care Act s.22: FNC (standard £235.88 from 1 April 2024) is paid by the NHS. Fee £1,200:
    NHS 235.88; resident contributes £291.05; council 1,200 - 235.88 - 291.05 = £673.07."""
    services = [
        {
            "id": "nursing",
            "weekly_cost": "1200.00",
            "funding": "nursing_home_fee",
            "includes_nursing": True,
        }
    ]
    result = run(care_home(services=services, income=INCOME))
    assert (result.nhs_weekly, result.person_weekly, result.council_weekly) == (
        Decimal("235.88"),
        Decimal("291.05"),
        Decimal("673.07"),
    )


def test_self_funder_in_nursing_home_still_gets_fnc(run, care_home):
    """Self-funders pay the fee less FNC: £60,000 savings, fee £1,200 -> person £964.12."""
    services = [
        {
            "id": "nursing",
            "weekly_cost": "1200.00",
            "funding": "nursing_home_fee",
            "includes_nursing": True,
        }
    ]
    document = care_home(services=services, capital=[{"kind": "savings", "value": "60000"}])
    result = run(document)
    assert result.full_cost_payer is True
    assert (result.person_weekly, result.nhs_weekly) == (Decimal("964.12"), Decimal("235.88"))


def test_savings_credit_disregard(run, care_home):
    """Sch 1: savings credit £15.00, up to £6.95 (single, C2) disregarded: counted £8.05.
    Contribution 221.20 + 8.05 - 30.15 = £199.10. The C2 figure is flagged."""
    income = [
        {"kind": "state_pension", "weekly": "221.20"},
        {"kind": "pension_credit_savings", "weekly": "15.00"},
    ]
    result = run(care_home(income=income))
    assert result.person_weekly == Decimal("199.10")
    assert flagged(result)["savings_credit_disregard_single"] == "C2"


def test_attendance_allowance_counted_in_full_in_a_care_home(run, care_home):
    """AA is counted while in payment (it stops after 28 days in a council-funded home); no DRE
    in a care home. 221.20 + 72.65 - 30.15 = £263.70."""
    income = [
        {"kind": "state_pension", "weekly": "221.20"},
        {"kind": "attendance_allowance_lower", "weekly": "72.65"},
    ]
    assert run(care_home(income=income)).person_weekly == Decimal("263.70")


def test_contribution_never_above_the_placement_cost(run, care_home):
    """Income £2,000 - 30.15 exceeds a £900 fee: the resident pays £900, the council nothing."""
    result = run(care_home(income=[{"kind": "other_counted", "weekly": "2000.00"}]))
    assert result.person_weekly == Decimal("900.00")
    assert line(result, "placement").council == Decimal("0.00")


def test_weeks_since_admission_required_when_the_home_might_count(run, care_home):
    document = care_home(capital=[HOME])
    del document["weeks_since_permanent_admission"]
    with pytest.raises(ChargingInputError) as caught:
        run(document)
    assert caught.value.field == "weeks_since_permanent_admission"
