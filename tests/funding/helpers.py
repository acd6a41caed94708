"""Helpers for reading an assessment in tests."""

from __future__ import annotations

from decimal import Decimal

from caretrust.funding.charging import Assessment, LineResult


def step_amount(result: Assessment, title_start: str) -> Decimal | None:
    """The amount of the first explanation step whose title starts with `title_start`."""
    for step in result.explanation:
        if step.title.startswith(title_start):
            return step.amount
    raise AssertionError(f"no step starting {title_start!r}")


def line(result: Assessment, line_id: str) -> LineResult:
    return next(item for item in result.lines if item.id == line_id)


def flagged(result: Assessment) -> dict[str, str]:
    """Unconfirmed figures used: name -> confidence mark."""
    return {f.name: f.confidence for f in result.unconfirmed_figures}
