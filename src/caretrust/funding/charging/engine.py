"""The financial assessment: who pays for each service in a plan, and why.

Pure Python (no Django). `assess()` takes an `AssessmentRequest` and returns an `Assessment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from caretrust.funding.charging.allowances import (
    disability_related_expenditure,
    housing_costs,
    minimum_income_guarantee,
    personal_expenses_allowance,
)
from caretrust.funding.charging.capital import CapitalResult, assess_capital
from caretrust.funding.charging.explain import Explanation
from caretrust.funding.charging.income import assess_income
from caretrust.funding.charging.lines import Split, allocate, split_service
from caretrust.funding.charging.model import (
    ZERO,
    Assessment,
    AssessmentRequest,
    LineResult,
    MeansAssessment,
)
from caretrust.funding.charging.money import assessable
from caretrust.funding.charging.policy import CouncilPolicy, default_policy
from caretrust.funding.charging.rules import Figures, RuleBook, RuleSet, default_rule_book

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class _Charge:
    weekly: Decimal
    full_cost_payer: bool


def _setting_out(
    request: AssessmentRequest, rules: RuleBook | None, policy: CouncilPolicy | None
) -> tuple[RuleSet, CouncilPolicy, Figures, Explanation]:
    """The rule set and council policy in force on the date, with the first explanation step."""
    book = rules or default_rule_book()
    rule_set = book.rule_set_for(request.nation, request.on)
    council = (policy or default_policy()).with_overrides(request.council_policy)
    figures = Figures(book, request.nation, request.on, dict(request.figure_overrides))
    explain = Explanation()
    explain.add(
        f"Rule set {rule_set.name} ({rule_set.nation}, in force from "
        f"{rule_set.effective_from.isoformat()}); council policy: {council.name}",
        rule="Care Act 2014 s.14 and s.17",
    )
    return rule_set, council, figures, explain


def assess(
    request: AssessmentRequest,
    *,
    rules: RuleBook | None = None,
    policy: CouncilPolicy | None = None,
) -> Assessment:
    """Work out the person's weekly charge and who pays for each service line.

    `rules` defaults to the shipped rule sets, `policy` to caretrust's default council policy;
    `request.council_policy` overrides policy fields for this assessment.
    """
    rule_set, council, figures, explain = _setting_out(request, rules, policy)
    splits = [split_service(i, s, figures, explain) for i, s in enumerate(request.services)]
    weekly = [s for s in splits if not s.service.one_off]
    chargeable_weekly = sum((s.chargeable for s in weekly), ZERO)
    charge = _weekly_charge(request, splits, chargeable_weekly, figures, council, explain)
    lines = _lines(splits, charge, explain)
    weekly_lines = [line for line in lines if line.basis == "weekly"]
    return Assessment(
        nation=request.nation,
        on=request.on,
        setting=request.setting,
        rule_set=rule_set.name,
        rule_set_effective_from=rule_set.effective_from,
        policy=council.name,
        full_cost_payer=charge.full_cost_payer,
        person_weekly=sum((line.person for line in weekly_lines), ZERO),
        council_weekly=sum((line.council for line in weekly_lines), ZERO),
        nhs_weekly=sum((line.nhs for line in weekly_lines), ZERO),
        lines=tuple(lines),
        explanation=explain.steps,
        unconfirmed_figures=tuple(figures.unconfirmed()),
    )


def assess_means(
    request: AssessmentRequest,
    *,
    rules: RuleBook | None = None,
    policy: CouncilPolicy | None = None,
) -> MeansAssessment:
    """The person's means, with no plan: whether they pay the full cost, and otherwise the most
    they pay a week towards council-arranged care whatever it costs (what they can afford, after
    the national and council limits). `request.services` is ignored."""
    rule_set, council, figures, explain = _setting_out(request, rules, policy)
    capital = assess_capital(request, figures, council, explain)
    maximum: Decimal | None
    if capital.above_upper_limit:
        maximum = None
        explain.add(
            "Full-cost payer: pays the full cost of council-arranged care",
            rule="Care Act 2014 s.14; SI 2014/2672 reg 12",
        )
    else:
        if request.setting == "community":
            available = _community_available(request, capital, figures, council, explain)
            maximum = _community_limits(available, figures, council, explain)
        else:
            maximum = _care_home_available(request, capital, figures, council, explain)
        explain.add(
            "Maximum weekly contribution (never more than the cost of the chargeable care)",
            amount=maximum,
            rule="Care Act 2014 s.14 and s.17",
        )
    return MeansAssessment(
        nation=request.nation,
        on=request.on,
        setting=request.setting,
        rule_set=rule_set.name,
        rule_set_effective_from=rule_set.effective_from,
        policy=council.name,
        full_cost_payer=capital.above_upper_limit,
        maximum_weekly=maximum,
        explanation=explain.steps,
        unconfirmed_figures=tuple(figures.unconfirmed()),
    )


def _weekly_charge(
    request: AssessmentRequest,
    splits: list[Split],
    chargeable_weekly: Decimal,
    figures: Figures,
    policy: CouncilPolicy,
    explain: Explanation,
) -> _Charge:
    if not any(s.chargeable > 0 for s in splits):
        explain.add(
            "No chargeable services: no financial assessment is needed",
            amount=ZERO,
            rule="Care Act 2014 s.14; SI 2014/2672 reg 3",
        )
        return _Charge(ZERO, False)
    explain.add(
        "Weekly cost of chargeable services", amount=chargeable_weekly, rule="Care Act 2014 s.14"
    )
    capital = assess_capital(request, figures, policy, explain)
    if capital.above_upper_limit:
        charge = chargeable_weekly
        explain.add(
            "Full-cost payer: pays the cost of the chargeable services",
            amount=charge,
            rule="Care Act 2014 s.14; SI 2014/2672 reg 12",
        )
    elif chargeable_weekly == 0:
        charge = ZERO  # only a one-off line is chargeable: capital decides who pays it
    elif request.setting == "community":
        available = _community_available(request, capital, figures, policy, explain)
        charge = _capped_at_cost(available, chargeable_weekly, explain)
    else:
        available = _care_home_available(request, capital, figures, policy, explain)
        charge = _capped_at_cost(available, chargeable_weekly, explain)
    if request.setting == "community":
        charge = _community_limits(charge, figures, policy, explain)
    explain.add("Person's weekly charge", amount=charge, rule="Care Act 2014 s.14")
    return _Charge(charge, capital.above_upper_limit)


def _community_available(
    request: AssessmentRequest,
    capital: CapitalResult,
    figures: Figures,
    policy: CouncilPolicy,
    explain: Explanation,
) -> Decimal:
    """What the person can afford a week for non-residential care, before the cost cap."""
    income = assess_income(request, figures, policy, explain)
    mig = minimum_income_guarantee(request.person, figures, explain)
    housing = housing_costs(request, explain)
    dre = disability_related_expenditure(
        request, policy, income.disability_benefit_counted, explain
    )
    available = max(ZERO, income.counted + capital.tariff_income - mig - housing - dre)
    explain.add(
        "Available income: income + tariff income - MIG - housing costs - DRE, not below zero",
        amount=available,
        rule="SI 2014/2672 reg 7; Care and Support Statutory Guidance ch. 8",
        detail=f"{income.counted} + {capital.tariff_income} - {mig} - {housing} - {dre}",
    )
    if policy.taper_percent != HUNDRED:
        available = assessable(available * policy.taper_percent / HUNDRED)
        explain.add(
            f"Council taper: {policy.taper_percent}% of available income",
            amount=available,
            rule="Care Act 2014 s.14 (council policy)",
        )
    return available


def _care_home_available(
    request: AssessmentRequest,
    capital: CapitalResult,
    figures: Figures,
    policy: CouncilPolicy,
    explain: Explanation,
) -> Decimal:
    """What a permanent resident contributes a week, before the cost cap."""
    income = assess_income(request, figures, policy, explain)
    pea = personal_expenses_allowance(figures, explain)
    available = max(ZERO, income.counted + capital.tariff_income - pea)
    explain.add(
        "Assessed contribution: income + tariff income - personal expenses allowance, min. zero",
        amount=available,
        rule="SI 2014/2672 reg 6",
        detail=f"{income.counted} + {capital.tariff_income} - {pea}",
    )
    return available


def _capped_at_cost(available: Decimal, chargeable: Decimal, explain: Explanation) -> Decimal:
    charge = min(available, chargeable)
    if charge < available:
        explain.add(
            "Charge limited to the cost of the chargeable services",
            amount=charge,
            rule="Care Act 2014 s.14(7)",
        )
    return charge


def _community_limits(
    charge: Decimal, figures: Figures, policy: CouncilPolicy, explain: Explanation
) -> Decimal:
    """National weekly maximum (Wales), council maximum, then the council minimum."""
    national = figures.optional("non_residential_weekly_maximum")
    if national is not None and national.value is not None and charge > national.value:
        charge = national.value
        explain.add(
            "National weekly maximum charge for non-residential care",
            amount=charge,
            figure=national,
        )
    if policy.maximum_charge_weekly is not None and charge > policy.maximum_charge_weekly:
        charge = policy.maximum_charge_weekly
        explain.add(
            "Council's maximum weekly charge",
            amount=charge,
            rule="Care Act 2014 s.14 (council policy)",
        )
    if 0 < charge < policy.minimum_charge_weekly:
        explain.add(
            f"Charge below the council's minimum of {policy.minimum_charge_weekly}: not collected",
            amount=ZERO,
            rule="Care Act 2014 s.14 (council policy)",
        )
        charge = ZERO
    return charge


def _lines(splits: list[Split], charge: _Charge, explain: Explanation) -> list[LineResult]:
    weekly = [i for i, s in enumerate(splits) if not s.service.one_off]
    shares = dict(
        zip(weekly, allocate(charge.weekly, [splits[i].chargeable for i in weekly]), strict=True)
    )
    if charge.weekly > 0:
        explain.add(
            "Charge shared across chargeable lines in proportion to their cost (whole pennies, "
            "largest remainders first)",
            amount=charge.weekly,
            rule="caretrust allocation rule (docs/charging-contract.md)",
        )
    lines = []
    for index, split in enumerate(splits):
        if split.service.one_off:
            person = split.chargeable if charge.full_cost_payer else ZERO
        else:
            person = shares[index]
        lines.append(_line(split, person))
    return lines


def _line(split: Split, person: Decimal) -> LineResult:
    council_free = split.free if split.free_payer == "council" else ZERO
    nhs_free = split.free if split.free_payer == "nhs" else ZERO
    return LineResult(
        id=split.service.id,
        basis="one_off" if split.service.one_off else "weekly",
        cost=split.service.cost,
        person=person,
        council=council_free + split.chargeable - person,
        nhs=split.nhs + nhs_free,
        reason=split.reason,
    )
