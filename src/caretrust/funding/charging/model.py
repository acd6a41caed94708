"""Immutable inputs and results of a financial assessment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from caretrust.funding.charging.rules import Figure

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Person:
    age: int
    couple: bool = False
    premiums: tuple[str, ...] = ()
    dependent_children: int = 0


@dataclass(frozen=True)
class CapitalItem:
    """One holding. `value` is the whole holding; `joint_owners` share it equally (reg 24)."""

    kind: str
    value: Decimal
    joint_owners: int = 1
    qualifying_relative_lives_there: bool = False
    secured_debt: Decimal = ZERO


@dataclass(frozen=True)
class IncomeItem:
    """The person's own weekly income of one kind, net of tax and NI."""

    kind: str
    weekly: Decimal
    paid_to_spouse_at_home_fraction: Decimal | None = None


@dataclass(frozen=True)
class Service:
    """A planned service. Exactly one of `weekly_cost` and `one_off_cost` is set."""

    id: str
    funding: str
    description: str = ""
    weekly_cost: Decimal | None = None
    one_off_cost: Decimal | None = None
    reablement_week: int | None = None
    includes_nursing: bool = False
    fnc_band: str = "standard"
    payer: str = "council"  # who funds a line that is free to the person (s117, reablement)

    @property
    def cost(self) -> Decimal:
        cost = self.weekly_cost if self.weekly_cost is not None else self.one_off_cost
        assert cost is not None
        return cost

    @property
    def one_off(self) -> bool:
        return self.weekly_cost is None


@dataclass(frozen=True)
class AssessmentRequest:
    nation: str
    on: date
    setting: str  # "community" | "care_home"
    person: Person
    services: tuple[Service, ...]
    capital: tuple[CapitalItem, ...] = ()
    income: tuple[IncomeItem, ...] = ()
    weeks_since_permanent_admission: int | None = None
    notional_capital: Decimal = ZERO
    night_care_provided: bool = False
    housing_costs_weekly: Decimal = ZERO
    dre_weekly: Decimal | None = None
    council_policy: Mapping[str, object] = field(default_factory=dict)
    figure_overrides: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One step of the explanation: what was done, the amount, the figure and rule behind it."""

    number: int
    title: str
    amount: Decimal | None
    rule: str
    detail: str = ""
    figure: Figure | None = None


@dataclass(frozen=True)
class LineResult:
    """Who pays for one service. Weekly lines are weekly amounts; one-off lines are one-off."""

    id: str
    basis: str  # "weekly" | "one_off"
    cost: Decimal
    person: Decimal
    council: Decimal
    nhs: Decimal
    reason: str


@dataclass(frozen=True)
class Assessment:
    nation: str
    on: date
    setting: str
    rule_set: str
    rule_set_effective_from: date
    policy: str
    full_cost_payer: bool
    person_weekly: Decimal
    council_weekly: Decimal
    nhs_weekly: Decimal
    lines: tuple[LineResult, ...]
    explanation: tuple[Step, ...]
    unconfirmed_figures: tuple[Figure, ...]


@dataclass(frozen=True)
class MeansAssessment:
    """A person's means without a plan: full-cost payer, or the most they pay a week."""

    nation: str
    on: date
    setting: str
    rule_set: str
    rule_set_effective_from: date
    policy: str
    full_cost_payer: bool
    maximum_weekly: Decimal | None  # None for a full-cost payer (no limit)
    explanation: tuple[Step, ...]
    unconfirmed_figures: tuple[Figure, ...]
