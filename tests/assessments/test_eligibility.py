"""The three conditions of regulation 2 of the Care and Support (Eligibility Criteria)
Regulations 2015, tested against the regulation's text."""

from __future__ import annotations

import pytest

from caretrust.assessments.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.assessments.eligibility import decide as _decide


def decide(*, outcomes, **conditions):
    """Every outcome not named is recorded as "able" and fluctuation as considered: a decision
    needs all ten recorded (tests/assessments/test_safe_decisions.py)."""
    conditions.setdefault("needs_fluctuate", False)
    return _decide(outcomes={**dict.fromkeys(OUTCOMES, "able"), **outcomes}, **conditions)


def test_there_are_the_ten_specified_outcomes_of_regulation_2_2() -> None:
    assert len(OUTCOMES) == 10
    assert OUTCOMES["nutrition"] == "Managing and maintaining nutrition"
    assert OUTCOMES["caring_for_child"].startswith("Carrying out any caring responsibilities")


def test_all_three_conditions_met_is_eligible() -> None:
    result = decide(
        impairment=True,
        outcomes={"hygiene": "needs_assistance", "home_safety": "endangers_safety"},
        significant_impact=True,
    )
    assert result.eligible is True
    assert result.outcomes_not_achieved == ("hygiene", "home_safety")
    assert [r.split(":")[0] for r in result.reasons] == [
        "Condition 1 met",
        "Condition 2 met",
        "Condition 3 met",
    ]


def test_one_outcome_is_not_enough() -> None:
    result = decide(
        impairment=True, outcomes={"hygiene": "needs_assistance"}, significant_impact=True
    )
    assert result.eligible is False
    assert "Condition 2 not met" in result.reasons[1]
    assert "at least 2" in result.reasons[1]


def test_needs_not_from_an_impairment_or_illness_are_not_eligible() -> None:
    result = decide(
        impairment=False,
        outcomes={"hygiene": "needs_assistance", "toilet": "needs_assistance"},
        significant_impact=True,
    )
    assert result.eligible is False and "Condition 1 not met" in result.reasons[0]


def test_without_significant_impact_on_wellbeing_not_eligible() -> None:
    result = decide(
        impairment=True,
        outcomes={"hygiene": "needs_assistance", "toilet": "needs_assistance"},
        significant_impact=False,
    )
    assert result.eligible is False and "Condition 3 not met" in result.reasons[2]


@pytest.mark.parametrize(
    "way", ["needs_assistance", "pain_distress_anxiety", "endangers_safety", "significantly_longer"]
)
def test_each_way_of_being_unable_to_achieve_counts(way) -> None:
    # Regulation 2(3): able only with assistance, or with pain/distress/anxiety, danger, or much longer.
    result = decide(
        impairment=True, outcomes={"nutrition": way, "clothing": way}, significant_impact=True
    )
    assert result.eligible is True


def test_able_outcomes_do_not_count() -> None:
    outcomes = {code: "able" for code in OUTCOMES}
    outcomes["nutrition"] = "needs_assistance"
    assert decide(impairment=True, outcomes=outcomes, significant_impact=True).eligible is False


def test_undecided_until_conditions_1_and_3_are_recorded() -> None:
    result = _decide(impairment=None, outcomes={}, significant_impact=None)
    assert result.eligible is None and "impairment" in result.reasons[0]


def test_unknown_outcomes_or_difficulties_are_refused() -> None:
    with pytest.raises(ValueError):
        decide(impairment=True, outcomes={"gardening": "needs_assistance"}, significant_impact=True)
    with pytest.raises(ValueError):
        decide(impairment=True, outcomes={"nutrition": "sometimes"}, significant_impact=True)
    assert "able" in DIFFICULTIES


def test_worked_case_nutrition_and_hygiene_with_significant_impact_is_eligible() -> None:
    """pathways.md, worked cases: "unable: nutrition + hygiene, illness-related, significant
    impact → eligible (reg 2)"; source [E] SI 2015/313 reg 2(1)(a)-(c), 2(2)(a)-(b)."""
    result = decide(
        impairment=True,
        outcomes={"nutrition": "needs_assistance", "hygiene": "pain_distress_anxiety"},
        significant_impact=True,
    )
    assert result.eligible is True
    assert result.outcomes_not_achieved == ("nutrition", "hygiene")


def test_worked_case_one_outcome_with_significant_impact_is_not_eligible() -> None:
    """pathways.md §5: reg 2(1)(b) needs "two or more" outcomes; one, however severe, is not
    enough [E] SI 2015/313 reg 2(1)(b)."""
    result = decide(
        impairment=True, outcomes={"nutrition": "endangers_safety"}, significant_impact=True
    )
    assert result.eligible is False and "Condition 2 not met" in result.reasons[1]


def test_worked_case_an_unassessed_outcome_is_an_error_never_able() -> None:
    """pathways.md, checklist for software: "unassessed outcome = error, never 'able'"."""
    result = _decide(
        impairment=True,
        outcomes={"nutrition": "needs_assistance", "hygiene": "needs_assistance"},
        significant_impact=True,
        needs_fluctuate=False,
    )
    assert result.eligible is None
    assert len(result.missing) == 8 and "Being appropriately clothed" in result.reasons[0]


def test_worked_case_fluctuating_needs_judged_over_a_period() -> None:
    """pathways.md §5: "Fluctuating needs: judge over whatever period shows the true level" [E]
    SI 2015/313 reg 2(4): the period is recorded before a decision."""
    outcomes = {"toilet": "needs_assistance", "clothing": "needs_assistance"}
    undecided = decide(
        impairment=True, outcomes=outcomes, significant_impact=True, needs_fluctuate=True
    )
    assert undecided.eligible is None
    decided = decide(
        impairment=True,
        outcomes=outcomes,
        significant_impact=True,
        needs_fluctuate=True,
        fluctuation_period="Over 3 months: MS relapses every few weeks",
    )
    assert decided.eligible is True
