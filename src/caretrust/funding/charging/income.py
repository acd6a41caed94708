"""Income: counted, disregarded and partly disregarded kinds (SI 2014/2672 regs 13-15, Sch 1)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from caretrust.funding.charging.explain import Explanation
from caretrust.funding.charging.kinds import (
    DEFAULT_DISREGARD_RULE,
    DISREGARD_RULES,
    INCOME_KINDS,
    NIGHT_RATE_KINDS,
    IncomeTreatment,
)
from caretrust.funding.charging.model import ZERO, AssessmentRequest, IncomeItem
from caretrust.funding.charging.money import allowance, assessable
from caretrust.funding.charging.policy import CouncilPolicy
from caretrust.funding.charging.rules import Figure, Figures

COUNTED_RULE = "SI 2014/2672 reg 13"
HALF = Decimal("0.5")


@dataclass(frozen=True)
class IncomeResult:
    counted: Decimal
    disability_benefit_counted: bool


@dataclass(frozen=True)
class _Disregard:
    amount: Decimal
    reason: str
    rule: str
    figure: Figure | None = None


def assess_income(
    request: AssessmentRequest, figures: Figures, policy: CouncilPolicy, explain: Explanation
) -> IncomeResult:
    """Total weekly income taken into account, explaining each item's treatment."""
    total = ZERO
    disability_counted = False
    for index, item in enumerate(request.income):
        label = f"income[{index}] {item.kind} {item.weekly}"
        disregard = _disregard(item, request, figures, policy)
        counted = max(ZERO, assessable(item.weekly) - allowance(disregard.amount))
        if disregard.amount > 0:
            explain.add(
                f"{label}: {disregard.reason}",
                amount=counted,
                rule=disregard.rule,
                figure=disregard.figure,
                detail=f"{item.weekly} - {allowance(disregard.amount)} disregarded",
            )
        else:
            explain.add(f"{label}: counted in full", amount=counted, rule=COUNTED_RULE)
        total += counted
        if counted > 0 and INCOME_KINDS[item.kind] is IncomeTreatment.DISABILITY_CARE:
            disability_counted = True
    explain.add("Weekly income taken into account", amount=total, rule=COUNTED_RULE)
    return IncomeResult(total, disability_counted)


def _disregard(
    item: IncomeItem, request: AssessmentRequest, figures: Figures, policy: CouncilPolicy
) -> _Disregard:
    treatment = INCOME_KINDS[item.kind]
    in_care_home = request.setting == "care_home"
    if treatment is IncomeTreatment.DISREGARDED:
        rule = DISREGARD_RULES.get(item.kind, DEFAULT_DISREGARD_RULE)
        return _Disregard(item.weekly, "disregarded in full", rule)
    if treatment is IncomeTreatment.DISABILITY_CARE:
        if in_care_home:
            return _Disregard(ZERO, "", "")  # counted in full while paid (stops after 28 days)
        return _disability_care(item, request, figures, policy)
    if treatment is IncomeTreatment.PENSION and in_care_home:
        return _pension_to_spouse(item)
    if treatment is IncomeTreatment.WAR_PENSION:
        figure = figures.require("war_pension_disregard")
        assert figure.value is not None
        amount = min(item.weekly, figure.value)
        return _Disregard(amount, "first part disregarded", DEFAULT_DISREGARD_RULE, figure)
    if treatment is IncomeTreatment.SAVINGS_CREDIT and in_care_home:
        band = "couple" if request.person.couple else "single"
        figure = figures.require(f"savings_credit_disregard_{band}")
        assert figure.value is not None
        amount = min(item.weekly, figure.value)
        return _Disregard(amount, "savings credit disregard", DEFAULT_DISREGARD_RULE, figure)
    return _Disregard(ZERO, "", "")


def _disability_care(
    item: IncomeItem, request: AssessmentRequest, figures: Figures, policy: CouncilPolicy
) -> _Disregard:
    rule = "Care Act 2014 s.14; SI 2014/2672 reg 15 and Sch 1"
    if not policy.count_disability_benefits:
        return _Disregard(item.weekly, "disregarded: the council does not count it", rule)
    if (
        item.kind in NIGHT_RATE_KINDS
        and not request.night_care_provided
        and policy.disregard_night_care_difference
    ):
        lower = figures.require("aa_lower_rate")
        assert lower.value is not None
        amount = max(ZERO, item.weekly - lower.value)
        reason = "night-care difference disregarded (higher rate paid, no night care funded)"
        return _Disregard(amount, reason, rule, lower)
    return _Disregard(ZERO, "", "")


def _pension_to_spouse(item: IncomeItem) -> _Disregard:
    fraction = item.paid_to_spouse_at_home_fraction
    if fraction is not None and fraction >= HALF:
        return _Disregard(
            item.weekly * HALF,
            "half disregarded: at least half is paid to a spouse or civil partner at home",
            DEFAULT_DISREGARD_RULE,
        )
    return _Disregard(ZERO, "", "")
