"""Service lines: which are free or NHS-funded, which may be charged, and sharing the charge.

Allocation rule: the person's single weekly charge is shared across the chargeable weekly lines in
proportion to each line's chargeable cost, in whole pennies. Each line first gets its proportional
share rounded down; the pennies left over go one each to the lines with the largest remainders
(ties: the earlier line in the plan). The shares add up exactly to the charge and no line's share
exceeds its chargeable cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from caretrust.funding.charging.errors import ChargingInputError
from caretrust.funding.charging.explain import Explanation
from caretrust.funding.charging.model import ZERO, Service
from caretrust.funding.charging.rules import Figures

CHC_RULE = "Care Act 2014 s.22; National Framework for NHS Continuing Healthcare"
FNC_RULE = "Care Act 2014 s.22; NHS-funded nursing care"
# Aids are free whatever they cost; only adaptations carry the £1,000 limit.
AIDS_RULE = "SI 2014/2672 reg 3; SI 2014/2673 reg 3 (aids)"


@dataclass(frozen=True)
class Split:
    """How one service's cost divides before the means test."""

    service: Service
    nhs: Decimal  # paid by the NHS whatever the person's means (CHC, FNC)
    free: Decimal  # free to the person, paid by `free_payer`
    free_payer: str
    chargeable: Decimal  # may be charged to the person
    reason: str


def split_service(index: int, service: Service, figures: Figures, explain: Explanation) -> Split:
    """Classify one service by its funding stream."""
    label = f"services[{index}] {service.id}"
    cost = service.cost
    funding = service.funding
    if funding == "nhs_chc":
        reason = "NHS Continuing Healthcare: the NHS pays the whole package, no means test"
        explain.add(f"{label}: {reason}", amount=cost, rule=CHC_RULE)
        return Split(service, cost, ZERO, "nhs", ZERO, reason)
    if funding == "s117":
        reason = "s117 Mental Health Act aftercare: free to the person"
        explain.add(f"{label}: {reason}", amount=cost, rule="Mental Health Act 1983 s.117")
        return _free(service, reason)
    if funding == "reablement":
        return _reablement(index, service, figures, explain)
    if funding == "equipment":
        reason = "an aid (community equipment): free whatever it costs"
        explain.add(f"{label}: {reason}", amount=cost, rule=AIDS_RULE)
        return _free(service, reason)
    if funding == "minor_adaptation":
        return _minor_adaptation(label, service, figures, explain)
    if funding == "nursing_home_fee":
        return _nursing_home_fee(label, service, figures, explain)
    reason = "council-funded care: charged by the means test"
    explain.add(f"{label}: {reason}", amount=cost, rule="Care Act 2014 s.14")
    return Split(service, ZERO, ZERO, "council", cost, reason)


def _free(service: Service, reason: str) -> Split:
    return Split(service, ZERO, service.cost, service.payer, ZERO, reason)


def _reablement(index: int, service: Service, figures: Figures, explain: Explanation) -> Split:
    label = f"services[{index}] {service.id}"
    free_weeks = figures.require("reablement_free_weeks")
    assert free_weeks.value is not None
    week = service.reablement_week
    if week is None:
        raise ChargingInputError(f"services[{index}].reablement_week", "required for reablement")
    if week <= free_weeks.value:
        reason = f"reablement week {week}: free for the first {free_weeks.value} weeks"
        explain.add(f"{label}: {reason}", amount=service.cost, figure=free_weeks)
        return _free(service, reason)
    reason = f"reablement week {week}: beyond the free {free_weeks.value} weeks, charged"
    explain.add(f"{label}: {reason}", amount=service.cost, figure=free_weeks)
    return Split(service, ZERO, ZERO, "council", service.cost, reason)


def _minor_adaptation(
    label: str, service: Service, figures: Figures, explain: Explanation
) -> Split:
    limit = figures.require("minor_adaptation_free_limit")
    assert limit.value is not None
    if service.cost <= limit.value:
        reason = f"minor adaptation costing {limit.value} or less: free"
        explain.add(f"{label}: {reason}", amount=service.cost, figure=limit)
        return _free(service, reason)
    reason = (
        f"adaptation above {limit.value}: not free by right; a full-cost payer pays it, otherwise "
        "the council funds it unless it decides to charge outside this assessment"
    )
    explain.add(f"{label}: {reason}", amount=service.cost, figure=limit)
    return Split(service, ZERO, ZERO, "council", service.cost, reason)


def _nursing_home_fee(
    label: str, service: Service, figures: Figures, explain: Explanation
) -> Split:
    if not service.includes_nursing:
        reason = "care home fee: charged by the means test"
        explain.add(f"{label}: {reason}", amount=service.cost, rule="Care Act 2014 s.14")
        return Split(service, ZERO, ZERO, "council", service.cost, reason)
    rate = figures.require(f"fnc_{service.fnc_band}_rate")
    assert rate.value is not None
    nhs = min(rate.value, service.cost)
    reason = "nursing home fee: the NHS pays NHS-funded nursing care, the rest is means-tested"
    explain.add(
        f"{label}: NHS-funded nursing care ({service.fnc_band} rate)", amount=nhs, figure=rate
    )
    return Split(service, nhs, ZERO, "council", service.cost - nhs, reason)


def allocate(charge: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Share `charge` across lines in proportion to `weights`, in pennies (see module docstring)."""
    total_weight = sum(weights, ZERO)
    if charge <= 0 or total_weight <= 0:
        return [ZERO for _ in weights]
    pennies = int(charge * 100)
    weight_pennies = [int(w * 100) for w in weights]
    total_pennies = sum(weight_pennies)
    shares = [pennies * w // total_pennies for w in weight_pennies]
    remainders = [pennies * w % total_pennies for w in weight_pennies]
    left = pennies - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order:
        if left == 0:
            break
        if shares[i] < weight_pennies[i]:
            shares[i] += 1
            left -= 1
    return [Decimal(s).scaleb(-2) for s in shares]
