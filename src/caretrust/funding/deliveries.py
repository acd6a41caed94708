"""Delivered visits as a pooled budget's actual spend (#18 item 6).

Funding does not import the care-plan area, so the care-plan area registers a *source* that counts
the visits marked done in the team workspace, grouped by month, service kind, funding stream and
hours a visit. Each is priced by the service catalogue (`catalogue.per_visit`) and charged to the
line whose `service_kinds` include the kind, when the line takes delivered visits as actuals
(`ServiceLine.delivered_visits_are_actuals`) and pays the service's funding stream (as for
commitments: a self-funded, CHC or s117 visit is not the pool's spend).

Only visits in complete months before `before` count: the forecast's commitments start the day
after its last complete month, so a visit is never both an actual and a commitment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from caretrust.funding import catalogue, pooled

if TYPE_CHECKING:
    from caretrust.funding.models import PooledBudget


@dataclass(frozen=True)
class DeliveredVisits:
    kind: str  # planned-service kind, e.g. "home_care"
    month: date  # first day of the month
    visits: int
    hours_per_visit: Decimal | None
    funding_stream: str


# source(first_day, before) -> the done visits on days first_day <= day < before
DeliverySource = Callable[[date, date], Iterable[DeliveredVisits]]
_sources: dict[str, DeliverySource] = {}


def register_source(name: str, source: DeliverySource) -> None:
    _sources[name] = source


def delivered_spend(pool: PooledBudget, *, before: date) -> list[pooled.Spend]:
    """Priced delivered visits per line and month, from 1 April to the month before `before`."""
    lines = [line for line in pool.lines.all() if line.delivered_visits_are_actuals]
    line_for_kind = {kind: line for line in lines for kind in line.service_kinds}
    if not line_for_kind:
        return []
    end = min(before.replace(day=1), pool.financial_year_end)
    prices = catalogue.load()
    totals: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for source in _sources.values():
        for delivered in source(pool.financial_year_start, end):
            line = line_for_kind.get(delivered.kind)
            if line is None or delivered.funding_stream not in line.funding_streams:
                continue
            each = prices.per_visit(delivered.kind, delivered.hours_per_visit)
            if each is None:
                continue
            totals[(line.code, delivered.month)] += each * delivered.visits
    return [
        pooled.Spend(code, month, amount.quantize(pooled.PENNY), source="visits")
        for (code, month), amount in sorted(totals.items())
    ]
