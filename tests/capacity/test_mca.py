"""Worked cases for the two-stage test of capacity: Mental Capacity Act 2005 ss1–3, the MCA Code
of Practice (2007) paras 4.11–4.13, and A Local Authority v JB [2021] UKSC 52 (the causal link),
as summarised in ../shared/reference/pathways.md §7."""

from __future__ import annotations

import pytest

from caretrust.capacity.mca import assess


def test_impairment_and_unable_to_weigh_lacks_capacity() -> None:
    """Stage 1 (s2(1)) and one limb of stage 2 (s3(1)(c)): enough. Any one limb suffices."""
    finding = assess(impairment=True, unable_to={"use_or_weigh"})
    assert finding.lacks_capacity is True
    assert finding.reasons[0].startswith("Stage 1 met")
    assert "use or weigh" in finding.reasons[1]


@pytest.mark.parametrize("limb", ["understand", "retain", "use_or_weigh", "communicate"])
def test_any_one_functional_limb_is_enough(limb) -> None:
    """s3(1)(a)–(d)."""
    assert assess(impairment=True, unable_to={limb}).lacks_capacity is True


def test_no_impairment_means_capacity_whatever_the_functional_difficulty() -> None:
    """s2(1): without an impairment of, or disturbance in, mind or brain the person does not lack
    capacity in law (an unwise decision is not incapacity, s1(4))."""
    finding = assess(impairment=False, unable_to={"understand", "retain"})
    assert finding.lacks_capacity is False
    assert finding.reasons[0].startswith("Stage 1 not met")


def test_impairment_but_able_to_decide_has_capacity() -> None:
    """Code 4.12: a diagnosis alone (for example dementia) is not a lack of capacity."""
    finding = assess(impairment=True, unable_to=set())
    assert finding.lacks_capacity is False
    assert finding.reasons[1].startswith("Stage 2 not met")


def test_inability_not_caused_by_the_impairment_is_not_incapacity() -> None:
    """JB [2021] UKSC 52: the inability must be *because of* the impairment (s2(1))."""
    finding = assess(impairment=True, unable_to={"communicate"}, because_of_impairment=False)
    assert finding.lacks_capacity is False
    assert any("Not because of the impairment" in r for r in finding.reasons)


def test_help_first() -> None:
    """s1(3): not treated as unable until all practicable steps to help have failed."""
    finding = assess(impairment=True, unable_to={"retain"}, practicable_steps_taken=False)
    assert finding.lacks_capacity is False


def test_unknown_ability_is_refused() -> None:
    with pytest.raises(ValueError):
        assess(impairment=True, unable_to={"remember_birthdays"})
