"""The carer's assessment moves only along allowed transitions. Plain Python."""

from __future__ import annotations

DRAFT, DECIDED, PLAN_AGREED = "draft", "decided", "plan_agreed"

ALLOWED: dict[str, frozenset[str]] = {
    DRAFT: frozenset({DECIDED}),
    DECIDED: frozenset({PLAN_AGREED}),
    PLAN_AGREED: frozenset(),
}

_WHY_NOT = {
    (DRAFT, PLAN_AGREED): "Decide the carer's eligibility before agreeing a support plan.",
    (DECIDED, DECIDED): "The eligibility decision is already recorded.",
    (PLAN_AGREED, DECIDED): "The support plan is agreed: the decision can no longer change. "
    "Start a new carer's assessment if the carer's needs have changed.",
    (PLAN_AGREED, PLAN_AGREED): "The support plan is already agreed.",
}


class InvalidTransition(ValueError):
    pass


def check(current: str, target: str) -> None:
    """Raise InvalidTransition, with a reason a practitioner understands, unless allowed."""
    if current not in ALLOWED or target not in ALLOWED:
        raise InvalidTransition(f"Unknown state: {current!r} → {target!r}.")
    if target not in ALLOWED[current]:
        raise InvalidTransition(
            _WHY_NOT.get(
                (current, target),
                f"A carer's assessment cannot move from {current} to {target}.",
            )
        )
