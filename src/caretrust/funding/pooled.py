"""Pooled budget forecast maths (Section 75 / Better Care Fund), pure Python (no Django).

A pool runs for one financial year (1 April to 31 March). Partners (NHS, council) contribute to it;
service lines hold budgets. The forecast outturn of a line at the end of a month is

    actual spend in the months up to and including that month
  + commitments from the next day to 31 March: each active plan's weekly cost x weeks remaining
    (days / 7, from the later of that day and the plan's start to the earlier of 31 March and the
    plan's end)
  + spend not covered by commitments: the mean of the last three months' actual spend (fewer
    early in the year; a month with no spend counts as nothing) x the months remaining, less the
    commitments, when that is more than nothing.

So a line whose plans do not explain its spend (spot purchases, care not yet on a plan) is
projected at its recent run rate rather than shown as an underspend, and a line whose commitments
exceed its run rate is projected by its commitments. `METHOD` states this for pages and exports.

Per partner, each line's budget and forecast are split by the line's partner shares, or, where a
line has none, by each partner's share of the total contributions. Splits are in whole pennies by
largest remainder so that parts add up exactly. A line or partner is "over" when its forecast
exceeds its budget by more than `threshold` (a fraction of the budget, default 5%), "under" when
it falls short by more than that, else "on track". Money is `Decimal`, rounded to the penny
(half-up) once per commitment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
DEFAULT_THRESHOLD = Decimal("0.05")
RUN_RATE_MONTHS = 3
METHOD = (
    "Forecast outturn = spent to date + commitments for the rest of the year (agreed care plans "
    "priced by the service catalogue) + spend not covered by commitments: the average of the last "
    "three months' actual spend x the months remaining, less the commitments, if that is more."
)


@dataclass(frozen=True)
class PoolLine:
    id: str
    budget: Decimal
    partner_shares: Mapping[str, Decimal] = field(default_factory=dict)  # fractions summing to 1


@dataclass(frozen=True)
class Pool:
    financial_year_start: date  # 1 April
    contributions: Mapping[str, Decimal]  # partner -> annual contribution
    lines: tuple[PoolLine, ...]

    @property
    def financial_year_end(self) -> date:
        return date(self.financial_year_start.year + 1, 3, 31)


@dataclass(frozen=True)
class Commitment:
    """A planned service funded from a line: weekly cost over the plan's dates."""

    line_id: str
    weekly_cost: Decimal
    start: date | None = None
    end: date | None = None
    reference: str = ""


@dataclass(frozen=True)
class Spend:
    """Actual spend on a line in one month (`month` is any day of that month)."""

    line_id: str
    month: date
    amount: Decimal


@dataclass(frozen=True)
class Outturn:
    """Forecast for one line or partner."""

    name: str
    budget: Decimal
    actual_to_date: Decimal
    committed: Decimal
    projected: Decimal  # spend at the recent run rate not covered by commitments
    forecast: Decimal
    variance: Decimal  # forecast - budget; positive = overspend
    status: str  # "over" | "under" | "on_track"


@dataclass(frozen=True)
class Forecast:
    as_of: date  # the last day of the month the forecast is made at
    lines: tuple[Outturn, ...]
    partners: tuple[Outturn, ...]
    warnings: tuple[str, ...]

    @property
    def total_forecast(self) -> Decimal:
        return sum((line.forecast for line in self.lines), ZERO)


def weeks_between(first: date, last: date) -> Decimal:
    """Weeks from `first` to `last` inclusive, as days / 7 (0 if `last` is before `first`)."""
    days = (last - first).days + 1
    return Decimal(max(days, 0)) / 7


def commitment_value(commitment: Commitment, from_day: date, year_end: date) -> Decimal:
    """Weekly cost x weeks remaining in the year from `from_day`, to the penny."""
    first = max(from_day, commitment.start or from_day)
    last = min(year_end, commitment.end or year_end)
    value = commitment.weekly_cost * weeks_between(first, last)
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def month_end(day: date) -> date:
    next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return next_month - timedelta(days=1)


def forecast(
    pool: Pool,
    commitments: Iterable[Commitment],
    spend: Iterable[Spend],
    *,
    as_of_month: date,
    threshold: Decimal = DEFAULT_THRESHOLD,
) -> Forecast:
    """The forecast outturn at the end of `as_of_month`, per line and per partner."""
    commitments, spend = list(commitments), list(spend)
    _validate(pool, commitments, spend)
    as_of = month_end(as_of_month)
    if not pool.financial_year_start <= as_of <= pool.financial_year_end:
        raise ValueError(f"as_of_month {as_of_month} is outside the pool's financial year")
    lines = tuple(
        _line_outturn(line, commitments, spend, as_of, pool, threshold) for line in pool.lines
    )
    partners = _partner_outturns(pool, lines, threshold)
    return Forecast(as_of, lines, partners, _warnings(pool, lines, partners))


def monthly_forecasts(
    pool: Pool,
    commitments: Iterable[Commitment],
    spend: Iterable[Spend],
    *,
    threshold: Decimal = DEFAULT_THRESHOLD,
) -> list[Forecast]:
    """One forecast per month from April to the latest month with actual spend (April if none).

    Uses today's commitments for every month: a plan that starts later counts from its start.
    """
    commitments, spend = list(commitments), list(spend)
    last = max((s.month for s in spend), default=pool.financial_year_start)
    months, month = [], pool.financial_year_start.replace(day=1)
    while month <= last:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return [forecast(pool, commitments, spend, as_of_month=m, threshold=threshold) for m in months]


def _line_outturn(
    line: PoolLine,
    commitments: Sequence[Commitment],
    spend: Sequence[Spend],
    as_of: date,
    pool: Pool,
    threshold: Decimal,
) -> Outturn:
    actual = sum((s.amount for s in spend if s.line_id == line.id and s.month <= as_of), ZERO)
    from_day = as_of + timedelta(days=1)
    committed = sum(
        (
            commitment_value(c, from_day, pool.financial_year_end)
            for c in commitments
            if c.line_id == line.id
        ),
        ZERO,
    )
    run_rate = recent_monthly_spend(line.id, spend, as_of, pool.financial_year_start)
    at_run_rate = run_rate * months_remaining(as_of, pool.financial_year_end)
    projected = max(ZERO, at_run_rate - committed).quantize(PENNY, rounding=ROUND_HALF_UP)
    return _outturn(line.id, line.budget, actual, committed, projected, threshold)


def months_elapsed(as_of: date, year_start: date) -> int:
    return (as_of.year - year_start.year) * 12 + as_of.month - year_start.month + 1


def months_remaining(as_of: date, year_end: date) -> int:
    return (year_end.year - as_of.year) * 12 + year_end.month - as_of.month


def recent_monthly_spend(
    line_id: str, spend: Sequence[Spend], as_of: date, year_start: date
) -> Decimal:
    """Mean actual spend a month over the last three months to `as_of` (fewer in April and May)."""
    months = min(RUN_RATE_MONTHS, months_elapsed(as_of, year_start))
    first = as_of.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    total = sum(
        (s.amount for s in spend if s.line_id == line_id and first <= s.month <= as_of), ZERO
    )
    return total / months


def _outturn(
    name: str,
    budget: Decimal,
    actual: Decimal,
    committed: Decimal,
    projected: Decimal,
    threshold: Decimal,
) -> Outturn:
    total = actual + committed + projected
    variance = total - budget
    margin = budget * threshold
    status = "over" if variance > margin else "under" if variance < -margin else "on_track"
    return Outturn(name, budget, actual, committed, projected, total, variance, status)


def _partner_outturns(
    pool: Pool, lines: Sequence[Outturn], threshold: Decimal
) -> tuple[Outturn, ...]:
    partners = list(pool.contributions)
    # actual, committed, projected
    parts: dict[str, list[Decimal]] = {p: [ZERO, ZERO, ZERO] for p in partners}
    total_contribution = sum(pool.contributions.values(), ZERO)
    default_shares = {p: pool.contributions[p] / total_contribution for p in partners}
    for spec, outturn in zip(pool.lines, lines, strict=True):
        shares = spec.partner_shares or default_shares
        weights = [Decimal(shares.get(p, 0)) for p in partners]
        for i, part in enumerate((outturn.actual_to_date, outturn.committed, outturn.projected)):
            for partner, amount in zip(partners, split(part, weights), strict=True):
                parts[partner][i] += amount
    return tuple(
        _outturn(p, pool.contributions[p], *parts[p], threshold=threshold) for p in partners
    )


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` by `weights` in whole pennies (largest remainder; ties: earlier first)."""
    total = sum(weights, Decimal(0))
    if total == 0:
        raise ValueError("weights must not all be zero")
    if amount < 0:  # a net refund: split the size, keep the sign
        return [-part for part in split(-amount, weights)]
    pennies = int((amount / PENNY).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [pennies * w / total for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: pennies - sum(shares)]:
        shares[i] += 1
    return [Decimal(s).scaleb(-2) for s in shares]


def _warnings(pool: Pool, lines: Sequence[Outturn], partners: Sequence[Outturn]) -> tuple[str, ...]:
    warnings = []
    for outturn in [*lines, *partners]:
        if outturn.status == "over":
            warnings.append(
                f"{outturn.name}: forecast overspend of {outturn.variance.quantize(PENNY)}"
            )
        elif outturn.status == "under":
            warnings.append(
                f"{outturn.name}: forecast underspend of {(-outturn.variance).quantize(PENNY)}"
            )
    budgets = sum((line.budget for line in pool.lines), ZERO)
    contributions = sum(pool.contributions.values(), ZERO)
    if budgets != contributions:
        warnings.append(f"line budgets total {budgets} but contributions total {contributions}")
    return tuple(warnings)


def _validate(pool: Pool, commitments: Sequence[Commitment], spend: Sequence[Spend]) -> None:
    if pool.financial_year_start.month != 4 or pool.financial_year_start.day != 1:
        raise ValueError("financial_year_start must be 1 April")
    if not pool.contributions or any(v < 0 for v in pool.contributions.values()):
        raise ValueError("contributions must name at least one partner, none negative")
    ids = {line.id for line in pool.lines}
    for line in pool.lines:
        if line.partner_shares:
            if set(line.partner_shares) - set(pool.contributions):
                raise ValueError(
                    f"line {line.id}: partner_shares name a partner with no contribution"
                )
            if sum(line.partner_shares.values(), Decimal(0)) != 1:
                raise ValueError(f"line {line.id}: partner_shares must add up to 1")
    for item in [*commitments, *spend]:
        if item.line_id not in ids:
            raise ValueError(f"unknown service line {item.line_id!r}")
    for item in spend:
        if not pool.financial_year_start <= item.month <= pool.financial_year_end:
            raise ValueError(
                f"spend on {item.line_id} in {item.month} is outside the financial year"
            )
