"""Property-based tests (Hypothesis): a charge is never negative, never above the cost of the
chargeable services, never decreases as capital rises, and free lines are always free.

Inputs are England 2024/25 (every figure the generated cases need is loaded), community or
care-home, with random income, capital, council policy and a mix of service lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caretrust.funding.charging import Assessment, allocate, assess, parse_request

FNC_STANDARD = Decimal("235.88")
FREE_WEEKS = 6
ADAPTATION_LIMIT = Decimal("1000.00")

pennies = st.integers(min_value=0, max_value=200_000).map(lambda p: str(Decimal(p).scaleb(-2)))
big_money = st.integers(min_value=0, max_value=6_000_000).map(lambda p: str(Decimal(p).scaleb(-2)))

INCOME_KINDS = [
    "state_pension", "occupational_pension", "pension_credit", "pension_credit_savings", "esa",
    "universal_credit", "attendance_allowance_higher", "attendance_allowance_lower",
    "pip_daily_living_enhanced", "pip_mobility_standard", "earnings", "war_pension", "carers_allowance",
]  # fmt: skip

income_item = st.fixed_dictionaries(
    {"kind": st.sampled_from(INCOME_KINDS), "weekly": pennies},
    optional={"paid_to_spouse_at_home_fraction": st.sampled_from(["0", "0.4", "0.5", "1"])},
)
capital_item = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["savings", "investments", "other_property", "main_home"]),
        "value": big_money,
    },
    optional={
        "joint_owners": st.integers(1, 3),
        "qualifying_relative_lives_there": st.booleans(),
    },
).map(
    lambda item: (
        item
        if item["kind"] in {"main_home", "other_property"}
        else {k: v for k, v in item.items() if k != "qualifying_relative_lives_there"}
    )
)


@st.composite
def service(draw: st.DrawFn, index: int) -> dict[str, Any]:
    funding = draw(
        st.sampled_from(
            ["council", "nhs_chc", "reablement", "s117", "minor_adaptation", "nursing_home_fee"]
        )
    )
    item: dict[str, Any] = {"id": f"s{index}", "funding": funding}
    if funding == "minor_adaptation":
        item["one_off_cost"] = draw(pennies)
    else:
        item["weekly_cost"] = draw(pennies)
    if funding == "reablement":
        item["reablement_week"] = draw(st.integers(1, 12))
    if funding == "nursing_home_fee":
        item["includes_nursing"] = draw(st.booleans())
    if funding in {"s117", "reablement"}:
        item["payer"] = draw(st.sampled_from(["council", "nhs"]))
    return item


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 4))
    return {
        "nation": "england",
        "date": "2024-06-01",
        "setting": draw(st.sampled_from(["community", "care_home"])),
        "person": {
            "age": draw(st.integers(18, 100)),
            "premiums": draw(
                st.lists(
                    st.sampled_from(["disability", "enhanced_disability", "carer"]), unique=True
                )
            ),
            "dependent_children": draw(st.integers(0, 2)),
        },
        "weeks_since_permanent_admission": draw(st.integers(0, 60)),
        "capital": draw(st.lists(capital_item, max_size=3)),
        "notional_capital": draw(st.sampled_from(["0", "5000", "20000"])),
        "income": draw(st.lists(income_item, max_size=4)),
        "night_care_provided": draw(st.booleans()),
        "housing_costs_weekly": draw(st.sampled_from(["0", "25.50", "80"])),
        "council_policy": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "taper_percent": st.sampled_from(["50", "90", "100"]),
                    "minimum_charge_weekly": st.sampled_from(["0", "2.50", "10"]),
                    "maximum_charge_weekly": st.sampled_from(["150", "400"]),
                    "disregard_night_care_difference": st.booleans(),
                    "discretionary_property_disregard": st.booleans(),
                },
            )
        ),
        "services": [draw(service(i)) for i in range(count)],
    }


def chargeable_weekly_cost(document: dict[str, Any]) -> Decimal:
    total = Decimal("0")
    for item in document["services"]:
        cost = Decimal(item.get("weekly_cost", "0"))
        late_reablement = item["funding"] == "reablement" and item["reablement_week"] > FREE_WEEKS
        if item["funding"] == "council" or late_reablement:
            total += cost
        elif item["funding"] == "nursing_home_fee":
            total += max(Decimal("0"), cost - FNC_STANDARD) if item["includes_nursing"] else cost
    return total


def is_free(item: dict[str, Any]) -> bool:
    funding = item["funding"]
    if funding in {"nhs_chc", "s117"}:
        return True
    if funding == "reablement":
        return item["reablement_week"] <= FREE_WEEKS
    if funding == "minor_adaptation":
        return Decimal(item["one_off_cost"]) <= ADAPTATION_LIMIT
    return False


def run(document: dict[str, Any]) -> Assessment:
    return assess(parse_request(document))


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents())
def test_charge_is_never_negative_nor_above_the_chargeable_cost(document):
    result = run(document)
    assert Decimal("0") <= result.person_weekly <= chargeable_weekly_cost(document)
    for item in result.lines:
        assert item.person >= 0 and item.council >= 0 and item.nhs >= 0
        assert item.person + item.council + item.nhs == item.cost


@SETTINGS
@given(documents())
def test_free_lines_are_always_free(document):
    result = run(document)
    for item, line in zip(document["services"], result.lines, strict=True):
        if is_free(item):
            assert line.person == 0, (item, line)


@SETTINGS
@given(documents(), big_money)
@pytest.mark.slow
def test_charge_never_decreases_as_capital_rises(document, extra):
    richer = {**document, "capital": [*document["capital"], {"kind": "savings", "value": extra}]}
    before, after = run(document), run(richer)
    assert after.person_weekly >= before.person_weekly
    for line_before, line_after in zip(before.lines, after.lines, strict=True):
        if line_before.basis == "one_off":
            assert line_after.person >= line_before.person


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 100_000), min_size=1, max_size=6),
    st.integers(0, 600_000),
)
def test_allocation_adds_up_exactly_and_never_exceeds_a_line(weights_p, charge_p):
    weights = [Decimal(w).scaleb(-2) for w in weights_p]
    charge = min(Decimal(charge_p).scaleb(-2), sum(weights, Decimal("0")))
    shares = allocate(charge, weights)
    assert sum(shares, Decimal("0")) == charge
    assert all(Decimal("0") <= s <= w for s, w in zip(shares, weights, strict=True))
