"""The one unit-costs file (population/data/unit_costs.toml), read for the evaluation.

The projection reads the same file through `caretrust.population.projection.load_unit_costs`
(costs per care setting, payer shares, price index). The evaluation prices what an effect avoids
(bed days, admissions, attendances); its items live in the same file under ``[evaluation.NAME]``,
either naming a setting's cost (``setting = ...``) or carrying their own, and are given here uprated
to the file's price year with the file's index, so both halves quote one price year and one source
for each figure. No Django.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

FILE = "unit_costs.toml"


def read_text() -> tuple[str, str]:
    """(path, text) of the packaged unit-costs file."""
    ref = resources.files("caretrust.population").joinpath("data").joinpath(FILE)
    return str(ref), ref.read_text(encoding="utf-8")


def evaluation_unit_costs(text: str | None = None) -> dict[str, Any]:
    """``{"price_year": ..., "index": ..., "costs": {name: {value, unit, source, status,
    price_year}}}`` for the evaluation; ``value`` is uprated to ``price_year``."""
    data = tomllib.loads(text if text is not None else read_text()[1])
    price_year = str(data["price_year"])
    index = data["index"]
    values = {str(k): float(v) for k, v in index["values"].items()}
    costs: dict[str, dict[str, Any]] = {}
    for name, item in data.get("evaluation", {}).items():
        base = data["costs"][item["setting"]] if "setting" in item else item
        year = str(base["price_year"])
        if year not in values:
            raise ValueError(f"{FILE}: price year {year!r} of {name} has no index value")
        costs[name] = {
            "value": round(float(base["cost"]) * values[price_year] / values[year], 2),
            "unit": item.get("unit", base.get("unit", "")),
            "source": base["source"],
            "status": base.get("status", "assumption"),
            "price_year": year,
            "same_as_setting": item.get("setting"),
        }
    return {"price_year": price_year, "index": index["name"], "costs": costs}
