"""The money arithmetic of personal budgets, direct payments and deferred payment agreements, in
Decimal, with no Django (tested to the penny by hand-worked cases in tests/budgets).

- Direct payments: a payment every `frequency_weeks` from the start, in advance; the unspent
  balance above a contingency is recovered.
- Deferred payment agreements (Care Act 2014 s34-36; SI 2014/2671): the weekly deferred amount is
  added on each deferral date (weekly, in advance, from the deferral start); interest is compound,
  added daily at the annual rate / 365 (the common council practice: interest "added to the loan
  every day"), at the rate for each half-year: the council's rate, never more than the national
  maximum for that period (reg 9). Figures are kept exact and rounded to the penny (half up) only
  when shown.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from pathlib import Path

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)
RATES_FILE = Path(__file__).with_name("data") / "deferred_payment_interest.toml"
ADMIN_COSTS_FILE = Path(__file__).with_name("data") / "deferred_payment_admin_costs.toml"


def pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


# Direct payments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    number: int
    due: date
    amount: Decimal
    # "payment" (in advance, for `frequency_weeks`) or "adjustment": the difference, for days
    # already paid in advance at the old weekly amount, when the amount changes (may be negative:
    # money paid in advance at the higher amount, counted against what is held in the account).
    kind: str = "payment"
    covers_to: date | None = None  # the last day a payment pays for


@dataclass(frozen=True)
class Terms:
    """What is paid from `starts`: the council's `weekly_amount` every `frequency_weeks`, and the
    person's assessed part a week (`person_weekly`), which they pay into the account."""

    starts: date
    frequency_weeks: int
    weekly_amount: Decimal
    person_weekly: Decimal = ZERO


def payment_schedule(
    *, start: date, frequency_weeks: int, weekly_amount: Decimal, until: date
) -> list[Payment]:
    """Payments due from `start` to `until` inclusive: `weekly_amount` × `frequency_weeks` each."""
    return terms_schedule(
        terms=[Terms(start, frequency_weeks, weekly_amount)], until=until, end=None
    )


def terms_schedule(*, terms: list[Terms], until: date, end: date | None) -> list[Payment]:
    """Payments due to `until` (and to `end`, the last day a direct payment covers, if ended) when
    the amount or frequency changed from a date (ADR 105). A change from day D never pays a day
    twice: the payment made in advance before D already covers days to C (its period's end); the
    days D..C-1 are settled by an adjustment on D, (new weekly − old weekly) × days ÷ 7, and the
    new terms' payments run from C (from D itself when D falls on a payment date). A payment is
    due only on or before `end`; no payment or adjustment is due after it."""
    payments: list[Payment] = []
    covered_to: date | None = None  # the first day not yet paid for
    rate = ZERO  # the weekly amount the days up to `covered_to` were paid at
    last = min(until, end) if end else until

    def add(due: date, amount: Decimal, kind: str, covers_to: date | None) -> None:
        payments.append(Payment(len(payments) + 1, due, amount, kind, covers_to))

    for index, term in enumerate(terms):
        following = terms[index + 1].starts if index + 1 < len(terms) else None
        due = term.starts
        if covered_to is not None and covered_to > term.starts:
            days = (covered_to - term.starts).days
            difference = pennies((term.weekly_amount - rate) * days / 7)
            if difference and term.starts <= last:
                add(term.starts, difference, "adjustment", covered_to - timedelta(days=1))
            rate = term.weekly_amount
            due = covered_to
        amount = pennies(term.weekly_amount * term.frequency_weeks)
        while due <= last and (following is None or due < following):
            covered_to = due + timedelta(weeks=term.frequency_weeks)
            add(due, amount, "payment", covered_to - timedelta(days=1))
            rate = term.weekly_amount
            due = covered_to
    return payments


def terms_on(terms: list[Terms], day: date) -> Terms:
    return [t for t in terms if t.starts <= day][-1] if day >= terms[0].starts else terms[0]


def contributions_between(terms: list[Terms], first: date, last: date) -> Decimal:
    """The person's assessed part for the days `first`..`last`, a seventh of the weekly part a
    day, at the terms in force each day."""
    total, day = Decimal(0), first
    while day <= last:
        total += terms_on(terms, day).person_weekly / 7
        day += timedelta(days=1)
    return pennies(total)


def paid_after_end(terms: list[Terms], schedule: list[Payment], end: date) -> Decimal:
    """What was paid in advance for days after `end` (the last day covered): the last payment's
    days beyond it at the weekly amount then in force. It is in the account, and recovered with
    the rest of the balance at the final monitoring return."""
    paid = [p for p in schedule if p.kind == "payment" and p.due <= end]
    if not paid or paid[-1].covers_to is None or paid[-1].covers_to <= end:
        return ZERO
    days = (paid[-1].covers_to - end).days
    return pennies(terms_on(terms, end).weekly_amount * days / 7)


def paid_between(schedule: list[Payment], first: date, last: date) -> Decimal:
    return sum((p.amount for p in schedule if first <= p.due <= last), ZERO)


@dataclass(frozen=True)
class ReturnFigures:
    paid_in: Decimal
    expected_balance: Decimal
    contingency: Decimal
    recovery_due: Decimal


def monitoring_figures(
    *,
    opening_balance: Decimal,
    paid_in: Decimal,
    person_contributions: Decimal,
    spent: Decimal,
    balance: Decimal,
    weekly_amount: Decimal,
    contingency_weeks: int,
) -> ReturnFigures:
    """The expected balance (opening + council payments + the person's contributions − spent), the
    contingency the person may keep (`contingency_weeks` of the council's weekly payment) and
    the amount to recover: the stated balance above the contingency, never below nothing."""
    contingency = pennies(weekly_amount * contingency_weeks)
    return ReturnFigures(
        paid_in=paid_in,
        expected_balance=pennies(opening_balance + paid_in + person_contributions - spent),
        contingency=contingency,
        recovery_due=max(ZERO, pennies(balance - contingency)),
    )


# Deferred payment interest --------------------------------------------------------------------


@dataclass(frozen=True)
class RatePeriod:
    starts: date
    ends: date
    maximum_rate: Decimal  # per cent a year
    confidence: str
    source: str


@dataclass(frozen=True)
class RateTable:
    rule: str
    rule_url: str
    periods: tuple[RatePeriod, ...]

    def maximum_for(self, day: date) -> RatePeriod | None:
        return next((p for p in self.periods if p.starts <= day <= p.ends), None)


def half_year(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def load_rates(path: Path = RATES_FILE) -> RateTable:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    periods = []
    for row in data["period"]:
        starts, ends = row["starts"], row["ends"]
        if (starts, ends) != half_year(starts):
            raise ValueError(f"{path.name}: {starts}..{ends} is not a half-year (reg 9(5))")
        periods.append(
            RatePeriod(starts, ends, Decimal(row["maximum_rate"]), row["confidence"], row["source"])
        )
    return RateTable(data["rule"], data["rule_url"], tuple(sorted(periods, key=lambda p: p.starts)))


@cache
def national_rates() -> RateTable:
    return load_rates()


# Deferred payment administration costs (SI 2014/2671 reg 10; ADR 105) -------------------------

ADMIN_WHEN = ("set_up", "annual")


@dataclass(frozen=True)
class AdminCost:
    code: str
    description: str
    amount: Decimal
    when: str  # "set_up" (on the day deferring starts) or "annual" (each anniversary)


@dataclass(frozen=True)
class AdminSchedule:
    effective_from: date
    costs: tuple[AdminCost, ...]
    confidence: str
    source: str


@dataclass(frozen=True)
class AdminCostTable:
    rule: str
    rule_url: str
    schedules: tuple[AdminSchedule, ...]

    def schedule_for(self, day: date) -> AdminSchedule | None:
        known = [s for s in self.schedules if s.effective_from <= day]
        return known[-1] if known else None


def load_admin_costs(path: Path = ADMIN_COSTS_FILE) -> AdminCostTable:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    schedules = []
    for row in data["schedule"]:
        costs = []
        for cost in row["cost"]:
            if cost["when"] not in ADMIN_WHEN:
                raise ValueError(f"{path.name}: {cost['code']}: when must be one of {ADMIN_WHEN}")
            amount = Decimal(cost["amount"])
            if amount < 0 or amount != pennies(amount):
                raise ValueError(f"{path.name}: {cost['code']}: amount must be pounds and pence")
            costs.append(AdminCost(cost["code"], cost["description"], amount, cost["when"]))
        schedules.append(
            AdminSchedule(row["effective_from"], tuple(costs), row["confidence"], row["source"])
        )
    return AdminCostTable(
        data["rule"],
        data["rule_url"],
        tuple(sorted(schedules, key=lambda s: s.effective_from)),
    )


@cache
def council_admin_costs() -> AdminCostTable:
    return load_admin_costs()


@dataclass(frozen=True)
class AdminCharge:
    on: date
    description: str
    amount: Decimal


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February: the anniversary is 1 March
        return date(start.year + years, 3, 1)


def admin_charges(costs: list[AdminCost], *, deferral_start: date, on: date) -> list[AdminCharge]:
    """The administration costs added to `on`: each "set_up" cost on the day deferring starts,
    each "annual" cost on every anniversary of that day."""
    charges = []
    for cost in costs:
        if cost.when == "set_up":
            if deferral_start <= on:
                charges.append(AdminCharge(deferral_start, cost.description, cost.amount))
        else:
            years = 1
            while (day := _anniversary(deferral_start, years)) <= on:
                charges.append(AdminCharge(day, f"{cost.description} ({day.year})", cost.amount))
                years += 1
    return sorted(charges, key=lambda c: c.on)


@dataclass
class StatementPeriod:
    starts: date
    ends: date
    maximum_rate: Decimal | None
    rate: Decimal | None  # the rate charged; None when no national maximum is known
    capped: bool  # the council's rate was above the maximum and the maximum was charged
    source: str
    deferrals: int = 0
    deferred: Decimal = ZERO
    admin: Decimal = ZERO  # administration costs added in the period
    interest: Decimal = Decimal(0)
    closing: Decimal = Decimal(0)


@dataclass
class Statement:
    on: date
    deferred: Decimal
    interest: Decimal
    total: Decimal
    periods: list[StatementPeriod] = field(default_factory=list)
    missing_rates: list[tuple[date, date]] = field(default_factory=list)
    admin: Decimal = ZERO  # administration costs added to the amount deferred
    admin_charges: list[AdminCharge] = field(default_factory=list)


def deferral_dates(start: date, on: date, end: date | None = None) -> list[date]:
    last = min(on, end) if end else on
    dates, day = [], start
    while day <= last:
        dates.append(day)
        day += timedelta(weeks=1)
    return dates


def statement(
    *,
    deferral_start: date,
    weekly_deferred: Decimal,
    on: date,
    council_rate: Decimal | None = None,
    rates: RateTable | None = None,
    admin: list[AdminCharge] | None = None,
) -> Statement:
    """The amount deferred to `on` (inclusive of a deferral falling that day), with the compound
    interest to `on`, by half-year period. Interest for day d runs from d to d + 1: a deferral made
    on `on` has earned none yet. Administration costs (`admin`, SI 2014/2671 reg 10(2)) are added
    to the amount deferred on their day and earn interest like it."""
    rates = rates or national_rates()
    deferrals = set(deferral_dates(deferral_start, on))
    admin_by_day: dict[date, Decimal] = {}
    for charge in admin or []:
        if charge.on <= on:
            admin_by_day[charge.on] = admin_by_day.get(charge.on, ZERO) + charge.amount
    periods: list[StatementPeriod] = []
    missing: list[tuple[date, date]] = []
    with localcontext() as ctx:
        ctx.prec = 40
        balance = Decimal(0)
        day = deferral_start
        while day <= on:
            starts, ends = half_year(day)
            known = rates.maximum_for(day)
            maximum = known.maximum_rate if known else None
            rate = (
                maximum if council_rate is None or maximum is None else min(council_rate, maximum)
            )
            period = StatementPeriod(
                starts=max(starts, deferral_start),
                ends=min(ends, on),
                maximum_rate=maximum,
                rate=rate,
                capped=bool(
                    council_rate is not None and maximum is not None and council_rate > maximum
                ),
                source=known.source if known else "",
            )
            if known is None:
                missing.append((starts, ends))
            while day <= period.ends:
                if day in deferrals:
                    balance += weekly_deferred
                    period.deferrals += 1
                    period.deferred += weekly_deferred
                if day in admin_by_day:
                    balance += admin_by_day[day]
                    period.admin += admin_by_day[day]
                if day < on and rate is not None:
                    interest = balance * rate / 100 / DAYS_IN_YEAR
                    balance += interest
                    period.interest += interest
                day += timedelta(days=1)
            period.closing = balance
            periods.append(period)
        deferred = sum((p.deferred for p in periods), ZERO)
        added = sum((p.admin for p in periods), ZERO)
        interest = sum((p.interest for p in periods), Decimal(0))
        for period in periods:
            period.interest = pennies(period.interest)
            period.closing = pennies(period.closing)
        return Statement(
            on=on,
            deferred=pennies(deferred),
            interest=pennies(interest),
            total=pennies(balance),
            periods=periods,
            missing_rates=missing,
            admin=pennies(added),
            admin_charges=[c for c in admin or [] if c.on <= on],
        )


# Deferred payment equity --------------------------------------------------------------------

EQUITY_MARGIN = Decimal("0.10")


def equity_limit(
    *, property_value: Decimal, encumbrances: Decimal, lower_capital_limit: Decimal
) -> Decimal:
    """How much may be deferred against the home: its value less 10%, less the lower capital
    limit, less what is already secured on it (statutory guidance ch. 9, "equity limit")."""
    return max(
        ZERO,
        pennies(property_value * (1 - EQUITY_MARGIN) - lower_capital_limit - encumbrances),
    )
