"""A review's states and the moves allowed between them (see caretrust.statemachine)."""

from __future__ import annotations

from caretrust.statemachine import Transitions

TRANSITIONS = Transitions(
    "review", {"scheduled": {"done", "cancelled"}, "done": set(), "cancelled": set()}
)
