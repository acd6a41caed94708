"""Rule sets (national figures) loaded from TOML, and figure resolution by date.

A rule set covers one nation and one financial year. Each figure has its own effective date
(MIG and PEA change in the benefit-uprating week, NHS-funded nursing care on 1 April), so a figure
for a date is taken from the newest rule set whose entry for it has taken effect by then.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from caretrust.funding.charging.errors import ChargingInputError, FigureUnavailableError

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
CONFIDENCE_MARKS = ("C", "C2", "D", "U")
RULE_SET_GLOB = "*-[0-9][0-9][0-9][0-9]-[0-9][0-9].toml"  # e.g. england-2025-26.toml
NATIONS = ("england", "wales", "scotland", "northern_ireland")


@dataclass(frozen=True)
class Figure:
    """One national figure with its provenance. `value` is None when the figure is unknown (U)."""

    name: str
    value: Decimal | None
    confidence: str
    rule: str
    source: str
    effective_from: date
    rule_set: str
    note: str = ""

    @property
    def confirmed(self) -> bool:
        return self.confidence == "C"


@dataclass(frozen=True)
class RuleSet:
    name: str
    nation: str
    financial_year: str
    effective_from: date
    effective_to: date
    figures: Mapping[str, Figure]

    def covers(self, on: date) -> bool:
        return self.effective_from <= on <= self.effective_to


def _figure(rule_set: str, start: date, name: str, raw: Mapping[str, object]) -> Figure:
    confidence = str(raw.get("confidence", ""))
    if confidence not in CONFIDENCE_MARKS:
        raise ValueError(f"{rule_set}: figure {name} has confidence {confidence!r}")
    value = raw.get("value")
    if (value is None) != (confidence == "U"):
        raise ValueError(f"{rule_set}: figure {name} must have a value unless (and only if) U")
    try:
        amount = None if value is None else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{rule_set}: figure {name} value {value!r} is not a number") from exc
    effective = raw.get("effective_from", start)
    if not isinstance(effective, date):
        raise ValueError(f"{rule_set}: figure {name} effective_from must be a date")
    return Figure(
        name=name,
        value=amount,
        confidence=confidence,
        rule=str(raw.get("rule", "")),
        source=str(raw.get("source", "")),
        effective_from=effective,
        rule_set=rule_set,
        note=str(raw.get("note", "")),
    )


def load_rule_set(path: Path) -> RuleSet:
    """Read one rule-set TOML file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    head = data["rule_set"]
    name, start = str(head["name"]), head["effective_from"]
    figures = {n: _figure(name, start, n, raw) for n, raw in data.get("figures", {}).items()}
    return RuleSet(
        name=name,
        nation=str(head["nation"]),
        financial_year=str(head["financial_year"]),
        effective_from=start,
        effective_to=head["effective_to"],
        figures=figures,
    )


class RuleBook:
    """All rule sets, searchable by nation and date."""

    def __init__(self, rule_sets: Iterable[RuleSet]) -> None:
        by_nation: dict[str, list[RuleSet]] = {}
        for rule_set in rule_sets:
            by_nation.setdefault(rule_set.nation, []).append(rule_set)
        # Newest first, so the first match is the one in force.
        self._by_nation = {
            n: sorted(sets, key=lambda s: s.effective_from, reverse=True)
            for n, sets in by_nation.items()
        }

    @classmethod
    def from_directory(cls, directory: Path = RULES_DIR) -> RuleBook:
        files = sorted(directory.glob(RULE_SET_GLOB))
        return cls(load_rule_set(p) for p in files)

    @property
    def nations(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_nation))

    def rule_set_for(self, nation: str, on: date) -> RuleSet:
        """The rule set in force for `nation` on `on`; an input error if there is none."""
        if nation not in NATIONS:
            raise ChargingInputError("nation", f"unknown nation {nation!r}; use one of {NATIONS}")
        sets = self._by_nation.get(nation)
        if not sets:
            raise ChargingInputError("nation", f"no charging rule sets are loaded for {nation}")
        for rule_set in sets:
            if rule_set.covers(on):
                return rule_set
        known = ", ".join(f"{s.effective_from}..{s.effective_to}" for s in reversed(sets))
        raise ChargingInputError(
            "date", f"no {nation} rule set is in force on {on.isoformat()} (known: {known})"
        )

    def figure(self, nation: str, name: str, on: date) -> Figure | None:
        """The entry for figure `name` in force on `on`, or None if no rule set defines it.

        An entry marked U is returned as is (value None): an unknown figure is never replaced by an
        older value. A figure defined only in rule sets not yet in force is also unknown.
        """
        sets = self._by_nation.get(nation, [])
        for rule_set in sets:
            entry = rule_set.figures.get(name)
            if rule_set.effective_from <= on and entry and entry.effective_from <= on:
                return entry
        if any(name in rule_set.figures for rule_set in sets):
            return Figure(name, None, "U", "", "no entry in force on this date", on, "")
        return None


@cache
def default_rule_book() -> RuleBook:
    """The rule sets shipped in `caretrust/funding/rules/`."""
    return RuleBook.from_directory()


@dataclass
class Figures:
    """Figures for one assessment: resolves by nation and date and remembers which were used."""

    book: RuleBook
    nation: str
    on: date
    overrides: Mapping[str, Decimal] = field(default_factory=dict)
    used: dict[str, Figure] = field(default_factory=dict)

    def require(self, name: str) -> Figure:
        """The figure; FigureUnavailableError if it is unknown or not defined for the nation."""
        figure = self.optional(name)
        if figure is None:
            raise FigureUnavailableError(name, self.nation, self.on)
        return figure

    def optional(self, name: str) -> Figure | None:
        """The figure, or None if no rule set of the nation defines it (the rule does not apply).

        A figure defined but unknown (U) on the date raises FigureUnavailableError: never guess.
        """
        if name in self.overrides:
            figure: Figure | None = Figure(
                name=name,
                value=self.overrides[name],
                confidence="U",
                rule="supplied by the caller",
                source="figure_overrides in the assessment input",
                effective_from=self.on,
                rule_set="figure_overrides",
            )
        else:
            figure = self.book.figure(self.nation, name, self.on)
        if figure is None:
            return None
        if figure.value is None:
            raise FigureUnavailableError(name, self.nation, self.on)
        self.used[name] = figure
        return figure

    def unconfirmed(self) -> list[Figure]:
        return [f for f in self.used.values() if not f.confirmed]
