"""Council charging policy as data: the choices the Care Act leaves to each council.

The default policy lives in `caretrust/funding/rules/council-policy-default.toml`; a council's own
policy, or a per-assessment override, replaces any field.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from caretrust.funding.charging.errors import ChargingInputError
from caretrust.funding.charging.rules import RULES_DIR
from caretrust.funding.charging.values import parse_bool, parse_money, parse_text

DEFAULT_POLICY_FILE = RULES_DIR / "council-policy-default.toml"


@dataclass(frozen=True)
class CouncilPolicy:
    """A council's charging choices. None means "no such limit"."""

    name: str
    dre_flat_weekly: Decimal
    count_disability_benefits: bool = True
    disregard_night_care_difference: bool = True
    taper_percent: Decimal = Decimal("100")
    minimum_charge_weekly: Decimal = Decimal("0.00")
    maximum_charge_weekly: Decimal | None = None
    non_residential_upper_capital_limit: Decimal | None = None
    non_residential_lower_capital_limit: Decimal | None = None
    discretionary_property_disregard: bool = False

    def with_overrides(
        self, overrides: Mapping[str, object], prefix: str = "council_policy"
    ) -> CouncilPolicy:
        """A copy with fields replaced from `overrides` (JSON-like values, validated)."""
        changes: dict[str, Any] = {
            key: _parse_field(key, value, f"{prefix}.{key}") for key, value in overrides.items()
        }
        policy = dataclasses.replace(self, **changes)
        if policy.taper_percent > 100:
            raise ChargingInputError(f"{prefix}.taper_percent", "must be between 0 and 100")
        return policy


_MONEY_FIELDS = {
    "dre_flat_weekly",
    "taper_percent",
    "minimum_charge_weekly",
    "maximum_charge_weekly",
    "non_residential_upper_capital_limit",
    "non_residential_lower_capital_limit",
}
_OPTIONAL_FIELDS = {
    "maximum_charge_weekly",
    "non_residential_upper_capital_limit",
    "non_residential_lower_capital_limit",
}
_BOOL_FIELDS = {
    "count_disability_benefits",
    "disregard_night_care_difference",
    "discretionary_property_disregard",
}


def _parse_field(key: str, value: object, path: str) -> object:
    if key == "name":
        return parse_text(value, path)
    if key in _MONEY_FIELDS:
        if value is None and key in _OPTIONAL_FIELDS:
            return None
        return parse_money(value, path)
    if key in _BOOL_FIELDS:
        return parse_bool(value, path)
    known = ", ".join(sorted({"name"} | _MONEY_FIELDS | _BOOL_FIELDS))
    raise ChargingInputError(path, f"unknown council policy setting (known: {known})")


@cache
def default_policy() -> CouncilPolicy:
    """caretrust's documented default council policy."""
    data = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))["policy"]
    base = CouncilPolicy(name="", dre_flat_weekly=Decimal("0.00"))
    return base.with_overrides(data, prefix="council-policy-default.toml")
