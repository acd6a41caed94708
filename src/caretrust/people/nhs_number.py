"""NHS number: ten digits whose last is a modulus-11 check digit (NHS Data Dictionary).

Validation is not tracing: a valid number can still belong to someone else, which is why identifiers
carry a verification status.
"""

from __future__ import annotations

import functools
import re

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_SEPARATORS = re.compile(r"[\s-]")


def normalise(value: str) -> str:
    """Strip spaces and hyphens: '943 476 5919' → '9434765919'."""
    return _SEPARATORS.sub("", value or "")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the remainder makes the number invalid (10)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


@functools.lru_cache(maxsize=2**16)
def is_valid(value: str) -> bool:
    # Remembered: an import asks about each Patient's number several times (matching, warning,
    # keeping the invalid ones flagged), a hundred thousand Patients a file.
    digits = normalise(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    return check_digit(digits[:9]) == int(digits[9])


def formatted(value: str) -> str:
    """Shown in groups of three, three and four, e.g. '943 476 5919'."""
    digits = normalise(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value
