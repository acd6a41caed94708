"""Reading a pooled budget as the pure forecast model (`funding.pooled`) understands it."""

from __future__ import annotations

from decimal import Decimal

from caretrust.funding import pooled
from caretrust.funding.commitments import care_plan_commitments
from caretrust.funding.models import ActualSpend, PooledBudget


def pool_model(pool: PooledBudget) -> pooled.Pool:
    return pooled.Pool(
        financial_year_start=pool.financial_year_start,
        contributions={
            c.partner.name: c.amount for c in pool.contributions.select_related("partner")
        },
        lines=tuple(
            pooled.PoolLine(
                id=line.code,
                budget=line.budget,
                partner_shares=_shares_by_partner_name(pool, line.partner_shares),
            )
            for line in pool.lines.all()
        ),
    )


def _shares_by_partner_name(pool: PooledBudget, shares_by_code: dict) -> dict[str, Decimal]:
    names = {c.partner.code: c.partner.name for c in pool.contributions.select_related("partner")}
    return {names[code]: Decimal(str(share)) for code, share in shares_by_code.items()}


def spend(pool: PooledBudget) -> list[pooled.Spend]:
    return [
        pooled.Spend(line_id=row.line.code, month=row.month, amount=row.amount)
        for row in ActualSpend.objects.filter(line__pool=pool).select_related("line")
    ]


def forecasts(pool: PooledBudget) -> list[pooled.Forecast]:
    """The forecast made at the end of each month with spend so far (April if none yet)."""
    return pooled.monthly_forecasts(
        pool_model(pool),
        care_plan_commitments(pool),
        spend(pool),
        threshold=pool.overspend_threshold,
    )


def latest_forecast(pool: PooledBudget) -> pooled.Forecast:
    return forecasts(pool)[-1]
