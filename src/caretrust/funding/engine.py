"""The charging engine as the operational system calls it: the council's own figures for the
date applied as overrides, then parse, assess and the answer as JSON (what is stored)."""

from __future__ import annotations

from datetime import date
from typing import Any

from caretrust.funding.charging import (
    assess,
    assess_means,
    assessment_to_json,
    means_to_json,
    parse_request,
)
from caretrust.funding.council_figures import overrides_for


def _with_council_figures(request: dict[str, Any], on: date) -> dict[str, Any]:
    overrides = overrides_for(request["nation"], on)
    return {**request, "figure_overrides": overrides} if overrides else request


def assess_with_council_figures(request: dict[str, Any], on: date) -> dict[str, Any]:
    """The engine's answer to `request` on `on`, as JSON; ChargingError if the request is wrong."""
    return assessment_to_json(assess(parse_request(_with_council_figures(request, on))))


def means_with_council_figures(request: dict[str, Any], on: date) -> dict[str, Any]:
    """The person's means alone (full-cost payer, or the most they pay a week), as JSON."""
    return means_to_json(assess_means(parse_request(_with_council_figures(request, on))))
