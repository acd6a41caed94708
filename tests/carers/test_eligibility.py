"""Worked cases for a carer's eligibility, from the Care and Support (Eligibility Criteria)
Regulations 2015 (SI 2015/313) regulation 3, as summarised in ../shared/reference/pathways.md §4
and its worked-cases table ("carer: health at risk, outcomes achieved, significant impact →
eligible (reg 3)")."""

from __future__ import annotations

import pytest

from caretrust.carers import eligibility
from caretrust.carers.eligibility import ABLE, OUTCOMES, NotEnoughRecorded, decide

ALL_ABLE = {code: ABLE for code in OUTCOMES}


def test_health_at_risk_with_every_outcome_achieved_is_eligible() -> None:
    """pathways.md worked case; reg 3(1)(b)(i): health deteriorating or at risk is enough on its
    own, whatever the outcomes."""
    result = decide(
        needs_from_caring=True, health_at_risk=True, outcomes=ALL_ABLE, significant_impact=True
    )
    assert result.eligible is True
    assert result.outcomes_not_achieved == ()


def test_one_outcome_not_achieved_is_enough_for_a_carer() -> None:
    """Reg 3(1)(b)(ii): unable to achieve *any one* outcome (an adult needs two, reg 2(1)(b))."""
    outcomes = {**ALL_ABLE, "work_education": "pain_distress_anxiety"}
    result = decide(
        needs_from_caring=True, health_at_risk=False, outcomes=outcomes, significant_impact=True
    )
    assert result.eligible is True
    assert result.outcomes_not_achieved == ("work_education",)


def test_no_significant_impact_is_not_eligible() -> None:
    """Reg 3(1)(c): without a significant impact on wellbeing the carer is not eligible, even
    with health at risk and outcomes not achieved."""
    outcomes = {**ALL_ABLE, "recreation": "needs_assistance"}
    result = decide(
        needs_from_caring=True, health_at_risk=True, outcomes=outcomes, significant_impact=False
    )
    assert result.eligible is False
    assert result.reasons[2].startswith("Condition 3 not met")


def test_needs_not_from_caring_is_not_eligible() -> None:
    """Reg 3(1)(a): the needs must arise from providing necessary care for an adult."""
    outcomes = {**ALL_ABLE, "nutrition": "needs_assistance"}
    result = decide(
        needs_from_caring=False, health_at_risk=True, outcomes=outcomes, significant_impact=True
    )
    assert result.eligible is False
    assert result.reasons[0].startswith("Condition 1 not met")


def test_health_not_at_risk_and_every_outcome_achieved_is_not_eligible() -> None:
    """Reg 3(1)(b): neither limb met."""
    outcomes = {**ALL_ABLE, "caring_for_child": eligibility.NOT_APPLICABLE}
    result = decide(
        needs_from_caring=True, health_at_risk=False, outcomes=outcomes, significant_impact=True
    )
    assert result.eligible is False
    assert result.reasons[1].startswith("Condition 2 not met")


def test_an_outcome_not_assessed_is_an_error_naming_it_never_able() -> None:
    """Issue #16's safety rule, applied to carers: a missing outcome is never read as "able"."""
    outcomes = dict(ALL_ABLE)
    del outcomes["recreation"]
    with pytest.raises(NotEnoughRecorded) as refused:
        decide(
            needs_from_caring=True,
            health_at_risk=False,
            outcomes=outcomes,
            significant_impact=True,
        )
    assert refused.value.missing == ["the outcome “Engaging in recreational activities”"]


def test_there_is_no_significantly_longer_limb_for_carers() -> None:
    """Reg 3(3) has three ways of being unable; reg 2(3)'s "significantly longer" is not one."""
    assert "significantly_longer" not in eligibility.DIFFICULTIES
    with pytest.raises(ValueError):
        decide(
            needs_from_caring=True,
            health_at_risk=False,
            outcomes={**ALL_ABLE, "nutrition": "significantly_longer"},
            significant_impact=True,
        )


def test_the_eight_outcomes_of_regulation_3() -> None:
    assert len(OUTCOMES) == 8
