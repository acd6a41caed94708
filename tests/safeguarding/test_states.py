"""The concern's state machine: only the listed moves; both ends final."""

from __future__ import annotations

import pytest

from caretrust.safeguarding import states
from caretrust.statemachine import InvalidTransition


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("concern", "s42_enquiry"),
        ("concern", "other_enquiry"),
        ("concern", "no_further_action"),
        ("s42_enquiry", "concluded"),
        ("other_enquiry", "concluded"),
    ],
)
def test_allowed_moves(current, target) -> None:
    states.CONCERN_STATES.check(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("concern", "concluded"),  # no enquiry to conclude
        ("s42_enquiry", "other_enquiry"),  # the decision is made
        ("s42_enquiry", "concern"),
        ("no_further_action", "s42_enquiry"),  # final: new information is a new concern
        ("concluded", "s42_enquiry"),
        ("concluded", "concluded"),
    ],
)
def test_invalid_moves_are_refused(current, target) -> None:
    with pytest.raises(InvalidTransition):
        states.CONCERN_STATES.check(current, target)


def test_final_states() -> None:
    assert states.CONCERN_STATES.final("concluded")
    assert states.CONCERN_STATES.final("no_further_action")
    assert not states.CONCERN_STATES.final("concern")
