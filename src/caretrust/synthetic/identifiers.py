"""Identifiers: NHS numbers in the test range, person ids, postcodes, source-system ids."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: NHS England reserves 999 000 0000 - 999 999 9999 for test patients; about 909,000 of those
#: numbers pass the mod-11 check. Beyond that we continue downwards through 990-998, still inside
#: the 9000000000-9999999999 block the `nhs-number` package lists as "not to be issued
#: (synthetic/test patients PDS)".
TEST_RANGE_START = 999_000_000  # nine-digit prefix
EXTENDED_RANGE_START = 990_000_000

_WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # letters used in inward codes


def check_digits(prefixes: np.ndarray) -> np.ndarray:
    """Mod-11 check digit for each nine-digit prefix; 10 means no valid number exists."""
    digits = (prefixes[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    remainder = (digits * _WEIGHTS).sum(axis=1) % 11
    check = 11 - remainder
    return np.where(check == 11, 0, check)


def is_valid_nhs_number(number: str) -> bool:
    """True when the ten digits pass the mod-11 check (records.md)."""
    if len(number) != 10 or not number.isdigit():
        return False
    check = check_digits(np.array([int(number[:9])], dtype=np.int64))[0]
    return check != 10 and check == int(number[9])


def _valid_numbers(first: int, last: int, rng: np.random.Generator) -> np.ndarray:
    prefixes = np.arange(first, last, dtype=np.int64)
    check = check_digits(prefixes)
    valid = check != 10
    numbers = prefixes[valid] * 10 + check[valid]
    return rng.permutation(numbers)


def allocate_nhs_numbers(count: int, seed: int) -> np.ndarray:
    """`count` distinct valid NHS numbers, test range first, in a seeded random order."""
    rng = np.random.default_rng([seed, 11])
    numbers = _valid_numbers(TEST_RANGE_START, 1_000_000_000, rng)
    if count > len(numbers):
        extra = _valid_numbers(EXTENDED_RANGE_START, TEST_RANGE_START, rng)
        numbers = np.concatenate([numbers, extra])
    if count > len(numbers):
        raise ValueError(f"cannot allocate {count:,} synthetic NHS numbers")
    return numbers[:count]


def prefixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded numbers, built in Arrow (no Python loop)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def scrambled(numbers: np.ndarray, salt: int, modulus: int) -> np.ndarray:
    """A bijection on [0, modulus) so source ids do not give away the true person order."""
    multiplier = 2_654_435_761 % modulus  # odd and not a multiple of 5: coprime with 10**k
    return (numbers.astype(np.int64) * multiplier + salt) % modulus


def postcodes(districts: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """UK-shaped postcodes: the given outward code, a space, digit + two inward letters."""
    n = len(districts)
    digit = rng.integers(0, 10, n).astype(str)
    letters = INWARD_LETTERS[rng.integers(0, len(INWARD_LETTERS), (n, 2))]
    inward = np.char.add(np.char.add(digit, letters[:, 0]), letters[:, 1])
    return pc.binary_join_element_wise(pa.array(districts), pa.array(inward), " ")
