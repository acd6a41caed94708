"""What the person keeps: minimum income guarantee, personal expenses allowance, housing, DRE."""

from __future__ import annotations

from decimal import Decimal

from caretrust.funding.charging.explain import Explanation
from caretrust.funding.charging.model import ZERO, AssessmentRequest, Person
from caretrust.funding.charging.money import allowance
from caretrust.funding.charging.policy import CouncilPolicy
from caretrust.funding.charging.rules import Figures

PREMIUM_FIGURES = {
    "disability": "mig_disability_premium",
    "enhanced_disability": "mig_enhanced_disability_premium",
}


def minimum_income_guarantee(person: Person, figures: Figures, explain: Explanation) -> Decimal:
    """The weekly MIG for care outside a care home (SI 2014/2672 reg 7)."""
    pension_age = figures.require("pension_credit_age")
    assert pension_age.value is not None
    at_pension_age = person.age >= pension_age.value
    explain.add(
        f"Age {person.age} is {'at or above' if at_pension_age else 'below'} pension credit age",
        amount=None,
        figure=pension_age,
    )
    total = _add(_base_amount_figure(person, at_pension_age), figures, explain, "MIG base amount")
    band = "couple" if person.couple else "single"
    for premium in person.premiums:
        name = (
            f"{PREMIUM_FIGURES[premium]}_{band}"
            if premium in PREMIUM_FIGURES
            else "mig_carer_premium"
        )
        total += _add(name, figures, explain, f"MIG {premium.replace('_', ' ')} premium")
    if person.dependent_children:
        child = figures.require("mig_dependent_child")
        assert child.value is not None
        amount = child.value * person.dependent_children
        explain.add(
            f"MIG for {person.dependent_children} dependent child(ren)", amount=amount, figure=child
        )
        total += amount
    explain.add("Minimum income guarantee", amount=total, rule="SI 2014/2672 reg 7")
    return total


def _base_amount_figure(person: Person, at_pension_age: bool) -> str:
    if person.couple:
        return (
            "mig_couple_each_pension_age" if at_pension_age else "mig_couple_each_under_pension_age"
        )
    if at_pension_age:
        return "mig_single_pension_age"
    if person.dependent_children:
        return "mig_lone_parent"
    return "mig_single_18_24" if person.age < 25 else "mig_single_25_to_pension_age"


def _add(name: str, figures: Figures, explain: Explanation, title: str) -> Decimal:
    figure = figures.require(name)
    assert figure.value is not None
    explain.add(title, amount=figure.value, figure=figure)
    return figure.value


def housing_costs(request: AssessmentRequest, explain: Explanation) -> Decimal:
    amount = allowance(request.housing_costs_weekly)
    if amount:
        explain.add(
            "Housing costs (rent, mortgage, council tax, service charges not met by benefits)",
            amount=amount,
            rule="Care and Support Statutory Guidance Annex C",
        )
    return amount


def disability_related_expenditure(
    request: AssessmentRequest,
    policy: CouncilPolicy,
    disability_benefit_counted: bool,
    explain: Explanation,
) -> Decimal:
    """DRE: the assessed amount if given, else the council's flat amount when disability
    benefits are counted (a council that counts them must allow DRE), else nothing."""
    rule = "Care Act 2014 s.14; Care and Support Statutory Guidance Annex C (DRE)"
    if request.dre_weekly is not None:
        amount = allowance(request.dre_weekly)
        explain.add("Disability-related expenditure (assessed)", amount=amount, rule=rule)
        return amount
    if disability_benefit_counted:
        amount = allowance(policy.dre_flat_weekly)
        explain.add(
            f"Disability-related expenditure (flat amount, {policy.name})", amount=amount, rule=rule
        )
        return amount
    return ZERO


def personal_expenses_allowance(figures: Figures, explain: Explanation) -> Decimal:
    figure = figures.require("personal_expenses_allowance")
    assert figure.value is not None
    explain.add("Personal expenses allowance", amount=figure.value, figure=figure)
    return figure.value
