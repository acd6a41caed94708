"""Errors raised by the charging engine. Each names the input field or figure at fault."""

from __future__ import annotations

from datetime import date


class ChargingError(Exception):
    """Base class: the assessment cannot be made. `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ChargingInputError(ChargingError):
    """The input is invalid (bad value, unknown kind, missing field, no rule set for the date)."""


class FigureUnavailableError(ChargingError):
    """A figure the assessment needs is marked U (not found) in the rule set in force."""

    def __init__(self, figure: str, nation: str, on: date) -> None:
        super().__init__(
            "date",
            f"figure '{figure}' is not known for {nation} on {on.isoformat()} (confidence U); "
            "it must be confirmed in the rules data or supplied in figure_overrides",
        )
        self.figure = figure
