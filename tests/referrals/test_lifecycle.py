"""The FHIR Task state machine, on its own (no database)."""

from __future__ import annotations

import pytest

from caretrust.referrals import lifecycle as lc


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (lc.REQUESTED, lc.RECEIVED),
        (lc.RECEIVED, lc.ACCEPTED),
        (lc.ACCEPTED, lc.IN_PROGRESS),
        (lc.IN_PROGRESS, lc.COMPLETED),
    ],
)
def test_the_happy_path_moves_one_step_at_a_time(start, end) -> None:
    assert lc.check_transition(start, end) == ""


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (lc.REQUESTED, lc.ACCEPTED),  # must be received (claimed) first
        (lc.REQUESTED, lc.COMPLETED),
        (lc.COMPLETED, lc.IN_PROGRESS),  # terminal
        (lc.REJECTED, lc.RECEIVED),
        (lc.CANCELLED, lc.ACCEPTED),
        (lc.IN_PROGRESS, lc.RECEIVED),
    ],
)
def test_skipping_or_leaving_a_terminal_state_is_refused(start, end) -> None:
    with pytest.raises(lc.InvalidTransition, match="cannot become"):
        lc.check_transition(start, end)


@pytest.mark.parametrize("end", [lc.REJECTED, lc.CANCELLED, lc.ON_HOLD])
def test_rejected_cancelled_on_hold_need_a_reason(end) -> None:
    with pytest.raises(lc.InvalidTransition, match="reason"):
        lc.check_transition(lc.RECEIVED, end, "   ")
    assert lc.check_transition(lc.RECEIVED, end, " Not eligible ") == "Not eligible"


def test_failed_needs_a_reason() -> None:
    with pytest.raises(lc.InvalidTransition):
        lc.check_transition(lc.IN_PROGRESS, lc.FAILED)


def test_a_reason_is_absent_for_other_statuses() -> None:
    with pytest.raises(lc.InvalidTransition, match="only recorded"):
        lc.check_transition(lc.RECEIVED, lc.ACCEPTED, "because")


def test_every_status_has_its_transitions_and_terminals_lead_nowhere() -> None:
    for status in lc.TERMINAL:
        assert lc.allowed_next(status) == frozenset()
    assert {lc.REJECTED, lc.ON_HOLD, lc.CANCELLED, lc.FAILED} == lc.NEEDS_REASON
