"""The assessment's states and the moves allowed between them (see caretrust.statemachine)."""

from __future__ import annotations

from caretrust.statemachine import Transitions

TRANSITIONS = Transitions(
    "assessment",
    {
        # Decided with reasons, or ended without a decision (the person refused, s11; died; moved).
        "in-progress": {"completed", "cancelled"},
        "completed": set(),
        "cancelled": set(),
    },
)
