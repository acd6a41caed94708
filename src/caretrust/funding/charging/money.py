"""Money as `Decimal`, with the rounding of SI 2014/2672 reg 11.

Reg 11: where a calculation results in a fraction of a penny, the fraction is treated as a penny if
that is to the adult's advantage, and otherwise disregarded. So every intermediate amount is rounded
to the penny in the person's favour:

* amounts that count against the person (income, capital, tariff income, a charge) are rounded
  **down** (the fraction is disregarded);
* amounts in the person's favour (allowances, disregards, deductions) are rounded **up** (the
  fraction becomes a penny).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def assessable(amount: Decimal) -> Decimal:
    """Round an amount that counts against the person down to the penny (reg 11)."""
    return amount.quantize(PENNY, rounding=ROUND_FLOOR)


def allowance(amount: Decimal) -> Decimal:
    """Round an amount in the person's favour up to the penny (reg 11)."""
    return amount.quantize(PENNY, rounding=ROUND_CEILING)


def pounds(amount: Decimal) -> str:
    """Format money as a string with exactly two decimal places, e.g. "230.25"."""
    return str(amount.quantize(PENNY))
