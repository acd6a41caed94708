"""Scenario files (TOML), demographic variants and unit costs: everything a projection draws from.

A scenario gives each lever an *interval* read as the 80% interval of a Normal, as the Strategy
Unit's New Hospital Programme demand model does (NHP, The-Strategy-Unit/nhp_model): mean
(lo + hi) / 2, sd (hi − lo) / 2.563103 (= 2 × z₀.₉), draws clipped to the lever's own limits. Every
value must carry a ``source`` (a citation or a stated rationale), so a plan can be read back to its
evidence. Errors name the file and the line, because planners edit these files by hand.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from caretrust.population.unit_costs import read_text

#: 2 × the 90th percentile of the standard Normal: an 80% interval spans this many sds.
Z80_WIDTH = 2.563103
#: a 95% interval (as evaluations report) spans 2 × 1.959964 sds on the log scale.
Z95_WIDTH = 2 * 1.959964

#: Care settings projected, in report order: (id, title, unit).
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("gp_contacts", "GP contacts", "contacts"),
    ("ae_attendances", "A&E attendances", "attendances"),
    ("emergency_admissions", "Emergency admissions", "admissions"),
    ("emergency_bed_days", "Emergency bed days", "bed days"),
    ("elective_admissions", "Elective admissions", "admissions"),
    ("community_nursing_visits", "Community nursing visits (proxy)", "visits"),
    ("reablement_episodes", "Reablement episodes", "episodes"),
    ("home_care_hours", "Home care hours", "hours"),
    ("residential_placements", "Residential care-home placements", "admissions"),
    ("residential_weeks", "Residential care-home weeks", "weeks"),
    ("nursing_placements", "Nursing care-home placements", "admissions"),
    ("nursing_weeks", "Nursing care-home weeks", "weeks"),
)
SETTING_IDS: tuple[str, ...] = tuple(s[0] for s in SETTINGS)
SETTING_INDEX = {s: i for i, s in enumerate(SETTING_IDS)}
PAYERS: tuple[str, ...] = ("nhs", "council", "person")

#: eFI categories plus a group for people under 65, for whom eFI is not scored.
FRAILTY: tuple[str, ...] = ("under_65", "fit", "mild", "moderate", "severe")
#: "frail" for levers and integration effects: eFI > 0.12, the population in which the synthetic
#: generator plants its integration effect and the usual threshold for case finding.
FRAIL = (2, 3, 4)

#: Home care hours per week that replace one diverted care-home week: 12.4 contact hours per
#: household per week (Community Care Statistics, Sept 2008; evaluation-and-planning.md §3, C).
HOME_CARE_HOURS_PER_DIVERTED_WEEK = 12.4

#: Settings each evaluation outcome acts on when read from an evaluation JSON.
OUTCOME_SETTINGS: dict[str, tuple[str, ...]] = {
    "emergency_admissions": (
        "emergency_admissions",
        "emergency_bed_days",
        "community_nursing_visits",  # the proxy is emergency discharges home
    ),
    "emergency_bed_days": ("emergency_bed_days",),
    "ae_attendances": ("ae_attendances",),
    "gp_contacts": ("gp_contacts",),
    "elective_admissions": ("elective_admissions",),
    "care_home_admissions": (
        "residential_placements",
        "residential_weeks",
        "nursing_placements",
        "nursing_weeks",
    ),
    "residential_placements": ("residential_placements", "residential_weeks"),
    "nursing_placements": ("nursing_placements", "nursing_weeks"),
    "reablement_episodes": ("reablement_episodes",),
    "home_care_hours": ("home_care_hours",),
}


@dataclass(frozen=True)
class LeverSpec:
    """What a lever does: which settings, which people, its clip limits and how it acts.

    ``kind``: ``mitigator`` (factor on activity: ≤ 1 thins, > 1 adds), ``efficiency`` (binomial
    thinning of bed days), ``diversion`` (care-home activity kept; the rest becomes home care),
    ``coverage`` (share of frail people with a co-ordinator; scales the integration effect),
    ``growth`` (year-on-year factor, raised to the year; drawn for each setting on its own, as NHP
    draws its non-demographic adjustment per activity type), ``health_status`` (share of
    life-expectancy gains spent in frailty).

    ``people``: whom it acts on: ``all``, ``65+`` (every frailty group but under-65s) or
    ``frail`` (eFI > 0.12).
    """

    name: str
    kind: str
    settings: tuple[str, ...]
    people: str
    limits: tuple[float, float]
    description: str


LEVERS: dict[str, LeverSpec] = {
    spec.name: spec
    for spec in (
        LeverSpec(
            "frail_admission_avoidance",
            "mitigator",
            # community nursing visits are a proxy made of emergency discharges home (baseline.py)
            ("emergency_admissions", "emergency_bed_days", "community_nursing_visits"),
            "frail",
            (0.0, 1.0),
            "share of frail people's emergency admissions (and their bed days, their A&E "
            "attendances and the reablement after them) still needed; admissions that end in "
            "death are not avoided by it (NHP keeps end-of-life care as a strategy of its own)",
        ),
        LeverSpec(
            "length_of_stay",
            "efficiency",
            ("emergency_bed_days",),
            "65+",
            (0.0, 1.0),
            "share of emergency bed days of people 65+ still needed after length-of-stay "
            "reduction, in stays that do not end in death (a stay that ends in death has no "
            "discharge to bring forward)",
        ),
        LeverSpec(
            "care_home_diversion",
            "diversion",
            ("residential_placements", "residential_weeks", "nursing_placements", "nursing_weeks"),
            "all",
            (0.0, 1.0),
            "share of care-home placements still made; diverted weeks become home care hours",
        ),
        LeverSpec(
            "reablement_capacity",
            "mitigator",
            ("reablement_episodes",),
            "all",
            (0.0, 5.0),
            "reablement episodes relative to today's capacity",
        ),
        LeverSpec(
            "coordinator_coverage",
            "coverage",
            (),
            "frail",
            (0.0, 1.0),
            "share of frail people (eFI > 0.12) with a named co-ordinator",
        ),
        LeverSpec(
            "non_demographic_growth",
            "growth",
            SETTING_IDS,
            "all",
            (0.0, 5.0),
            "year-on-year growth beyond demography, raised to the number of years",
        ),
        LeverSpec(
            "health_status_adjustment",
            "health_status",
            (),
            "all",
            (0.0, 1.0),
            "share of life-expectancy gains spent in frailty (1: progression unchanged)",
        ),
    )
}


class ScenarioError(ValueError):
    """A scenario (or variants/unit-cost) file is wrong; the message names the file and line."""


@dataclass(frozen=True)
class Interval:
    """An 80% interval of a Normal, with its source, clipped to ``limits`` when drawn."""

    lo: float
    hi: float
    source: str
    limits: tuple[float, float] = (0.0, 1.0)

    @property
    def mean(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def sd(self) -> float:
        return (self.hi - self.lo) / Z80_WIDTH

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.clip(rng.normal(self.mean, self.sd, size), *self.limits)


@dataclass(frozen=True)
class Effect:
    """An integration effect read from an evaluation: a rate ratio with its 95% CI."""

    outcome: str
    rate_ratio: float
    ci_low: float
    ci_high: float
    level: float = 0.95

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        # ratio CIs are symmetric on the log scale, so draw there and exponentiate
        z = 2 * _normal_quantile(0.5 + self.level / 2)
        sd = (math.log(self.ci_high) - math.log(self.ci_low)) / z
        return np.clip(np.exp(rng.normal(math.log(self.rate_ratio), sd, size)), 0.0, 5.0)


@dataclass(frozen=True)
class Variant:
    """A demographic variant held as data: probability, mortality improvement and net inflow."""

    name: str
    probability: float
    mortality_improvement: float  # yearly fall in death rates (0.01: 1% a year)
    inflow_rate: float  # net arrivals a year as a share of the baseline population
    source: str


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    levers: dict[str, Interval]
    variants: tuple[Variant, ...]
    effects: tuple[Effect, ...] = ()
    effects_source: str = ""
    path: str = "<memory>"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def most_probable_variant(self) -> int:
        return int(np.argmax([v.probability for v in self.variants]))


def _normal_quantile(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


def _line_of(text: str, table: str | None, key: str | None = None) -> int:
    """1-based line of ``key`` inside ``[table]``, else of the table (its header, or its inline
    ``name = {...}`` line under the parent table); 0 if not found.

    tomllib keeps no positions, so find them by scanning: enough for hand-written files.
    """
    parent, _, child = (table or "").rpartition(".")
    current: str | None = None
    header = inline = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            current = line.strip("[]").strip()
            if current == table and not header:
                header = number
            continue
        name = line.split("=", 1)[0].strip()
        if key is not None and current == table and name == key:
            return number
        if parent and current == parent and name == child and not inline:
            inline = number
    return header or inline


class _Reader:
    """Reads one TOML file and raises ScenarioError with the file and line of each problem."""

    def __init__(self, path: Path | str, text: str) -> None:
        self.path = str(path)
        self.text = text
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{self.path}: {exc}") from exc

    def fail(self, message: str, table: str | None, key: str | None = None) -> ScenarioError:
        line = _line_of(self.text, table, key)
        where = f"{self.path}:{line}" if line else self.path
        return ScenarioError(f"{where}: {message}")

    def number(self, table: str, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{key} must be a number, got {value!r}", table, key)
        return float(value)

    def source(self, table: str, body: dict) -> str:
        source = body.get("source", "")
        if not isinstance(source, str) or not source.strip():
            raise self.fail("every value needs a source (a citation or a rationale)", table)
        return source.strip()

    def interval(self, table: str, body: dict, limits: tuple[float, float]) -> Interval:
        raw = body.get("interval")
        if not isinstance(raw, list) or len(raw) != 2:
            raise self.fail("interval must be [low, high]", table, "interval")
        lo, hi = (self.number(table, "interval", v) for v in raw)
        if lo > hi:
            raise self.fail(
                f"interval [{lo:g}, {hi:g}] is the wrong way round (low > high)", table, "interval"
            )
        if lo < limits[0] or hi > limits[1]:
            raise self.fail(
                f"interval [{lo:g}, {hi:g}] lies outside the allowed range "
                f"[{limits[0]:g}, {limits[1]:g}]",
                table,
                "interval",
            )
        return Interval(lo, hi, self.source(table, body), limits)


def _data_text(name: str) -> tuple[str, str]:
    ref = resources.files("caretrust.population").joinpath("data").joinpath(name)
    return str(ref), ref.read_text(encoding="utf-8")


def parse_variants(data: dict, reader: _Reader, table_prefix: str = "") -> tuple[Variant, ...]:
    variants = []
    for name, body in data.items():
        table = f"{table_prefix}{name}"
        if not isinstance(body, dict):
            raise reader.fail(f"variant {name} must be a table", table)
        unknown = set(body) - {"probability", "mortality_improvement", "inflow_rate", "source"}
        if unknown:
            raise reader.fail(f"unknown variant field {sorted(unknown)[0]!r}", table)
        values = {}
        for key, limits in (
            ("probability", (0.0, 1.0)),
            ("mortality_improvement", (-0.1, 0.1)),
            ("inflow_rate", (-0.1, 0.1)),
        ):
            if key not in body:
                raise reader.fail(f"variant {name} has no {key}", table)
            value = reader.number(table, key, body[key])
            if not limits[0] <= value <= limits[1]:
                raise reader.fail(
                    f"{key} {value:g} lies outside the allowed range [{limits[0]:g}, {limits[1]:g}]",
                    table,
                    key,
                )
            values[key] = value
        variants.append(Variant(name=name, source=reader.source(table, body), **values))
    if not variants:
        raise reader.fail("no variants", None)
    total = sum(v.probability for v in variants)
    if abs(total - 1) > 1e-6:
        raise reader.fail(f"variant probabilities sum to {total:g}, not 1", None)
    return tuple(variants)


def default_variants() -> tuple[Variant, ...]:
    path, text = _data_text("variants.toml")
    reader = _Reader(path, text)
    return parse_variants(reader.data, reader)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; raise ScenarioError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_scenario(text, path)


def parse_scenario(text: str, path: str | Path = "<memory>") -> Scenario:
    reader = _Reader(path, text)
    data = dict(reader.data)
    known = {"scenario", "levers", "variants", "integration_effect"}
    for key in data:
        if key not in known:
            raise reader.fail(f"unknown section {key!r}", key)
    meta = data.get("scenario", {})
    for key in meta:
        if key not in ("name", "description"):
            raise reader.fail(f"unknown field {key!r} in [scenario]", "scenario", key)
    levers: dict[str, Interval] = {}
    for name, body in data.get("levers", {}).items():
        table = f"levers.{name}"
        if name not in LEVERS:
            raise reader.fail(f"unknown lever {name!r} (known: {', '.join(sorted(LEVERS))})", table)
        if not isinstance(body, dict):
            raise reader.fail(f"lever {name} must be a table with interval and source", table)
        extra = set(body) - {"interval", "source"}
        if extra:
            raise reader.fail(f"unknown field {sorted(extra)[0]!r} in lever {name}", table)
        levers[name] = reader.interval(table, body, LEVERS[name].limits)
    variants = (
        parse_variants(data["variants"], reader, "variants.")
        if "variants" in data
        else default_variants()
    )
    effects: tuple[Effect, ...] = ()
    effects_source = ""
    notes: list[str] = []
    if "integration_effect" in data:
        body = data["integration_effect"]
        table = "integration_effect"
        extra = set(body) - {"evaluation", "effects", "source"}
        if extra:
            raise reader.fail(f"unknown field {sorted(extra)[0]!r} in integration_effect", table)
        effects_source = reader.source(table, body)
        if "evaluation" in body:
            evaluation = Path(body["evaluation"])
            if not evaluation.is_absolute() and reader.path != "<memory>":
                evaluation = Path(reader.path).parent / evaluation
            effects = load_effects(evaluation)
        elif "effects" in body:
            effects = _effects_from(body["effects"], f"{reader.path} [integration_effect]")
        else:
            raise reader.fail("integration_effect needs evaluation = FILE or effects", table)
        unused = [e.outcome for e in effects if e.outcome not in OUTCOME_SETTINGS]
        if unused:
            notes.append(f"evaluation outcomes not projected (ignored): {', '.join(unused)}")
        if "coordinator_coverage" not in levers:
            raise reader.fail(
                "an integration effect needs [levers.coordinator_coverage]: the share of frail "
                "people it reaches",
                table,
            )
    return Scenario(
        name=str(meta.get("name", Path(str(path)).stem)),
        description=str(meta.get("description", "")),
        levers=levers,
        variants=variants,
        effects=effects,
        effects_source=effects_source,
        path=str(path),
        notes=tuple(notes),
    )


def load_effects(path: str | Path) -> tuple[Effect, ...]:
    """Effects from a saved evaluation JSON: ``{"effects": [{outcome, rate_ratio, ci_low,
    ci_high[, level]}, ...]}`` (other keys are ignored). See docs/adr/0061."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the evaluation ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("effects"), list):
        raise ScenarioError(f"{path}: an evaluation JSON needs an 'effects' list")
    return _effects_from(data["effects"], str(path))


def _effects_from(items: list, where: str) -> tuple[Effect, ...]:
    effects = []
    for k, item in enumerate(items):
        try:
            effect = Effect(
                outcome=str(item["outcome"]),
                rate_ratio=float(item["rate_ratio"]),
                ci_low=float(item["ci_low"]),
                ci_high=float(item["ci_high"]),
                level=float(item.get("level", 0.95)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScenarioError(
                f"{where}: effect {k + 1} needs outcome, rate_ratio, ci_low and ci_high ({exc})"
            ) from exc
        if not 0 < effect.ci_low <= effect.rate_ratio <= effect.ci_high:
            raise ScenarioError(
                f"{where}: effect {k + 1} ({effect.outcome}) needs 0 < ci_low ≤ rate_ratio ≤ ci_high"
            )
        effects.append(effect)
    return tuple(effects)


@dataclass(frozen=True)
class UnitCost:
    setting: str
    cost: float  # pounds per unit, at ``price_year`` prices
    unit: str
    price_year: str
    source: str
    status: str  # confirmed | secondary | assumption
    shares: dict[str, float]  # payer -> share of the cost


@dataclass(frozen=True)
class UnitCosts:
    costs: dict[str, UnitCost]
    price_year: str  # the price year results are given in
    index_name: str
    index: dict[str, float]  # price year -> index value
    path: str

    def uprated(self, setting: str) -> float:
        """Cost of one unit at ``price_year`` prices, uprated with the named index."""
        item = self.costs[setting]
        return item.cost * self.index[self.price_year] / self.index[item.price_year]

    def matrix(self) -> np.ndarray:
        """settings × payers: pounds per unit paid by each payer."""
        out = np.zeros((len(SETTING_IDS), len(PAYERS)))
        for i, setting in enumerate(SETTING_IDS):
            item = self.costs[setting]
            for j, payer in enumerate(PAYERS):
                out[i, j] = self.uprated(setting) * item.shares.get(payer, 0.0)
        return out


def load_unit_costs(path: str | Path | None = None) -> UnitCosts:
    """Unit costs with price year, source and payer split (default: population/data/unit_costs.toml,
    the one file the evaluation also reads; its ``[evaluation]`` items are not read here)."""
    if path is None:
        where, text = read_text()  # the one file, shared with the evaluation
    else:
        where, text = str(path), Path(path).read_text(encoding="utf-8")
    reader = _Reader(where, text)
    data = reader.data
    index = data.get("index", {})
    values = {str(k): float(v) for k, v in index.get("values", {}).items()}
    price_year = str(data.get("price_year", ""))
    if price_year not in values:
        raise reader.fail(f"price_year {price_year!r} has no index value", "index")
    costs = {}
    for setting in SETTING_IDS:
        table = f"costs.{setting}"
        body = data.get("costs", {}).get(setting)
        if body is None:
            raise reader.fail(f"no unit cost for {setting}", "costs")
        shares = {p: float(body.get(p, 0.0)) for p in PAYERS}
        if abs(sum(shares.values()) - 1) > 1e-6:
            raise reader.fail(f"payer shares of {setting} do not sum to 1", table)
        year = str(body.get("price_year", ""))
        if year not in values:
            raise reader.fail(f"price year {year!r} of {setting} has no index value", table)
        costs[setting] = UnitCost(
            setting=setting,
            cost=reader.number(table, "cost", body.get("cost")),
            unit=str(body.get("unit", "")),
            price_year=year,
            source=reader.source(table, body),
            status=str(body.get("status", "assumption")),
            shares=shares,
        )
    for setting in data.get("costs", {}):
        if setting not in SETTING_IDS:
            raise reader.fail(f"unknown setting {setting!r}", f"costs.{setting}")
    return UnitCosts(
        costs=costs,
        price_year=price_year,
        index_name=str(index.get("name", "")),
        index=values,
        path=where,
    )
