"""The ordered explanation that every result carries."""

from __future__ import annotations

from decimal import Decimal

from caretrust.funding.charging.model import Step
from caretrust.funding.charging.rules import Figure


class Explanation:
    """Collects steps in order. Every step names its rule; a step that used a figure records it
    (value, rule, effective date, confidence)."""

    def __init__(self) -> None:
        self._steps: list[Step] = []

    def add(
        self,
        title: str,
        *,
        rule: str = "",
        amount: Decimal | None = None,
        figure: Figure | None = None,
        detail: str = "",
    ) -> None:
        if not (rule or figure):
            raise ValueError(f"explanation step {title!r} must name its rule")
        self._steps.append(
            Step(
                number=len(self._steps) + 1,
                title=title,
                amount=amount,
                rule=rule or (figure.rule if figure else ""),
                detail=detail,
                figure=figure,
            )
        )

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)
