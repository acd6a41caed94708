"""Validation of JSON-like input values. Every error names the field at fault."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from caretrust.funding.charging.errors import ChargingInputError


def parse_money(value: object, path: str, *, max_places: int | None = None) -> Decimal:
    """A non-negative amount given as a string ("230.25") or an integer; never a float."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ChargingInputError(path, 'must be an amount written as a string, e.g. "230.25"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ChargingInputError(path, f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ChargingInputError(path, f"{value!r} is not an amount")
    if amount < 0:
        raise ChargingInputError(path, "must not be negative")
    if max_places is not None and -amount.as_tuple().exponent > max_places:  # type: ignore[operator]
        raise ChargingInputError(path, f"must have at most {max_places} decimal places")
    return amount


def parse_fraction(value: object, path: str) -> Decimal:
    """A fraction between 0 and 1, e.g. "0.5"."""
    amount = parse_money(value, path)
    if amount > 1:
        raise ChargingInputError(path, "must be a fraction between 0 and 1")
    return amount


def parse_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ChargingInputError(path, "must be true or false")
    return value


def parse_int(value: object, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChargingInputError(path, "must be a whole number")
    if value < minimum:
        raise ChargingInputError(path, f"must be at least {minimum}")
    return value


def parse_text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ChargingInputError(path, "must be a non-empty string")
    return value


def parse_iso_date(value: object, path: str) -> date:
    if not isinstance(value, str):
        raise ChargingInputError(path, "must be an ISO date string, e.g. 2025-06-01")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ChargingInputError(path, f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_choice(value: object, path: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(sorted(choices))
        raise ChargingInputError(path, f"unknown value {value!r}; use one of: {listed}")
    return value
