"""The transition tables of the pathways (ADR 73): only listed moves are allowed, final states
have none, and the error names where it can go."""

from __future__ import annotations

import pytest

from caretrust.assessments.states import TRANSITIONS as ASSESSMENT
from caretrust.careplans.services import PLAN_TRANSITIONS
from caretrust.reviews.states import TRANSITIONS as REVIEW
from caretrust.statemachine import InvalidTransition, Transitions


@pytest.mark.parametrize(
    ("table", "current", "target", "allowed"),
    [
        (ASSESSMENT, "in-progress", "completed", True),
        (ASSESSMENT, "in-progress", "cancelled", True),
        (ASSESSMENT, "completed", "in-progress", False),
        (ASSESSMENT, "completed", "cancelled", False),
        (ASSESSMENT, "cancelled", "completed", False),
        (REVIEW, "scheduled", "done", True),
        (REVIEW, "scheduled", "cancelled", True),
        (REVIEW, "done", "scheduled", False),
        (REVIEW, "cancelled", "done", False),
        (PLAN_TRANSITIONS, "draft", "active", True),
        (PLAN_TRANSITIONS, "active", "draft", False),
        (PLAN_TRANSITIONS, "completed", "active", False),
    ],
)
def test_only_listed_moves_are_allowed(table, current, target, allowed) -> None:
    assert table.can(current, target) is allowed
    if allowed:
        table.check(current, target)
    else:
        with pytest.raises(InvalidTransition, match=f"cannot become '{target}'"):
            table.check(current, target)


def test_the_error_says_where_it_can_go() -> None:
    with pytest.raises(InvalidTransition) as error:
        REVIEW.check("done", "scheduled")
    assert "nothing (it is final)" in error.value.messages[0]
    with pytest.raises(InvalidTransition) as error:
        ASSESSMENT.check("in-progress", "draft")
    assert "'cancelled', 'completed'" in error.value.messages[0]


def test_a_table_cannot_lead_to_an_undeclared_state() -> None:
    with pytest.raises(ValueError, match="undeclared"):
        Transitions("thing", {"a": {"b"}})
