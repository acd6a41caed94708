"""The carer's assessment state machine: draft → decided → support plan agreed, nothing else."""

from __future__ import annotations

import pytest

from caretrust.carers import states


@pytest.mark.parametrize(
    ("current", "target"),
    [(states.DRAFT, states.DECIDED), (states.DECIDED, states.PLAN_AGREED)],
)
def test_allowed_transitions(current, target) -> None:
    states.check(current, target)


@pytest.mark.parametrize(
    ("current", "target", "says"),
    [
        (states.DRAFT, states.PLAN_AGREED, "Decide the carer's eligibility"),
        (states.DECIDED, states.DECIDED, "already recorded"),
        (states.PLAN_AGREED, states.DECIDED, "can no longer change"),
        (states.PLAN_AGREED, states.DRAFT, "cannot move"),
        (states.DECIDED, states.DRAFT, "cannot move"),
        ("nonsense", states.DECIDED, "Unknown state"),
    ],
)
def test_invalid_transitions_are_refused_with_a_reason(current, target, says) -> None:
    with pytest.raises(states.InvalidTransition, match=says):
        states.check(current, target)
