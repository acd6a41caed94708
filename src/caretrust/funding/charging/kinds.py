"""The coded lists: kinds of capital, income and service funding, and how each is treated."""

from __future__ import annotations

from enum import Enum

# ---- capital (SI 2014/2672 Part 5 and Sch 2)

PROPERTY_KINDS = frozenset({"main_home", "other_property"})
COUNTED_CAPITAL_KINDS = frozenset(
    {"savings", "cash", "investments", "shares", "premium_bonds", "other_property", "other_capital"}
)
# Schedule 2 capital disregards the engine knows by name (always ignored, explained).
DISREGARDED_CAPITAL_KINDS: dict[str, str] = {
    "personal_possessions": "personal possessions",
    "life_insurance_surrender_value": "surrender value of a life insurance policy or annuity",
    "personal_injury_trust": "capital held in a personal injury trust",
    "prepaid_funeral_plan": "a prepaid funeral plan",
    "other_disregarded_capital": "capital disregarded under Schedule 2 (recorded by the assessor)",
}
CAPITAL_KINDS = frozenset({"main_home"} | COUNTED_CAPITAL_KINDS | set(DISREGARDED_CAPITAL_KINDS))


# ---- income (SI 2014/2672 Part 4, reg 14, reg 15 and Sch 1)


class IncomeTreatment(Enum):
    COUNTED = "counted"
    DISREGARDED = "disregarded"
    DISABILITY_CARE = "disability_care"  # AA, DLA care, PIP daily living: depends on the setting
    PENSION = "pension"  # counted; half disregarded in a care home when paid to a spouse at home
    WAR_PENSION = "war_pension"  # first £10 disregarded
    SAVINGS_CREDIT = "savings_credit"  # care homes: savings credit disregard


INCOME_KINDS: dict[str, IncomeTreatment] = {
    "state_pension": IncomeTreatment.COUNTED,
    "occupational_pension": IncomeTreatment.PENSION,
    "private_pension": IncomeTreatment.PENSION,
    "annuity": IncomeTreatment.PENSION,
    "pension_credit": IncomeTreatment.COUNTED,  # guarantee credit
    "pension_credit_savings": IncomeTreatment.SAVINGS_CREDIT,
    "esa": IncomeTreatment.COUNTED,
    "universal_credit": IncomeTreatment.COUNTED,
    "income_support": IncomeTreatment.COUNTED,
    "jsa": IncomeTreatment.COUNTED,
    "carers_allowance": IncomeTreatment.COUNTED,
    "other_counted": IncomeTreatment.COUNTED,
    "attendance_allowance_higher": IncomeTreatment.DISABILITY_CARE,
    "attendance_allowance_lower": IncomeTreatment.DISABILITY_CARE,
    "dla_care_highest": IncomeTreatment.DISABILITY_CARE,
    "dla_care_middle": IncomeTreatment.DISABILITY_CARE,
    "dla_care_lowest": IncomeTreatment.DISABILITY_CARE,
    "pip_daily_living_enhanced": IncomeTreatment.DISABILITY_CARE,
    "pip_daily_living_standard": IncomeTreatment.DISABILITY_CARE,
    "war_pension": IncomeTreatment.WAR_PENSION,
    "earnings": IncomeTreatment.DISREGARDED,
    "pip_mobility_enhanced": IncomeTreatment.DISREGARDED,
    "pip_mobility_standard": IncomeTreatment.DISREGARDED,
    "dla_mobility_higher": IncomeTreatment.DISREGARDED,
    "dla_mobility_lower": IncomeTreatment.DISREGARDED,
    "winter_fuel_payment": IncomeTreatment.DISREGARDED,
    "christmas_bonus": IncomeTreatment.DISREGARDED,
    "child_benefit": IncomeTreatment.DISREGARDED,
    "child_tax_credit": IncomeTreatment.DISREGARDED,
    "guaranteed_income_payment": IncomeTreatment.DISREGARDED,
    "housing_benefit": IncomeTreatment.DISREGARDED,
    "council_tax_reduction": IncomeTreatment.DISREGARDED,
    "other_disregarded": IncomeTreatment.DISREGARDED,
}

# The higher (day and night) rates: the night-care difference applies to these.
NIGHT_RATE_KINDS = frozenset(
    {"attendance_allowance_higher", "dla_care_highest", "pip_daily_living_enhanced"}
)

DISREGARD_RULES: dict[str, str] = {
    "earnings": "SI 2014/2672 reg 14",
}
DEFAULT_DISREGARD_RULE = "SI 2014/2672 reg 15 and Sch 1"


# ---- services and premiums

FUNDING_KINDS = frozenset(
    {
        "council",
        "nhs_chc",
        "reablement",
        "s117",
        "equipment",
        "minor_adaptation",
        "nursing_home_fee",
    }
)
# One-off lines: an aid (community equipment) or an adaptation, bought once.
ONE_OFF_FUNDING_KINDS = frozenset({"equipment", "minor_adaptation"})
SETTINGS = frozenset({"community", "care_home"})
PREMIUMS = frozenset({"disability", "enhanced_disability", "carer"})
PAYERS = frozenset({"council", "nhs"})
FNC_BANDS = frozenset({"standard", "higher"})
