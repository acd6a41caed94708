"""The charging engine as the operational system calls it: the council's own figures for the
date applied as overrides, then parse, assess and the answer as JSON (what is stored)."""

from __future__ import annotations

from datetime import date
from typing import Any

from caretrust.funding.charging import assess, assessment_to_json, parse_request
from caretrust.funding.council_figures import overrides_for


def assess_with_council_figures(request: dict[str, Any], on: date) -> dict[str, Any]:
    """The engine's answer to `request` on `on`, as JSON; ChargingError if the request is wrong."""
    overrides = overrides_for(request["nation"], on)
    if overrides:
        request = {**request, "figure_overrides": overrides}
    return assessment_to_json(assess(parse_request(request)))
