"""Commitments against a pooled budget: the planned weekly cost of services in active care plans.

Funding does not import the care-plan area (care plans import funding to work out who pays), so the
care-plan area registers a *source* that lists its active planned services. Each service is charged
to the pool's line whose `service_kinds` include the service's kind, and only when the line's
`funding_streams` include the service's funding stream: a self-funded, CHC or s117 service is not
paid from the pool, so it is not the pool's commitment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from caretrust.funding import pooled

if TYPE_CHECKING:
    from caretrust.funding.models import PooledBudget


@dataclass(frozen=True)
class PlannedCost:
    kind: str  # planned-service kind, e.g. "home_care"
    weekly_cost: Decimal
    start: date | None
    end: date | None
    reference: str
    funding_stream: str = "council"


CommitmentSource = Callable[["PooledBudget"], Iterable[PlannedCost]]
_sources: dict[str, CommitmentSource] = {}


def register_source(name: str, source: CommitmentSource) -> None:
    _sources[name] = source


def care_plan_commitments(pool: PooledBudget) -> list[pooled.Commitment]:
    line_for_kind = {kind: line for line in pool.lines.all() for kind in line.service_kinds}
    commitments = []
    for source in _sources.values():
        for cost in source(pool):
            line = line_for_kind.get(cost.kind)
            if line is None or cost.weekly_cost <= 0:
                continue
            if cost.funding_stream not in line.funding_streams:
                continue
            commitments.append(
                pooled.Commitment(line.code, cost.weekly_cost, cost.start, cost.end, cost.reference)
            )
    return commitments
