"""Pooled budget forecast maths (caretrust.funding.pooled), worked by hand.

Pool 2025/26: NHS contributes £600,000, the council £400,000. Lines: home care £700,000 (shared by
contribution, 60/40) and reablement £300,000 (NHS only). Actual spend April-September: home care
£50,000 a month, reablement £20,000 a month. Active plans: home care £10,000 a week, reablement
£8,000 a week. 1 October 2025 to 31 March 2026 is 182 days = 26 weeks.

The forecast (issue #18 item 6) is actual to date + commitments for the remaining months + for
spend not covered by commitments, the mean of the last three months' actuals (less what the plans
covered in each of those months) x the months remaining. At the end of September home care's
plans covered £10,000 x 31/7 in July and August and x 30/7 in September = £131,428.5714, against
£150,000 spent: £18,571.4286 not covered over three months, £6,190.4762 a month, x 6 months =
£37,142.86 projected. Reablement's plans (£8,000 a week) cover more than its £20,000 a month, so
nothing is projected. Every figure below is worked by hand from these.
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
    RiskBand,
    RiskShare,
    Spend,
    commitment_value,
    covered_in_month,
    forecast,
    monthly_forecasts,
    share_risk,
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


def test_what_a_plan_covered_in_a_past_month():
    """£10,000 a week: July 31 days = 44,285.714...; September 30 days = 42,857.142...; a plan
    starting 16 September covers 15 days = 21,428.571..."""
    plan = Commitment("home_care", D("10000"), start=date(2025, 4, 1))
    assert covered_in_month(plan, date(2025, 7, 1)) == D(10000) * 31 / 7
    assert covered_in_month(plan, date(2025, 9, 1)) == D(10000) * 30 / 7
    later = Commitment("home_care", D("10000"), start=date(2025, 9, 16))
    assert covered_in_month(later, date(2025, 9, 1)) == D(10000) * 15 / 7
    assert covered_in_month(later, date(2025, 8, 1)) == 0


def test_forecast_at_end_of_september_per_line():
    """Home care: 300,000 actual + 26 x 10,000 = 260,000 committed + (150,000 - 131,428.5714) x 6
    / 3 = 37,142.86 projected = 597,142.86, 102,857.14 under (margin 5% = 35,000): amber.
    Reablement: 120,000 + 26 x 8,000 = 208,000 (its plans covered 105,142.86 of its 60,000 in
    July to September: nothing projected) = 328,000, 28,000 over (margin 15,000): red."""
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1))
    lines = by_name(result.lines)
    home = lines["home_care"]
    assert (home.actual_to_date, home.committed, home.projected) == (
        D("300000"),
        D("260000.00"),
        D("37142.86"),
    )
    assert (home.forecast, home.variance) == (D("597142.86"), D("-102857.14"))
    assert (home.status, home.rag) == ("under", "amber")
    reablement = lines["reablement"]
    assert reablement.projected == D("0.00")
    assert (reablement.forecast, reablement.variance) == (D("328000.00"), D("28000.00"))
    assert (reablement.status, reablement.rag) == ("over", "red")
    assert result.total_forecast == D("925142.86")


def test_forecast_per_partner():
    """NHS: 60% of home care (180,000 + 156,000 + 22,285.72, the odd penny of 37,142.86 by largest
    remainder) + all reablement (328,000) = 686,285.72, over its 600,000 by 86,285.72 (> 30,000):
    red. Council: 40% of home care (120,000 + 104,000 + 14,857.14) = 238,857.14, under by
    161,142.86: amber."""
    partners = by_name(forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1)).partners)
    nhs, council = partners["nhs"], partners["council"]
    assert (nhs.projected, council.projected) == (D("22285.72"), D("14857.14"))
    assert (nhs.forecast, nhs.variance, nhs.rag) == (D("686285.72"), D("86285.72"), "red")
    assert (council.forecast, council.variance, council.rag) == (
        D("238857.14"),
        D("-161142.86"),
        "amber",
    )


def test_the_pools_variance_is_shared_by_contribution_by_default():
    """The pool: 925,142.86 forecast against 1,000,000 = 74,857.14 under. Shared 60/40 by
    contribution in pennies: 7,485,714 x 0.6 = 4,491,428.4 and x 0.4 = 2,994,285.6; the odd penny
    to the larger remainder (the council): NHS -44,914.28, council -29,942.86."""
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1))
    assert result.variance == D("-74857.14")
    assert result.risk_shares == {"nhs": D("-44914.28"), "council": D("-29942.86")}


# A Section 75 agreement's risk share with a cap: the first £50,000 of an overspend is shared
# equally, the council (the host, which commissions the care) bears the rest; an underspend is
# shared 60/40 by contribution.
CAPPED = RiskShare(
    overspend=(
        RiskBand(D("50000"), {"nhs": D("0.5"), "council": D("0.5")}),
        RiskBand(None, {"council": D("1")}),
    ),
    underspend=(RiskBand(None, {"nhs": D("0.6"), "council": D("0.4")}),),
)


def test_a_capped_risk_share_worked_case():
    """Overspend 80,000: the first 50,000 half each (25,000 + 25,000), the other 30,000 all the
    council's: NHS 25,000, council 55,000. Overspend 30,000.01: within the first band, half each
    in pennies (1,500,000.5 each; the odd penny to the earlier partner): NHS 15,000.01, council
    15,000.00. Underspend 10,000: NHS -6,000, council -4,000."""
    assert share_risk(D("80000.00"), CAPPED) == {"nhs": D("25000.00"), "council": D("55000.00")}
    assert share_risk(D("30000.01"), CAPPED) == {"nhs": D("15000.01"), "council": D("15000.00")}
    assert share_risk(D("-10000.00"), CAPPED) == {"nhs": D("-6000.00"), "council": D("-4000.00")}


def test_the_agreements_risk_share_applies_to_the_forecast():
    """Home care overspending: 90,000 a month April to September against £10,000 a week of plans.
    Home care: 540,000 + 260,000 + (270,000 - 131,428.5714) x 2 = 277,142.86 = 1,077,142.86;
    with reablement 328,000 the pool forecasts 1,405,142.86, 405,142.86 over: NHS 25,000,
    council 25,000 + 355,142.86 = 380,142.86."""
    spend = [Spend("home_care", date(2025, m, 1), D("90000")) for m in range(4, 10)] + [
        s for s in SPEND if s.line_id == "reablement"
    ]
    pool = Pool(POOL.financial_year_start, POOL.contributions, POOL.lines, CAPPED)
    result = forecast(pool, COMMITMENTS, spend, as_of_month=date(2025, 9, 1))
    assert by_name(result.lines)["home_care"].forecast == D("1077142.86")
    assert result.variance == D("405142.86")
    assert result.risk_shares == {"nhs": D("25000.00"), "council": D("380142.86")}


def test_a_plan_starting_later_is_counted_once():
    """A second home-care plan of £3,500 a week from 1 November: 151 days to 31 March = 75,500
    committed. It covered nothing in July to September, so the projection stays 37,142.86 and
    the forecast rises by exactly 75,500 to 672,642.86 (netting it off the run rate instead
    would give 635,500)."""
    later = Commitment("home_care", D("3500.00"), start=date(2025, 11, 1))
    home = by_name(
        forecast(POOL, [*COMMITMENTS, later], SPEND, as_of_month=date(2025, 9, 1)).lines
    )["home_care"]
    assert (home.committed, home.projected, home.forecast) == (
        D("335500.00"),
        D("37142.86"),
        D("672642.86"),
    )


def test_delivered_visits_are_actuals_of_their_month():
    """September's home care: 50,000 from the ledger plus 4,000 of delivered visits. Actual
    304,000 (of which 4,000 delivered), and September's 54,000 enters the run rate: (154,000 -
    131,428.5714) x 2 = 45,142.86 projected; commitments unchanged (they start on 1 October)."""
    spend = [*SPEND, Spend("home_care", date(2025, 9, 1), D("4000.00"), source="visits")]
    home = by_name(forecast(POOL, COMMITMENTS, spend, as_of_month=date(2025, 9, 1)).lines)[
        "home_care"
    ]
    assert (home.actual_to_date, home.delivered) == (D("304000.00"), D("4000.00"))
    assert (home.committed, home.projected) == (D("260000.00"), D("45142.86"))
    assert home.forecast == D("609142.86")


def test_rag_rating():
    """Threshold 5% of 700,000 = 35,000: over by 35,000.01 red; over by 1 amber; at budget or
    under within the threshold green; under by more than the threshold amber."""
    line = PoolLine("home_care", D("700000"))
    pool = Pool(POOL.financial_year_start, {"nhs": D("700000")}, (line,))

    def rag(april_spend: str) -> str:
        spent = [Spend("home_care", date(2025, 4, 1), D(april_spend))]
        return forecast(pool, [], spent, as_of_month=date(2026, 3, 1)).lines[0].rag

    assert rag("735000.01") == "red"
    assert rag("700001") == "amber"
    assert rag("700000") == "green"
    assert rag("665000") == "green"
    assert rag("664999.99") == "amber"


def test_warnings_name_over_and_underspends():
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1))
    assert "reablement: forecast overspend of 28000.00" in result.warnings
    assert "council: forecast underspend of 161142.86" in result.warnings


def test_threshold_is_configurable():
    """At 25% only the council (161,142.86 under, margin 100,000) is flagged."""
    result = forecast(POOL, COMMITMENTS, SPEND, as_of_month=date(2025, 9, 1), threshold=D("0.25"))
    flagged = {o.name for o in (*result.lines, *result.partners) if o.status != "on_track"}
    assert flagged == {"council"}


def test_monthly_forecasts_from_april():
    """Six months of actuals -> six forecasts. April: 50,000 actual + 10,000 x 335 days / 7
    = 478,571.43 committed + (50,000 - 10,000 x 30 / 7) x 11 months = 78,571.43 projected ->
    607,142.86 for home care: a line spending at about its budget's rate is forecast near it from
    April, not shown as a £121,000 underspend."""
    series = monthly_forecasts(POOL, COMMITMENTS, SPEND)
    assert series[0].as_of == date(2025, 4, 30)
    assert len(series) == 6
    april = by_name(series[0].lines)["home_care"]
    assert (april.committed, april.projected) == (D("478571.43"), D("78571.43"))
    assert april.forecast == D("607142.86")
    assert by_name(series[-1].lines)["home_care"].forecast == D("597142.86")


def test_the_run_rate_is_the_mean_of_the_last_three_months():
    """Home care spend 30,000 in July, 60,000 in August, 90,000 in September (and 10,000 in each
    earlier month): (180,000 - 131,428.5714) / 3 = 16,190.4762 a month not covered by plans, x 6
    months = 97,142.86 projected. Forecast: 210,000 actual + 260,000 + 97,142.86 = 567,142.86."""
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
        D("97142.86"),
        D("567142.86"),
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
        (
            Pool(
                POOL.financial_year_start,
                POOL.contributions,
                POOL.lines,
                RiskShare((RiskBand(D("1"), {"nhs": D("1")}),), CAPPED.underspend),
            ),
            [],
            [],
            "must have no upper limit",
        ),
        (
            Pool(
                POOL.financial_year_start,
                POOL.contributions,
                POOL.lines,
                RiskShare((RiskBand(None, {"nhs": D("0.5")}),), CAPPED.underspend),
            ),
            [],
            [],
            "must add up to 1",
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
