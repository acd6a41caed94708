"""States that move only along allowed transitions: a small table per pathway (ADR 73).

Each pathway declares its table once (`Transitions`); services call `check` before they write and
make the write conditional on the state they read (`UPDATE ... WHERE status = <from>`), so an
invalid move, or one raced by someone else, changes nothing and gets a clear error.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError


class InvalidTransition(ValidationError):
    def __init__(self, what: str, current: str, target: str, allowed: frozenset[str]) -> None:
        current, target = str(current), str(target)  # a TextChoices member prints as its value
        choices = ", ".join(repr(state) for state in sorted(allowed)) or "nothing (it is final)"
        super().__init__(
            f"This {what} is {current!r} and cannot become {target!r}; from {current!r} it can "
            f"become: {choices}."
        )
        self.current, self.target = current, target


class Transitions:
    """`Transitions("review", {"scheduled": {"done", "cancelled"}})`: every state a key, final
    states mapping to an empty set."""

    def __init__(self, what: str, table: Mapping[str, set[str]]) -> None:
        self.what = what
        self.table = {state: frozenset(targets) for state, targets in table.items()}
        unknown = {t for targets in self.table.values() for t in targets} - set(self.table)
        if unknown:
            raise ValueError(f"{what}: transitions to undeclared states {sorted(unknown)}")

    def allowed(self, current: str) -> frozenset[str]:
        return self.table.get(str(current), frozenset())

    def can(self, current: str, target: str) -> bool:
        return str(target) in self.allowed(current)

    def check(self, current: str, target: str) -> None:
        if not self.can(current, target):
            raise InvalidTransition(self.what, current, target, self.allowed(current))

    def final(self, state: str) -> bool:
        return not self.allowed(state)
