"""Figures a council supplies where the national rule set marks them unknown (U).

Kept apart from the national rules: the engine receives them as `figure_overrides` and flags each in
every result, so nobody mistakes a council's assumption for a published figure."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings

from caretrust.funding.charging import default_rule_book


@cache
def _load(path: str) -> dict[str, dict[str, str]]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return {name: spec["figures"] for name, spec in data.get("rule_sets", {}).items()}


def overrides_for(nation: str, on: date) -> dict[str, str]:
    """The council's figures for the rule set in force on `on`, only where that set lacks them."""
    path = getattr(settings, "CARETRUST_COUNCIL_FIGURES", "")
    if not path:
        return {}
    rule_set = default_rule_book().rule_set_for(nation, on)
    supplied = _load(str(path)).get(rule_set.name, {})
    book = default_rule_book()
    return {
        name: value
        for name, value in supplied.items()
        if (figure := book.figure(nation, name, on)) is None or figure.value is None
    }
