"""Reading a pooled budget as the pure forecast model (`funding.pooled`) understands it."""

from __future__ import annotations

from decimal import Decimal

from caretrust import clock
from caretrust.funding import pooled
from caretrust.funding.commitments import care_plan_commitments
from caretrust.funding.deliveries import delivered_spend
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
        risk_share=risk_share(pool),
    )


def risk_share(pool: PooledBudget) -> pooled.RiskShare | None:
    """The agreement's risk share with partners by name (None: by contributions)."""
    if not pool.risk_share:
        return None
    contributions = {c.partner.code: c for c in pool.contributions.select_related("partner")}
    total = sum((c.amount for c in contributions.values()), Decimal(0))

    def bands(spec: list) -> tuple[pooled.RiskBand, ...]:
        out = []
        for band in spec:
            shares = band.get("shares", "contributions")
            if shares == "contributions":
                by_name = {c.partner.name: c.amount / total for c in contributions.values()}
            else:
                by_name = {
                    contributions[code].partner.name: Decimal(str(v)) for code, v in shares.items()
                }
            up_to = band.get("up_to")
            out.append(pooled.RiskBand(None if up_to is None else Decimal(str(up_to)), by_name))
        return tuple(out)

    default = [{"shares": "contributions"}]
    return pooled.RiskShare(
        overspend=bands(pool.risk_share.get("overspend", default)),
        underspend=bands(pool.risk_share.get("underspend", default)),
        description=pool.risk_share.get("description", ""),
    )


def risk_share_description(pool: PooledBudget) -> str:
    if not pool.risk_share:
        return "Over- and underspends are shared in proportion to the partners' contributions."
    return pool.risk_share.get("description", "") or "As the agreement's risk share sets out."


def _shares_by_partner_name(pool: PooledBudget, shares_by_code: dict) -> dict[str, Decimal]:
    names = {c.partner.code: c.partner.name for c in pool.contributions.select_related("partner")}
    return {names[code]: Decimal(str(share)) for code, share in shares_by_code.items()}


def spend(pool: PooledBudget) -> list[pooled.Spend]:
    """The ledger's actual spend and, for lines that take them, delivered visits priced by the
    catalogue in the complete months before today's."""
    ledger = [
        pooled.Spend(line_id=row.line.code, month=row.month, amount=row.amount)
        for row in ActualSpend.objects.filter(line__pool=pool).select_related("line")
    ]
    return ledger + delivered_spend(pool, before=clock.today())


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


# ------------------------------------------- reads for a page: authorised and audited (ADR 108)
# Each takes the viewer, authorises by the page's rule (a refusal raises PermissionDenied: the
# page's 403, noted for the audit) and records the read, folded into the request's row about the
# person (ADR 101).


def person_for_assessment(viewer, ref: str):
    """The person the financial assessment form is about (404 if there is none)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit
    from caretrust.people.models import Person

    person = get_object_or_404(Person, ref=ref)
    audit.authorised_read(
        viewer,
        "funding.assess",
        person,
        person=person,
        purpose="funding.assessment_form",
        obj=person,
        details={"page": "financial assessment form"},
        give_reason=True,
    )
    return person


def financial_assessment(viewer, pk: int, *, page: str = ""):
    """One financial assessment for its result page or its letter (404 if there is none)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit
    from caretrust.funding.models import FinancialAssessment

    found = get_object_or_404(FinancialAssessment.objects.select_related("person"), pk=pk)
    audit.authorised_read(
        viewer,
        "funding.assess",
        found.person,
        person=found.person,
        purpose="funding.financial_assessment",
        obj=found,
        details={"page": page} if page else None,
        give_reason=True,
    )
    return found


def who_pays(viewer, person):
    """The person's current care plan and who pays for each of its lines (None, None without a
    plan), for finance's read-only page."""
    from caretrust.access import audit
    from caretrust.funding.planning import current_plan_for, plan_charges

    audit.authorised_read(
        viewer,
        "funding.view_charges",
        person,
        person=person,
        purpose="funding.who_pays",
        obj=person,
        details={"page": "who pays"},
        give_reason=True,
    )
    plan = current_plan_for(person)
    return plan, plan_charges(plan) if plan is not None else None
