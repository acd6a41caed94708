"""The JSON output of `caretrust charge` (see docs/charging-contract.md)."""

from __future__ import annotations

from typing import Any

from caretrust.funding.charging.model import Assessment, LineResult, MeansAssessment, Step
from caretrust.funding.charging.money import pounds
from caretrust.funding.charging.rules import Figure


def assessment_to_json(result: Assessment) -> dict[str, Any]:
    """A JSON-ready dict: money as strings with two decimal places."""
    return {
        "person_weekly": pounds(result.person_weekly),
        "council_weekly": pounds(result.council_weekly),
        "nhs_weekly": pounds(result.nhs_weekly),
        "full_cost_payer": result.full_cost_payer,
        "lines": [_line(line) for line in result.lines],
        "explanation": [_step(step) for step in result.explanation],
        "rule_set": {
            "nation": result.nation,
            "name": result.rule_set,
            "effective_from": result.rule_set_effective_from.isoformat(),
            "date": result.on.isoformat(),
        },
        "council_policy": result.policy,
        "unconfirmed_figures": [_figure(f) for f in result.unconfirmed_figures],
    }


def means_to_json(result: MeansAssessment) -> dict[str, Any]:
    """A JSON-ready dict of a means assessment: money as strings with two decimal places."""
    return {
        "full_cost_payer": result.full_cost_payer,
        "maximum_weekly": None if result.maximum_weekly is None else pounds(result.maximum_weekly),
        "explanation": [_step(step) for step in result.explanation],
        "rule_set": {
            "nation": result.nation,
            "name": result.rule_set,
            "effective_from": result.rule_set_effective_from.isoformat(),
            "date": result.on.isoformat(),
        },
        "council_policy": result.policy,
        "unconfirmed_figures": [_figure(f) for f in result.unconfirmed_figures],
    }


def _line(line: LineResult) -> dict[str, Any]:
    return {
        "id": line.id,
        "basis": line.basis,
        "cost": pounds(line.cost),
        "person": pounds(line.person),
        "council": pounds(line.council),
        "nhs": pounds(line.nhs),
        "reason": line.reason,
    }


def _step(step: Step) -> dict[str, Any]:
    figure = step.figure
    return {
        "step": step.number,
        "title": step.title,
        "amount": None if step.amount is None else pounds(step.amount),
        "detail": step.detail,
        "rule": step.rule,
        "figure": None if figure is None else figure.name,
        "figure_value": None if figure is None or figure.value is None else str(figure.value),
        "effective_from": None if figure is None else figure.effective_from.isoformat(),
        "confidence": None if figure is None else figure.confidence,
    }


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        "figure": figure.name,
        "value": None if figure.value is None else str(figure.value),
        "confidence": figure.confidence,
        "source": figure.source,
        "rule": figure.rule,
        "effective_from": figure.effective_from.isoformat(),
        "rule_set": figure.rule_set,
        "note": figure.note,
    }
