"""The money arithmetic of direct payments and deferred payment agreements, to the penny, on
hand-worked cases (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from caretrust.budgets import arithmetic
from caretrust.budgets.arithmetic import RatePeriod, RateTable


def test_a_four_weekly_schedule_pays_four_weeks_in_advance() -> None:
    # £187.61 a week paid every 4 weeks: 4 × 187.61 = £750.44 on 2, 30 Nov and 28 Dec 2026.
    schedule = arithmetic.payment_schedule(
        start=date(2026, 11, 2),
        frequency_weeks=4,
        weekly_amount=Decimal("187.61"),
        until=date(2026, 12, 31),
    )
    assert [(p.number, p.due, p.amount) for p in schedule] == [
        (1, date(2026, 11, 2), Decimal("750.44")),
        (2, date(2026, 11, 30), Decimal("750.44")),
        (3, date(2026, 12, 28), Decimal("750.44")),
    ]
    assert arithmetic.paid_between(schedule, date(2026, 11, 2), date(2026, 11, 30)) == Decimal(
        "1500.88"
    )


def test_unspent_money_above_the_contingency_is_recovered() -> None:
    # Opening £0 + council £1,500.88 + the person's £108.78 − spent £600.00 = £1,009.66 expected.
    # Contingency 4 weeks × £187.61 = £750.44; the stated balance £1,009.66 − £750.44 = £259.22.
    figures = arithmetic.monitoring_figures(
        opening_balance=Decimal("0"),
        paid_in=Decimal("1500.88"),
        person_contributions=Decimal("108.78"),
        spent=Decimal("600.00"),
        balance=Decimal("1009.66"),
        weekly_amount=Decimal("187.61"),
        contingency_weeks=4,
    )
    assert figures.expected_balance == Decimal("1009.66")
    assert figures.contingency == Decimal("750.44")
    assert figures.recovery_due == Decimal("259.22")
    below = arithmetic.monitoring_figures(
        opening_balance=Decimal("0"),
        paid_in=Decimal("750.44"),
        person_contributions=Decimal("0"),
        spent=Decimal("300"),
        balance=Decimal("450.44"),
        weekly_amount=Decimal("187.61"),
        contingency_weeks=4,
    )
    assert below.recovery_due == Decimal("0.00")


def test_the_shipped_maximum_rates_are_half_years_with_sources() -> None:
    """SI 2014/2671 reg 9(5): 1 Jan-30 Jun and 1 Jul-31 Dec; charging.md: 4.65% Jan-Jun 2024,
    4.05% Jul-Dec 2024, 4.25% Jan-Jun 2025 (C2)."""
    rates = arithmetic.national_rates()
    assert [(p.starts, p.maximum_rate) for p in rates.periods] == [
        (date(2024, 1, 1), Decimal("4.65")),
        (date(2024, 7, 1), Decimal("4.05")),
        (date(2025, 1, 1), Decimal("4.25")),
    ]
    assert all(p.source for p in rates.periods)
    assert rates.maximum_for(date(2024, 6, 30)).maximum_rate == Decimal("4.65")
    assert rates.maximum_for(date(2025, 7, 1)) is None  # not known: never carried forward


def test_the_amount_deferred_to_date_compounds_daily_at_each_periods_rate() -> None:
    """Worked case. £708.95 deferred each week from Monday 17 June 2024 (a £900 fee less the
    £191.05 paid from income: see test_deferred_payments); statement on 15 July 2024. Interest is
    compound, added daily at the yearly rate ÷ 365, at the national maximum for each half-year
    (SI 2014/2671 reg 9): 4.65% to 30 June, 4.05% from 1 July (charging.md).

    Daily factors: a = 1 + 0.0465/365 = 1.000127397260; b = 1 + 0.0405/365 = 1.000110958904.
    Each deferral grows by the days it has been owed (a deferral on the statement day, none):
      17 Jun: 14 days at a, 14 at b: 708.95 × a^14 × b^14 = 708.95 × 1.003342360 = 711.319566
      24 Jun:  7 days at a, 14 at b: 708.95 × a^7 × b^14  = 708.95 × 1.002448054 = 710.685548
       1 Jul: 14 days at b:           708.95 × b^14        = 708.95 × 1.001554546 = 710.052095
       8 Jul:  7 days at b:           708.95 × b^7         = 708.95 × 1.000776971 = 709.500834
      15 Jul:                         708.95
    Owed: 3,550.508043 → £3,550.51 = 5 × £708.95 (£3,544.75) + interest £5.76.
    At 30 June: 708.95 × a^14 + 708.95 × a^7 = 1,419.797973 → £1,419.80, interest £1.90."""
    statement = arithmetic.statement(
        deferral_start=date(2024, 6, 17), weekly_deferred=Decimal("708.95"), on=date(2024, 7, 15)
    )
    assert statement.deferred == Decimal("3544.75")
    assert statement.interest == Decimal("5.76")
    assert statement.total == Decimal("3550.51")
    june, july = statement.periods
    assert (june.rate, june.deferrals, june.interest, june.closing) == (
        Decimal("4.65"),
        2,
        Decimal("1.90"),
        Decimal("1419.80"),
    )
    assert (july.rate, july.deferrals, july.closing) == (Decimal("4.05"), 3, Decimal("3550.51"))
    assert statement.missing_rates == []


def test_a_council_rate_above_the_maximum_is_never_charged() -> None:
    """A council rate of 4.50%: below the 4.65% maximum in June 2024 it is charged; above the
    4.05% maximum from July the maximum is charged instead (reg 9(3)). £1,000 deferred on 24 June:
    7 days at 4.50% then 14 at 4.05%: 1000 × (1 + 0.045/365)^7 × (1 + 0.0405/365)^14 =
    1000 × 1.000863333 × 1.001554546 = 1,002.419221 → £1,002.42."""
    statement = arithmetic.statement(
        deferral_start=date(2024, 6, 24),
        weekly_deferred=Decimal("1000"),
        on=date(2024, 7, 15),
        council_rate=Decimal("4.50"),
    )
    june, july = statement.periods
    assert (june.rate, june.capped) == (Decimal("4.50"), False)
    assert (july.rate, july.capped) == (Decimal("4.05"), True)
    # Weekly deferrals on 24 Jun, 1, 8 and 15 Jul; the first grows as worked above.
    first = (
        Decimal("1000") * (1 + Decimal("0.045") / 365) ** 7 * (1 + Decimal("0.0405") / 365) ** 14
    )
    assert arithmetic.pennies(first) == Decimal("1002.42")


def test_no_interest_is_added_for_a_period_with_no_known_maximum() -> None:
    rates = RateTable(
        "SI 2014/2671 reg 9",
        "https://www.legislation.gov.uk/uksi/2014/2671/regulation/9/made",
        (RatePeriod(date(2024, 1, 1), date(2024, 6, 30), Decimal("4.65"), "C2", "test"),),
    )
    statement = arithmetic.statement(
        deferral_start=date(2024, 7, 1),
        weekly_deferred=Decimal("100"),
        on=date(2024, 7, 29),
        rates=rates,
    )
    assert statement.total == Decimal("500.00")
    assert statement.interest == Decimal("0.00")
    assert statement.missing_rates == [(date(2024, 7, 1), date(2024, 12, 31))]


@pytest.mark.parametrize(
    ("value", "encumbrances", "limit"),
    # £250,000 − 10% = £225,000; − £14,250 lower limit = £210,750; − £20,000 mortgage = £190,750.
    [
        (Decimal("250000"), Decimal("0"), Decimal("210750.00")),
        (Decimal("250000"), Decimal("20000"), Decimal("190750.00")),
    ],
)
def test_the_equity_limit(value, encumbrances, limit) -> None:
    assert (
        arithmetic.equity_limit(
            property_value=value, encumbrances=encumbrances, lower_capital_limit=Decimal("14250")
        )
        == limit
    )
