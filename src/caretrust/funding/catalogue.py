"""Pricing a planned service from the council's service catalogue (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

DEFAULT = Path(__file__).with_name("catalogue.toml")
PENNY = Decimal("0.01")
DAYS_A_WEEK = 7


@dataclass(frozen=True)
class Price:
    weekly: Decimal | None  # recurring services
    one_off: Decimal | None  # equipment and adaptations
    explanation: str


@dataclass(frozen=True)
class Catalogue:
    name: str
    units: dict[str, tuple[str, Decimal]]  # kind → (unit, cost per unit)

    def price(
        self,
        *,
        kind: str,
        frequency: int,
        per: str,
        hours_per_visit: Decimal | None,
        workers: int = 1,
    ) -> Price:
        """`frequency` visits per `per` ("day" | "week" | "once"), each by `workers` workers: a
        double-handed visit (two workers, ADR 105) is two workers' hours or visits. A kind priced
        by the week is one price whoever delivers it."""
        if kind not in self.units:
            raise KeyError(f"the service catalogue has no price for {kind!r}")
        if workers < 1:
            raise ValueError("a visit needs at least one worker")
        unit, cost = self.units[kind]
        if unit == "week":
            return Price(cost, None, f"£{cost} a week")
        quantity = Decimal(frequency) * workers
        if unit == "hour":
            hours = hours_per_visit or Decimal(1)
            quantity *= hours
            shown = f"{hours.normalize():f}"  # 1.00 → 1, 1.50 → 1.5
            each = f"{shown} hour{'s' if hours != 1 else ''} at £{cost} an hour"
        else:
            each = f"£{cost} a {unit}"
        if workers > 1:
            each = f"{workers} workers (double-handed) × {each}"
        if per == "once":
            total = (quantity * cost).quantize(PENNY, ROUND_HALF_UP)
            return Price(None, total, f"{frequency} × {each}, once")
        per_week = quantity * (DAYS_A_WEEK if per == "day" else 1)
        weekly = (per_week * cost).quantize(PENNY, ROUND_HALF_UP)
        return Price(weekly, None, f"{frequency} a {per} × {each}")

    def per_visit(self, kind: str, hours_per_visit: Decimal | None) -> Decimal | None:
        """What one worker's delivered visit costs: hours (1 if not given) x the hourly cost, or
        the cost of a visit or session; None for a kind priced by the week or the item. A
        double-handed call is two delivered visits, one for each worker (careplans)."""
        if kind not in self.units:
            return None
        unit, cost = self.units[kind]
        if unit == "hour":
            return ((hours_per_visit or Decimal(1)) * cost).quantize(PENNY, ROUND_HALF_UP)
        if unit in ("visit", "session"):
            return cost
        return None


@cache
def load(path: Path = DEFAULT) -> Catalogue:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    units = {kind: (spec["unit"], Decimal(spec["cost"])) for kind, spec in data["kinds"].items()}
    return Catalogue(data["name"], units)
