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
it falls short by more than that, else "on track". The RAG rating follows: red for an overspend
beyond the threshold, amber for an overspend within it or an underspend beyond it, green for a
forecast at or under budget within the threshold. Money is `Decimal`, rounded to the penny
(half-up) once per commitment and once for the projection.

The pool's variance (total forecast less total line budgets) is shared between the partners by
the agreement's risk share (`RiskShare`): bands of an overspend (and of an underspend) each split
by their own shares, e.g. the first £200,000 by contributions and the rest by the host alone.
Without one, the variance is shared in proportion to the contributions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
DEFAULT_THRESHOLD = Decimal("0.05")
RUN_RATE_MONTHS = 3
METHOD = (
    "Forecast outturn = actual spend to date (the ledger, and delivered home-care and reablement "
    "visits priced by the service catalogue) + commitments for the remaining months (agreed care "
    "plans' council- and pool-funded services priced by the service catalogue) + spend not covered "
    "by commitments: the mean of the last three months' actual spend less what plans covered in "
    "those months, x the months remaining (nothing if plans cover it all). Red: forecast over "
    "budget by more than the threshold; amber: over budget within it, or under budget by more "
    "than it; green: at or under budget within it."
)
RAG = {"red": "Red", "amber": "Amber", "green": "Green"}


@dataclass(frozen=True)
class PoolLine:
    id: str
    budget: Decimal
    partner_shares: Mapping[str, Decimal] = field(default_factory=dict)  # fractions summing to 1


@dataclass(frozen=True)
class RiskBand:
    """A band of the pool's over- or underspend and how it is split: `up_to` is the size of the
    variance at which the band ends (None: no end), `shares` partner -> fraction (adding up to 1)."""

    up_to: Decimal | None
    shares: Mapping[str, Decimal]


@dataclass(frozen=True)
class RiskShare:
    """How the agreement splits an overspend and an underspend: bands in order of size."""

    overspend: tuple[RiskBand, ...]
    underspend: tuple[RiskBand, ...]
    description: str = ""


@dataclass(frozen=True)
class Pool:
    financial_year_start: date  # 1 April
    contributions: Mapping[str, Decimal]  # partner -> annual contribution
    lines: tuple[PoolLine, ...]
    risk_share: RiskShare | None = None  # None: in proportion to the contributions

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
    source: str = "ledger"  # "ledger" (imported) | "visits" (delivered visits, priced)


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
    delivered: Decimal = ZERO  # of actual_to_date, delivered visits priced by the catalogue

    @property
    def rag(self) -> str:
        """ "red" | "amber" | "green" (see the module docstring)."""
        if self.status == "over":
            return "red"
        if self.status == "under" or self.variance > 0:
            return "amber"
        return "green"


@dataclass(frozen=True)
class Forecast:
    as_of: date  # the last day of the month the forecast is made at
    lines: tuple[Outturn, ...]
    partners: tuple[Outturn, ...]
    warnings: tuple[str, ...]
    variance: Decimal = ZERO  # the pool's: total forecast - total line budgets
    risk_shares: Mapping[str, Decimal] = field(default_factory=dict)  # partner -> share of it

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


def covered_in_month(commitment: Commitment, month: date) -> Decimal:
    """What a plan covered in the month of `month`: weekly cost x its days in that month / 7
    (not rounded: the projection is rounded once)."""
    first = max(month.replace(day=1), commitment.start or month)
    last = min(month_end(month), commitment.end or month_end(month))
    return commitment.weekly_cost * weeks_between(first, last)


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
    budget = sum((line.budget for line in pool.lines), ZERO)
    variance = sum((line.forecast for line in lines), ZERO) - budget
    risk = share_risk(variance, pool.risk_share or proportional_risk_share(pool.contributions))
    return Forecast(as_of, lines, partners, _warnings(pool, lines, partners), variance, risk)


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
    own_spend = [s for s in spend if s.line_id == line.id and s.month <= as_of]
    own_commitments = [c for c in commitments if c.line_id == line.id]
    actual = sum((s.amount for s in own_spend), ZERO)
    delivered = sum((s.amount for s in own_spend if s.source == "visits"), ZERO)
    from_day = as_of + timedelta(days=1)
    committed = sum(
        (commitment_value(c, from_day, pool.financial_year_end) for c in own_commitments), ZERO
    )
    months = recent_months(as_of, pool.financial_year_start)
    uncovered = sum(
        (
            sum((s.amount for s in own_spend if _same_month(s.month, month)), ZERO)
            - sum((covered_in_month(c, month) for c in own_commitments), ZERO)
            for month in months
        ),
        ZERO,
    )
    remaining = months_remaining(as_of, pool.financial_year_end)
    projected = max(ZERO, uncovered * remaining / len(months)).quantize(
        PENNY, rounding=ROUND_HALF_UP
    )
    outturn = _outturn(line.id, line.budget, actual, committed, projected, threshold)
    return replace(outturn, delivered=delivered)


def _same_month(a: date, b: date) -> bool:
    return (a.year, a.month) == (b.year, b.month)


def recent_months(as_of: date, year_start: date) -> list[date]:
    """The first days of the last three months to `as_of` (fewer in April and May)."""
    first = as_of.replace(day=1)
    months = [first]
    for _ in range(min(RUN_RATE_MONTHS, months_elapsed(as_of, year_start)) - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months


def months_elapsed(as_of: date, year_start: date) -> int:
    return (as_of.year - year_start.year) * 12 + as_of.month - year_start.month + 1


def months_remaining(as_of: date, year_end: date) -> int:
    return (year_end.year - as_of.year) * 12 + year_end.month - as_of.month


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


def proportional_risk_share(contributions: Mapping[str, Decimal]) -> RiskShare:
    """The default: over- and underspends shared in proportion to the contributions."""
    total = sum(contributions.values(), ZERO)
    shares = {p: amount / total for p, amount in contributions.items()}
    band = (RiskBand(None, shares),)
    return RiskShare(band, band, "in proportion to the partners' contributions")


def share_risk(variance: Decimal, risk_share: RiskShare) -> dict[str, Decimal]:
    """Each partner's part of the pool's `variance` (positive: overspend), band by band, in whole
    pennies that add up to the variance."""
    bands = risk_share.overspend if variance >= 0 else risk_share.underspend
    partners = list(dict.fromkeys(p for band in bands for p in band.shares))
    parts = dict.fromkeys(partners, ZERO)
    left, lower = abs(variance), ZERO
    for band in bands:
        if left <= 0:
            break
        size = left if band.up_to is None else min(left, band.up_to - lower)
        if size <= 0:
            continue
        weights = [Decimal(band.shares.get(p, 0)) for p in partners]
        for partner, amount in zip(partners, split(size, weights), strict=True):
            parts[partner] += amount
        left -= size
        lower = band.up_to if band.up_to is not None else lower
    if left > 0:
        raise ValueError("the risk share's last band must have no upper limit")
    sign = 1 if variance >= 0 else -1
    return {p: sign * amount for p, amount in parts.items()}


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
    if pool.risk_share is not None:
        for kind, bands in (
            ("overspend", pool.risk_share.overspend),
            ("underspend", pool.risk_share.underspend),
        ):
            if not bands or bands[-1].up_to is not None:
                raise ValueError(f"risk share: the last {kind} band must have no upper limit")
            limits = [b.up_to for b in bands[:-1]]
            if any(a is None or a <= 0 for a in limits) or limits != sorted(set(limits)):  # type: ignore[type-var]
                raise ValueError(f"risk share: {kind} bands must rise in size")
            for band in bands:
                if set(band.shares) - set(pool.contributions):
                    raise ValueError(
                        f"risk share: a {kind} band names a partner with no contribution"
                    )
                if abs(sum(band.shares.values(), Decimal(0)) - 1) > Decimal("1e-20"):
                    raise ValueError(f"risk share: each {kind} band's shares must add up to 1")
    for item in [*commitments, *spend]:
        if item.line_id not in ids:
            raise ValueError(f"unknown service line {item.line_id!r}")
    for item in spend:
        if not pool.financial_year_start <= item.month <= pool.financial_year_end:
            raise ValueError(
                f"spend on {item.line_id} in {item.month} is outside the financial year"
            )
