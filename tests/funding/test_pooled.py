"""Pooled budget forecast maths (caretrust.funding.pooled), worked by hand.

Pool 2025/26: NHS contributes £600,000, the council £400,000. Lines: home care £700,000 (shared by
contribution, 60/40) and reablement £300,000 (NHS only). Actual spend April-September: home care
£50,000 a month, reablement £20,000 a month. Active plans: home care £10,000 a week, reablement
£8,000 a week. 1 October 2025 to 31 March 2026 is 182 days = 26 weeks.

The forecast adds spend not covered by commitments at the recent run rate (mean of the last three
months' actuals x months remaining, less commitments, if positive): home care runs at £50,000 a
month against £43,333 a month of commitments, so £40,000 more is projected at the end of
September; reablement's commitments (£208,000) exceed its run rate (6 x £20,000), so none is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caretrust.funding.pooled import (
    Commitment,
    Pool,
    PoolLine,
    Spend,
    commitment_value,
    forecast,
    monthly_forecasts,
    split,
    weeks_between,
)

D = Decimal
POOL = Pool(
    financial_year_start=date(2025, 4, 1),
    contributions={"nhs": D("600000"), "council": D("400000")},
    lines=(
        PoolLine("home_care", D("700000")),
        PoolLine("reablement", D("300000"), {"nhs": D("1")}),
    ),
)
COMMITMENTS = [
    Commitment("home_care", D("10000.00"), start=date(2025, 4, 1)),
    Commitment("reablement", D("8000.00")),
]
SPEND = [Spend("home_care", date(2025, m, 1), D("50000")) for m in range(4, 10)] + [
    Spend("reablement", date(2025, m, 1), D("20000")) for m in range(4, 10)
]


def by_name(outturns):
    return {o.name: o for o in outturns}


def test_weeks_remaining_are_days_over_seven():
    assert weeks_between(date(2025, 10, 1), date(2026, 3, 31)) == D(26)
    assert weeks_between(date(2026, 4, 1), date(2026, 3, 31)) == 0


def test_commitment_clipped_to_plan_dates_and_year_end():
    """£700 a week from 1 Oct, plan ending 14 Oct: 14 days = 2 weeks = £1,400; ended plan £0."""
    plan = Commitment("home_care", D("700"), end=date(2025, 10, 14))
    assert commitment_value(plan, date(2025, 10, 1), date(2026, 3, 31)) == D("1400.00")
    assert commitment_value(plan, date(2025, 11, 1), date(2026, 3, 31)) == D("0.00")


def test_forecast_at_end_of_september_per_line():
    """Home care: 300,000 actual + 26 x 10,000 = 260,000 committed + (6 x 50,000 - 260,000) =
    40,000 projected = 600,000, 100,000 under (margin 5% = 35,000). Reablement: 120,000 + 26 x
    8,000 = 328,000 (run rate 120,000 < commitments: nothing projected), 28,000 over (margin
    15,000)."""
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1))
    lines = by_name(result.lines)
    assert lines["home_care"].committed == D("260000.00")
    assert lines["home_care"].projected == D("40000.00")
    assert (lines["home_care"].forecast, lines["home_care"].status) == (D("600000.00"), "under")
    assert lines["reablement"].projected == D("0.00")
    assert (lines["reablement"].forecast, lines["reablement"].variance) == (
        D("328000.00"),
        D("28000.00"),
    )
    assert lines["reablement"].status == "over"
    assert result.total_forecast == D("928000.00")


def test_forecast_per_partner():
    """NHS: 60% of home care (180,000 + 156,000 + 24,000) + all reablement (328,000) = 688,000,
    over its 600,000 by 88,000 (> 30,000). Council: 40% of home care (120,000 + 104,000 + 16,000)
    = 240,000, under by 160,000."""
    partners = by_name(forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1)).partners)
    assert (partners["nhs"].forecast, partners["nhs"].status) == (D("688000.00"), "over")
    assert (partners["council"].forecast, partners["council"].status) == (D("240000.00"), "under")


def test_warnings_name_over_and_underspends():
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1))
    assert "reablement: forecast overspend of 28000.00" in result.warnings
    assert "council: forecast underspend of 160000.00" in result.warnings


def test_threshold_is_configurable():
    """At 25% only the council (160,000 under, margin 100,000) is flagged."""
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1), threshold=D("0.25"))
    flagged = {o.name for o in (*result.lines, *result.partners) if o.status != "on_track"}
    assert flagged == {"council"}


def test_monthly_forecasts_from_april():
    """Six months of actuals -> six forecasts. April: 50,000 actual + 10,000 x 335 days / 7
    = 478,571.43 committed + (11 months x 50,000 - 478,571.43) = 71,428.57 projected ->
    600,000.00 for home care: a line spending at its budget's rate is on track from April, not
    shown as a £121,000 underspend."""
    series = monthly_forecasts(POOL, COMMITMENTS, SPEND)
    assert series[0].as_of == date(2025, 4, 30)
    assert len(series) == 6
    april = by_name(series[0].lines)["home_care"]
    assert (april.committed, april.projected) == (D("478571.43"), D("71428.57"))
    assert april.forecast == D("600000.00")
    assert by_name(series[-1].lines)["home_care"].forecast == D("600000.00")


def test_the_run_rate_is_the_mean_of_the_last_three_months():
    """Home care spend 30,000 in July, 60,000 in August, 90,000 in September (and 10,000 in each
    earlier month): the run rate at September is (30,000 + 60,000 + 90,000) / 3 = 60,000 a month,
    x 6 months = 360,000, less 260,000 committed = 100,000 projected. Forecast: 210,000 actual +
    260,000 + 100,000 = 570,000."""
    spend = [Spend("home_care", date(2025, m, 1), D("10000")) for m in range(4, 7)] + [
        Spend("home_care", date(2025, 7, 1), D("30000")),
        Spend("home_care", date(2025, 8, 1), D("60000")),
        Spend("home_care", date(2025, 9, 1), D("90000")),
    ]
    line = by_name(forecast(POOL, COMMITMENTS, spend, as_of_month=date(2025, 9, 1)).lines)
    home = line["home_care"]
    assert (home.actual_to_date, home.committed, home.projected, home.forecast) == (
        D("210000"),
        D("260000.00"),
        D("100000.00"),
        D("570000.00"),
    )


def test_budget_contribution_mismatch_is_warned():
    pool = Pool(
        POOL.financial_year_start, POOL.contributions, (PoolLine("home_care", D("900000")),)
    )
    result = forecast(pool, [], [], as_of_month=date(2025, 4, 1))
    assert any("contributions total" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("pool", "commitments", "spend", "message"),
    [
        (POOL, [Commitment("meals", D("1"))], [], "unknown service line"),
        (POOL, [], [Spend("home_care", date(2026, 4, 1), D("1"))], "outside the financial year"),
        (
            Pool(
                POOL.financial_year_start,
                POOL.contributions,
                (PoolLine("x", D("1"), {"nhs": D("0.5")}),),
            ),
            [],
            [],
            "add up to 1",
        ),
    ],
)
def test_bad_pool_data_is_refused(pool, commitments, spend, message):
    with pytest.raises(ValueError, match=message):
        forecast(pool, commitments, spend, as_of_month=date(2025, 6, 1))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(-1_000_000, 1_000_000),
    st.lists(st.integers(0, 1000), min_size=1, max_size=5).filter(any),
)
def test_split_adds_up_exactly(pennies, weights):
    amount = D(pennies).scaleb(-2)
    parts = split(amount, [D(w) for w in weights])
    assert sum(parts, D(0)) == amount
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
