"""A financial assessment explained in words a person can follow (#18 item 2).

The engine's steps are exact but written for auditors: they name inputs by position and code
("income[1] attendance_allowance_higher 110.40: ...") and figures by key ("aa_lower_rate").
This presenter keeps every step and its amount, puts the words people use in place of codes,
and keeps the rule behind each step for whoever asks for it. The same explanation is shown to the
finance officer, to the person in the portal, and in the letter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from caretrust.funding.charging.kinds import DISREGARDED_CAPITAL_KINDS

CAPITAL_NAMES = {
    "savings": "Savings and investments",
    "cash": "Cash",
    "investments": "Investments",
    "shares": "Shares",
    "premium_bonds": "Premium Bonds",
    "main_home": "Your home",
    "other_property": "Other property",
    "other_capital": "Other capital",
    **{kind: text[0].upper() + text[1:] for kind, text in DISREGARDED_CAPITAL_KINDS.items()},
}
INCOME_NAMES = {
    "state_pension": "State Pension",
    "occupational_pension": "Occupational pension",
    "private_pension": "Private pension",
    "annuity": "Annuity",
    "pension_credit": "Pension Credit (guarantee credit)",
    "pension_credit_savings": "Pension Credit (savings credit)",
    "esa": "Employment and Support Allowance",
    "universal_credit": "Universal Credit",
    "income_support": "Income Support",
    "jsa": "Jobseeker's Allowance",
    "carers_allowance": "Carer's Allowance",
    "other_counted": "Other benefits",
    "attendance_allowance_higher": "Attendance Allowance (higher rate)",
    "attendance_allowance_lower": "Attendance Allowance (lower rate)",
    "dla_care_highest": "Disability Living Allowance care (highest rate)",
    "dla_care_middle": "Disability Living Allowance care (middle rate)",
    "dla_care_lowest": "Disability Living Allowance care (lowest rate)",
    "pip_daily_living_enhanced": "PIP daily living (enhanced rate)",
    "pip_daily_living_standard": "PIP daily living (standard rate)",
    "war_pension": "War pension",
    "earnings": "Earnings",
    "pip_mobility_enhanced": "PIP mobility (enhanced rate)",
    "pip_mobility_standard": "PIP mobility (standard rate)",
    "dla_mobility_higher": "Disability Living Allowance mobility (higher rate)",
    "dla_mobility_lower": "Disability Living Allowance mobility (lower rate)",
    "winter_fuel_payment": "Winter Fuel Payment",
    "christmas_bonus": "Christmas Bonus",
    "child_benefit": "Child Benefit",
    "child_tax_credit": "Child Tax Credit",
    "guaranteed_income_payment": "Guaranteed Income Payment",
    "housing_benefit": "Housing Benefit",
    "council_tax_reduction": "Council Tax Reduction",
    "other_disregarded": "Other income that is not counted",
}
FIGURE_NAMES = {
    "upper_capital_limit_community": "the upper capital limit",
    "lower_capital_limit_community": "the lower capital limit",
    "upper_capital_limit_care_home": "the upper capital limit",
    "lower_capital_limit_care_home": "the lower capital limit",
    "tariff_step": "the tariff income step",
    "tariff_per_step": "the tariff income for each step",
    "aa_lower_rate": "the lower rate of Attendance Allowance",
    "pension_credit_age": "pension credit age",
    "personal_expenses_allowance": "the personal expenses allowance",
    "property_disregard_weeks": "the 12-week property disregard",
    "property_sale_costs_fraction": "the allowance for the costs of selling",
    "war_pension_disregard": "the £10 war pension disregard",
    "mig_dependent_child": "the minimum income guarantee for a child",
    "non_residential_weekly_maximum": "the national weekly maximum charge",
}
# Plain words for the engine's fixed step titles.
TITLES = {
    "Capital taken into account": "Capital we counted",
    "Upper capital limit": "Upper capital limit: with more than this you pay the full cost",
    "Lower capital limit": "Lower capital limit: capital up to this is not counted",
    "Tariff income from capital between the limits": (
        "Capital between the limits counts as income of £1 a week for every £250 (or part of £250)"
    ),
    "Capital at or below the lower limit: no tariff income": (
        "Your capital is at or below the lower limit, so none of it counts as income"
    ),
    "Weekly income taken into account": "Weekly income we counted",
    "Minimum income guarantee": (
        "Minimum income guarantee: the amount the law says you must be left with each week"
    ),
    "MIG base amount": "Minimum income guarantee for your age and circumstances",
    "Available income: income + tariff income - MIG - housing costs - DRE, not below zero": (
        "What you can afford: the income we counted and the income from capital, less the "
        "minimum income guarantee, housing costs and disability-related costs (never below £0)"
    ),
    "Assessed contribution: income + tariff income - personal expenses allowance, min. zero": (
        "What you can afford: the income we counted and the income from capital, less the "
        "personal expenses allowance (never below £0)"
    ),
    "Personal expenses allowance": (
        "Personal expenses allowance: the amount you keep each week for your own spending"
    ),
    "Maximum weekly contribution (never more than the cost of the chargeable care)": (
        "The most you pay a week towards care the council arranges (never more than the care costs)"
    ),
    "Full-cost payer: pays the full cost of council-arranged care": (
        "You pay the full cost of care the council arranges, because your capital is above the "
        "upper limit"
    ),
}
_POSITIONAL = re.compile(r"^(capital|income)\[\d+\] ([a-z_]+)(?: (\d+(?:\.\d+)?))?")
_RULE_SET = re.compile(r"^Rule set (\S+) \((\w+), in force from ([\d-]+)\); council policy: (.+)$")


@dataclass(frozen=True)
class PlainStep:
    text: str
    amount: str  # "£54.39", or "" when the step has no amount
    detail: str
    rule: str  # the law or guidance behind the step, shown on request


def _pounds(amount: str | None) -> str:
    return "" if amount is None else f"£{Decimal(amount):,.2f}"


def _plain_title(title: str) -> str:
    if title in TITLES:
        return TITLES[title]
    match = _RULE_SET.match(title)
    if match:
        name, nation, since, council = match.groups()
        return (
            f"The charging rules for {nation.title()} in force from {since} ({name}), with "
            f"{council}"
        )

    def words(m: re.Match) -> str:
        kind, amount = m.group(2), m.group(3)
        names = CAPITAL_NAMES if m.group(1) == "capital" else INCOME_NAMES
        name = names.get(kind, kind.replace("_", " ").capitalize())
        return f"{name} (£{Decimal(amount):,.2f} a week)" if amount else name

    text = _POSITIONAL.sub(words, title)
    text = text.replace("pension_credit_age", "pension credit age")
    if text.startswith("Disability-related expenditure"):
        text = "Disability-related costs" + text.removeprefix("Disability-related expenditure")
    return text[0].upper() + text[1:] if text else text


def _plain_rule(step: dict) -> str:
    figure = step.get("figure")
    if not figure:
        return step["rule"]
    name = FIGURE_NAMES.get(figure) or (
        "the minimum income guarantee amount"
        if figure.startswith("mig_")
        else figure.replace("_", " ")
    )
    value = step.get("figure_value")
    shown = f" of £{Decimal(value):,.2f}" if value and figure != "pension_credit_age" else ""
    return f"{step['rule']}; {name}{shown}, from {step['effective_from']}"


def plain_steps(result: dict) -> list[PlainStep]:
    """Every step of a stored result (`means_to_json` or `assessment_to_json`) in plain words."""
    return [
        PlainStep(
            text=_plain_title(step["title"]),
            amount=_pounds(step.get("amount")),
            detail="",
            # The arithmetic goes with the rule: on request, for whoever checks the working.
            rule=_plain_rule(step) + (f" ({step['detail']})" if step.get("detail") else ""),
        )
        for step in result.get("explanation", [])
    ]


def headline(assessment) -> str:
    """One sentence: what the person pays."""
    if assessment.full_cost_payer:
        return (
            "You pay the full cost of care the council arranges, because your capital is above "
            "the upper limit. NHS care and free services stay free."
        )
    maximum = assessment.maximum_weekly_contribution or Decimal(0)
    if maximum == 0:
        return "You pay nothing towards care the council arranges."
    return (
        f"You pay at most £{maximum:,.2f} a week towards care the council arranges, and never "
        "more than the care costs. NHS care and free services stay free."
    )
