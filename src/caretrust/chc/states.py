"""A CHC case's states and the moves allowed between them (see caretrust.statemachine).

A positive checklist opens the case at "awaiting_dst" (the 28-day clock running); a negative one
is final. Fast Track skips the checklist and the DST. Only the ICB's decision makes a case
"eligible"; a review may end it."""

from __future__ import annotations

from caretrust.statemachine import Transitions

TRANSITIONS = Transitions(
    "NHS Continuing Healthcare case",
    {
        "negative": set(),
        "awaiting_dst": {"awaiting_decision", "withdrawn"},
        "awaiting_decision": {"eligible", "not_eligible", "withdrawn"},
        "fast_track": {"eligible", "not_eligible", "withdrawn"},
        "eligible": {"ended"},
        "not_eligible": set(),
        "ended": set(),
        "withdrawn": set(),
    },
)
