"""A reablement episode's states and the moves allowed between them (caretrust.statemachine)."""

from __future__ import annotations

from caretrust.statemachine import Transitions

REABLEMENT = Transitions("reablement episode", {"active": {"ended"}, "ended": set()})
