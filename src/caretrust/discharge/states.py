"""A discharge's states and the moves allowed between them (caretrust.statemachine)."""

from __future__ import annotations

from caretrust.statemachine import Transitions

DISCHARGE = Transitions(
    "discharge",
    {"awaiting": {"discharged", "cancelled"}, "discharged": set(), "cancelled": set()},
)
