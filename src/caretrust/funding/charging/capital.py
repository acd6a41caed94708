"""Capital: what counts, the limits, and tariff income (SI 2014/2672 regs 12, 22, 24, 25; Sch 2)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from caretrust.funding.charging.errors import ChargingInputError
from caretrust.funding.charging.explain import Explanation
from caretrust.funding.charging.kinds import DISREGARDED_CAPITAL_KINDS, PROPERTY_KINDS
from caretrust.funding.charging.model import ZERO, AssessmentRequest, CapitalItem
from caretrust.funding.charging.money import allowance, assessable
from caretrust.funding.charging.policy import CouncilPolicy
from caretrust.funding.charging.rules import Figures

SCH2 = "SI 2014/2672 Sch 2"


@dataclass(frozen=True)
class CapitalResult:
    total: Decimal
    upper_limit: Decimal
    above_upper_limit: bool
    tariff_income: Decimal


def assess_capital(
    request: AssessmentRequest, figures: Figures, policy: CouncilPolicy, explain: Explanation
) -> CapitalResult:
    """Count the person's capital, compare it with the limits and work out tariff income."""
    total = ZERO
    for index, item in enumerate(request.capital):
        total += _counted_value(index, item, request, figures, policy, explain)
    if request.notional_capital > 0:
        total += request.notional_capital
        explain.add(
            "Notional capital added (decided by the assessor, not by this engine)",
            amount=request.notional_capital,
            rule="SI 2014/2672 reg 22",
        )
    explain.add("Capital taken into account", amount=total, rule="SI 2014/2672 Part 5")
    upper, lower = _limits(request.setting, figures, policy, explain)
    if total > upper:
        explain.add(
            "Capital is above the upper limit: full-cost payer",
            amount=total,
            rule="Care Act 2014 s.18; SI 2014/2672 reg 12",
            detail=f"{total} > {upper}; capital at or below the limit is still means-tested",
        )
        return CapitalResult(total, upper, True, ZERO)
    tariff = _tariff_income(total, lower, figures, explain)
    return CapitalResult(total, upper, False, tariff)


def _counted_value(
    index: int,
    item: CapitalItem,
    request: AssessmentRequest,
    figures: Figures,
    policy: CouncilPolicy,
    explain: Explanation,
) -> Decimal:
    label = f"capital[{index}] {item.kind}"
    if item.kind in DISREGARDED_CAPITAL_KINDS:
        explain.add(f"{label} disregarded: {DISREGARDED_CAPITAL_KINDS[item.kind]}", rule=SCH2)
        return ZERO
    if item.kind == "main_home" and _main_home_disregarded(
        label, item, request, figures, policy, explain
    ):
        return ZERO
    share = assessable(item.value / item.joint_owners)
    if item.joint_owners > 1:
        explain.add(
            f"{label}: an equal share of a holding with {item.joint_owners} owners",
            amount=share,
            rule="SI 2014/2672 reg 24",
            detail=f"{item.value} / {item.joint_owners}",
        )
    if item.kind in PROPERTY_KINDS:
        share = _property_value(label, item, share, figures, explain)
    explain.add(f"{label} counted", amount=share, rule="SI 2014/2672 Part 5")
    return share


def _property_value(
    label: str, item: CapitalItem, share: Decimal, figures: Figures, explain: Explanation
) -> Decimal:
    fraction = figures.require("property_sale_costs_fraction")
    assert fraction.value is not None
    sale_costs = allowance(share * fraction.value)
    debt = allowance(item.secured_debt / item.joint_owners)
    value = max(ZERO, share - sale_costs - debt)
    explain.add(
        f"{label}: value less expenses of sale and debts secured on it",
        amount=value,
        figure=fraction,
        detail=f"{share} - {sale_costs} (sale costs) - {debt} (secured debt share)",
    )
    return value


def _main_home_disregarded(
    label: str,
    item: CapitalItem,
    request: AssessmentRequest,
    figures: Figures,
    policy: CouncilPolicy,
    explain: Explanation,
) -> bool:
    if request.setting == "community":
        explain.add(f"{label} disregarded: the main home, for care outside a care home", rule=SCH2)
        return True
    if item.qualifying_relative_lives_there:
        explain.add(
            f"{label} disregarded: a qualifying relative who lived there still lives there",
            rule=SCH2,
        )
        return True
    weeks = request.weeks_since_permanent_admission
    if weeks is None:
        raise ChargingInputError(
            "weeks_since_permanent_admission", "required for a care-home resident with a main home"
        )
    limit = figures.require("property_disregard_weeks")
    assert limit.value is not None
    if weeks < limit.value:
        explain.add(
            f"{label} disregarded: 12-week property disregard ({weeks} complete weeks since "
            "permanent admission)",
            figure=limit,
        )
        return True
    if policy.discretionary_property_disregard:
        explain.add(f"{label} disregarded at the council's discretion", rule=f"{SCH2} (discretion)")
        return True
    explain.add(
        f"{label} counted: {weeks} complete weeks since admission, no qualifying relative",
        figure=limit,
    )
    return False


def _limits(
    setting: str, figures: Figures, policy: CouncilPolicy, explain: Explanation
) -> tuple[Decimal, Decimal]:
    upper_fig = figures.require(f"upper_capital_limit_{setting}")
    lower_fig = figures.require(f"lower_capital_limit_{setting}")
    upper, lower = upper_fig.value, lower_fig.value
    assert upper is not None and lower is not None
    explain.add("Upper capital limit", amount=upper, figure=upper_fig)
    explain.add("Lower capital limit", amount=lower, figure=lower_fig)
    if setting == "community":
        upper = _council_limit(upper, policy.non_residential_upper_capital_limit, "upper", explain)
        lower = _council_limit(lower, policy.non_residential_lower_capital_limit, "lower", explain)
    if lower > upper:
        raise ChargingInputError("council_policy", "lower capital limit is above the upper limit")
    return upper, lower


def _council_limit(
    national: Decimal, council: Decimal | None, which: str, explain: Explanation
) -> Decimal:
    if council is None:
        return national
    if council < national:
        raise ChargingInputError(
            f"council_policy.non_residential_{which}_capital_limit",
            f"must not be below the national {which} capital limit {national}",
        )
    explain.add(
        f"Council's higher non-residential {which} capital limit used",
        amount=council,
        rule="Care Act 2014 s.14 (council discretion)",
    )
    return council


def _tariff_income(
    total: Decimal, lower: Decimal, figures: Figures, explain: Explanation
) -> Decimal:
    if total <= lower:
        explain.add(
            "Capital at or below the lower limit: no tariff income",
            amount=ZERO,
            rule="SI 2014/2672 reg 25",
        )
        return ZERO
    step, per_step = figures.require("tariff_step"), figures.require("tariff_per_step")
    assert step.value is not None and per_step.value is not None
    # "£1 for every £250 or part of £250": a part step counts as a whole step.
    steps = ((total - lower) / step.value).to_integral_value(rounding=ROUND_CEILING)
    tariff = steps * per_step.value
    explain.add(
        "Tariff income from capital between the limits",
        amount=tariff,
        figure=step,
        detail=f"({total} - {lower}) / {step.value}, part as whole = {steps} x {per_step.value}",
    )
    return tariff
