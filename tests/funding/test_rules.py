"""Rules as data: loading, selection by nation and date, per-figure effective dates, flags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from caretrust.funding.charging import (
    ChargingInputError,
    FigureUnavailableError,
    default_policy,
    default_rule_book,
)
from caretrust.funding.charging.rules import CONFIDENCE_MARKS
from tests.funding.helpers import flagged, step_amount


def test_every_shipped_figure_has_a_mark_a_rule_and_a_source():
    book = default_rule_book()
    assert {"england", "wales"} <= set(book.nations)
    for nation in book.nations:
        rule_set = book.rule_set_for(nation, date(2025, 6, 1))
        for figure in rule_set.figures.values():
            assert figure.confidence in CONFIDENCE_MARKS
            assert figure.rule and figure.source, figure.name
            assert (figure.value is None) == (figure.confidence == "U"), figure.name


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2024-03-31", "england-2023-24"),
        ("2024-04-01", "england-2024-25"),
        ("2025-04-01", "england-2025-26"),
        ("2027-03-31", "england-2026-27"),
    ],
)
def test_rule_set_in_force_by_date(on, expected):
    assert default_rule_book().rule_set_for("england", date.fromisoformat(on)).name == expected


def test_each_figure_takes_effect_on_its_own_date():
    """On 3 April 2024 the 2024/25 nursing-care rate (from 1 April) applies, but the MIG is still
    2023/24's (the 2024/25 MIG starts in the uprating week, 8 April)."""
    book = default_rule_book()
    on = date(2024, 4, 3)
    assert book.figure("england", "fnc_standard_rate", on).value == Decimal("235.88")
    assert book.figure("england", "mig_single_18_24", on).value == Decimal("82.15")
    assert book.figure("england", "mig_single_18_24", date(2024, 4, 8)).value == Decimal("87.65")


def test_mig_before_uprating_week_is_used_in_an_assessment(run, community):
    """Age 20 on 3 April 2024: MIG £82.15 (2023/24, C, SI 2023/277); ESA £100 -> £17.85."""
    document = community(
        date="2024-04-03", person={"age": 20}, income=[{"kind": "esa", "weekly": "100.00"}]
    )
    result = run(document)
    assert step_amount(result, "Minimum income guarantee") == Decimal("82.15")
    assert result.person_weekly == Decimal("17.85")
    assert "mig_single_18_24" not in flagged(result)  # the 2023/24 figure is confirmed (C)


def test_unconfirmed_figures_are_flagged_in_the_result_and_confirmed_ones_are_not(run, community):
    """2024/25 MIG pension age £228.70 is D (derived): flagged with its mark. The capital limits
    are C: not flagged."""
    document = community(income=[{"kind": "state_pension", "weekly": "300.00"}])
    marks = flagged(run(document))
    assert marks["mig_single_pension_age"] == "D"
    assert "upper_capital_limit_community" not in marks


def test_every_step_using_a_figure_carries_its_rule_and_effective_date(run, community):
    result = run(community(income=[{"kind": "state_pension", "weekly": "300.00"}]))
    with_figures = [s for s in result.explanation if s.figure is not None]
    assert with_figures
    for step in with_figures:
        assert step.rule and step.figure.effective_from <= date(2024, 6, 1)
    assert all(step.rule for step in result.explanation), "every step names its rule"
    assert [s.number for s in result.explanation] == list(range(1, len(result.explanation) + 1))


def test_unknown_figure_is_an_error_naming_it_never_a_guess(run, community):
    """2026/27 capital limits are U (charging.md): the engine stops rather than reuse £23,250."""
    document = community(date="2026-06-01", capital=[{"kind": "savings", "value": "1000"}])
    with pytest.raises(FigureUnavailableError) as caught:
        run(document)
    assert caught.value.figure == "upper_capital_limit_community"


def test_figure_overrides_supply_an_unknown_figure_and_are_flagged(run, community):
    """A U figure may be supplied by the caller; it is then flagged as caller-supplied."""
    overrides = {
        "upper_capital_limit_community": "23250",
        "lower_capital_limit_community": "14250",
        "mig_single_25_to_pension_age": "118.35",
    }
    document = community(
        date="2026-06-01",
        person={"age": 40},
        income=[{"kind": "esa", "weekly": "150.00"}],
        figure_overrides=overrides,
    )
    result = run(document)
    assert result.person_weekly == Decimal("31.65")  # 150.00 - 118.35
    assert flagged(result)["mig_single_25_to_pension_age"] == "U"


def test_no_rule_set_for_the_date():
    with pytest.raises(ChargingInputError) as caught:
        default_rule_book().rule_set_for("england", date(2020, 1, 1))
    assert caught.value.field == "date"


def test_nation_without_rule_sets():
    with pytest.raises(ChargingInputError) as caught:
        default_rule_book().rule_set_for("scotland", date(2025, 6, 1))
    assert caught.value.field == "nation"


def test_default_council_policy_is_documented_data():
    policy = default_policy()
    assert policy.dre_flat_weekly == Decimal("24.16")
    assert policy.disregard_night_care_difference is True
    assert policy.maximum_charge_weekly is None


def test_council_policy_override_with_unknown_setting(run, community):
    with pytest.raises(ChargingInputError) as caught:
        run(community(council_policy={"taper": "50"}))
    assert caught.value.field == "council_policy.taper"
