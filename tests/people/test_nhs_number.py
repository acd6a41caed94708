"""NHS number modulus-11 check, worked by hand from the NHS Data Dictionary rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caretrust.people import nhs_number


def test_worked_example_943_476_5919() -> None:
    # 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299; 299 mod 11 = 2; 11 − 2 = 9 ✓
    assert nhs_number.check_digit("943476591") == 9
    assert nhs_number.is_valid("943 476 5919")
    assert not nhs_number.is_valid("943 476 5918")


def test_remainder_zero_gives_check_digit_zero() -> None:
    # 010000001: 1×9 + 1×2 = 11; 11 mod 11 = 0; 11 − 0 = 11, which the rule turns into 0.
    assert nhs_number.check_digit("010000001") == 0
    assert nhs_number.is_valid("0100000010")


def test_check_value_ten_makes_the_number_invalid() -> None:
    # 100000001: 1×10 + 1×2 = 12; 12 mod 11 = 1; 11 − 1 = 10 → no valid check digit.
    assert nhs_number.check_digit("100000001") is None
    assert not any(nhs_number.is_valid(f"100000001{d}") for d in range(10))


@pytest.mark.parametrize("value", ["", "12345", "94347659190", "94347659A9", None])
def test_malformed_numbers_are_invalid(value) -> None:
    assert not nhs_number.is_valid(value)


def test_formatting() -> None:
    assert nhs_number.formatted("9434765919") == "943 476 5919"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_or_no_check_digit_completes_nine_digits(first_nine: str) -> None:
    valid = [d for d in range(10) if nhs_number.is_valid(first_nine + str(d))]
    assert len(valid) == (0 if nhs_number.check_digit(first_nine) is None else 1)
