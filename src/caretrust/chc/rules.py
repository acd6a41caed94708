"""The NHS Continuing Healthcare rules as data and plain functions (no Django models): the
checklist threshold, the Decision Support Tool's domains, levels and recommendation, the 28-day
clock, the review dates and the funded nursing care rates.

Sources (pathways.md §3, source [C]: National Framework for NHS Continuing Healthcare and
NHS-funded Nursing Care, July 2022 revision; NHS CHC Checklist and Decision Support Tool, 2022;
Fast Track Pathway Tool, 2022). What pathways.md marks [unconfirmed] is flagged here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from caretrust import clock
from caretrust.careplans.review_schedule import add_months

# --- Checklist: 11 domains, each A, B or C (Checklist 2022) -----------------------------------
CHECKLIST_DOMAINS: dict[str, str] = {
    "breathing": "Breathing",
    "nutrition": "Nutrition",
    "continence": "Continence",
    "skin": "Skin integrity",
    "mobility": "Mobility",
    "communication": "Communication",
    "psychological": "Psychological and emotional needs",
    "cognition": "Cognition",
    "behaviour": "Behaviour",
    "drug_therapies": "Drug therapies and medication: symptom control",
    "altered_states": "Altered states of consciousness",
}
CHECKLIST_LEVELS = {"A": "A (highest need)", "B": "B", "C": "C (no or low need)"}

# The checklist domains whose DST domain has a Priority level (marked with an asterisk on the
# checklist). pathways.md §3 lists them and marks the list [unconfirmed].
PRIORITY_DOMAINS = frozenset({"behaviour", "breathing", "drug_therapies", "altered_states"})


@dataclass(frozen=True)
class ChecklistResult:
    positive: bool
    a_count: int
    b_count: int
    reason: str


def checklist_result(levels: dict[str, str]) -> ChecklistResult:
    """Positive (a full assessment is needed) if two or more A; five or more B; one A and four
    B; or an A in a domain with a DST Priority level (pathways.md §3; Checklist 2022 [C]).
    Every domain must be scored: an unscored domain is an error, never "C"."""
    missing = [name for key, name in CHECKLIST_DOMAINS.items() if levels.get(key) is None]
    if missing:
        raise ValueError("Score every checklist domain: " + ", ".join(missing))
    unknown = {k: v for k, v in levels.items() if k not in CHECKLIST_DOMAINS}
    wrong = {k: v for k, v in levels.items() if k in CHECKLIST_DOMAINS and v not in "ABC"}
    if unknown or wrong or any(len(v) != 1 for v in levels.values()):
        raise ValueError(f"Checklist levels are A, B or C per domain (got {levels!r})")
    a = sum(1 for v in levels.values() if v == "A")
    b = sum(1 for v in levels.values() if v == "B")
    priority_a = sorted(
        CHECKLIST_DOMAINS[k] for k, v in levels.items() if v == "A" and k in PRIORITY_DOMAINS
    )
    if a >= 2:
        return ChecklistResult(True, a, b, f"{a} domains at A (two or more)")
    if b >= 5:
        return ChecklistResult(True, a, b, f"{b} domains at B (five or more)")
    if a == 1 and b >= 4:
        return ChecklistResult(True, a, b, f"one A and {b} B (one A and four or more B)")
    if priority_a:
        return ChecklistResult(
            True, a, b, f"A in {priority_a[0]}, a domain with a DST Priority level"
        )
    return ChecklistResult(
        False, a, b, f"{a} A and {b} B: below the threshold for a full assessment"
    )


# --- Decision Support Tool: 12 domains, levels as the DST gives them ---------------------------
LEVELS = ["no", "low", "moderate", "high", "severe", "priority"]
LEVEL_NAMES = {
    "no": "No needs",
    "low": "Low",
    "moderate": "Moderate",
    "high": "High",
    "severe": "Severe",
    "priority": "Priority",
}
# Not every level exists in every domain (DST 2022 [C]; pathways.md §3: "not all in every
# domain"; Priority only in behaviour, breathing, drug therapies, altered states [unconfirmed]).
DST_DOMAINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "breathing": ("Breathing", ("no", "low", "moderate", "high", "severe", "priority")),
    "nutrition": ("Nutrition", ("no", "low", "moderate", "high", "severe")),
    "continence": ("Continence", ("no", "low", "moderate", "high")),
    "skin": ("Skin integrity", ("no", "low", "moderate", "high", "severe")),
    "mobility": ("Mobility", ("no", "low", "moderate", "high", "severe")),
    "communication": ("Communication", ("no", "low", "moderate", "high")),
    "psychological": ("Psychological and emotional needs", ("no", "low", "moderate", "high")),
    "cognition": ("Cognition", ("no", "low", "moderate", "high", "severe")),
    "behaviour": ("Behaviour", ("no", "low", "moderate", "high", "severe", "priority")),
    "drug_therapies": (
        "Drug therapies and medication: symptom control",
        ("no", "low", "moderate", "high", "severe", "priority"),
    ),
    "altered_states": (
        "Altered states of consciousness",
        ("no", "low", "moderate", "high", "priority"),
    ),
    "other": ("Other significant care needs", ("no", "low", "moderate", "high", "severe")),
}

EXPECTED, POSSIBLE, NOT_INDICATED = "expected", "possible", "not_indicated"
RECOMMENDATIONS = {
    EXPECTED: "Eligibility expected: a Priority need, or two or more Severe needs",
    POSSIBLE: "Eligibility possible: the MDT weighs nature, intensity, complexity and "
    "unpredictability",
    NOT_INDICATED: "Eligibility not indicated by the levels alone",
}


@dataclass(frozen=True)
class DstResult:
    recommendation: str
    priority: int
    severe: int
    high: int
    moderate: int
    reason: str


def dst_result(levels: dict[str, str]) -> DstResult:
    """The DST's indication from the twelve domain levels (pathways.md §3; DST 2022 [C]):
    one Priority or two or more Severe → eligibility expected. One Severe with needs in other
    domains, or a number of High or Moderate needs → possible: the MDT decides on nature,
    intensity, complexity and unpredictability. What counts is not given in numbers: here one
    Severe with at least one High or Moderate; two or more High; one High and two Moderate; or
    three or more Moderate [unconfirmed, local]. The levels never decide: the MDT recommends and
    the ICB decides."""
    missing = [name for key, (name, _) in DST_DOMAINS.items() if not levels.get(key)]
    if missing:
        raise ValueError("Record a level in every DST domain: " + ", ".join(missing))
    for key, level in levels.items():
        if key not in DST_DOMAINS:
            raise ValueError(f"Unknown DST domain {key!r}")
        name, allowed = DST_DOMAINS[key]
        if level not in allowed:
            raise ValueError(f"{name} has no {LEVEL_NAMES.get(level, level)!r} level")
    count = {lvl: sum(1 for v in levels.values() if v == lvl) for lvl in LEVELS}
    p, s, h, m = count["priority"], count["severe"], count["high"], count["moderate"]
    if p >= 1:
        return DstResult(EXPECTED, p, s, h, m, f"{p} Priority")
    if s >= 2:
        return DstResult(EXPECTED, p, s, h, m, f"{s} Severe (two or more)")
    if s == 1 and h + m >= 1:
        return DstResult(POSSIBLE, p, s, h, m, "one Severe with needs in other domains")
    if h >= 2 or (h == 1 and m >= 2) or m >= 3:
        return DstResult(POSSIBLE, p, s, h, m, f"{h} High and {m} Moderate")
    return DstResult(NOT_INDICATED, p, s, h, m, f"{s} Severe, {h} High, {m} Moderate")


# --- The 28-day clock (National Framework para 93 [C]; pathways.md §3) -------------------------
CLOCK_DAYS = 28


@dataclass(frozen=True)
class ClockState:
    started_on: date
    days: int
    due_by: date
    breached: bool
    stopped: bool


def clock_state(received, decided_on: date | None, today: date) -> ClockState:
    """Calendar days in Europe/London from the ICB's receipt of a positive checklist (or a
    fast-track referral) to the decision, or to today while it is open. Breached past 28."""
    started = clock.local_date(received) if hasattr(received, "tzinfo") else received
    end = decided_on or today
    days = clock.calendar_days_between(started, end)
    return ClockState(
        started_on=started,
        days=days,
        due_by=clock.add_calendar_days(started, CLOCK_DAYS),
        breached=days > CLOCK_DAYS,
        stopped=decided_on is not None,
    )


# --- Reviews: three months after the decision, then at least yearly [C] -----------------------
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 12


def first_review_due(decided_on: date) -> date:
    return add_months(decided_on, FIRST_REVIEW_MONTHS)


def next_review_due(reviewed_on: date) -> date:
    return add_months(reviewed_on, LATER_REVIEW_MONTHS)


# --- NHS-funded nursing care: weekly rates as data, by effective date --------------------------
@dataclass(frozen=True)
class FncRate:
    effective_from: date
    standard: Decimal
    higher: Decimal
    source: str


# charging.md "Figures" (C = confirmed at the primary source; C2 = secondary source, verify).
FNC_RATES = [
    FncRate(
        date(2024, 4, 1),
        Decimal("235.88"),
        Decimal("324.50"),
        "DHSC, NHS-funded nursing care rate 2024 to 2025 (charging.md, C)",
    ),
    FncRate(
        date(2025, 4, 1),
        Decimal("254.06"),
        Decimal("349.50"),
        "DHSC, NHS-funded nursing care rate 2025 to 2026 (charging.md, C)",
    ),
    FncRate(
        date(2026, 4, 1),
        Decimal("267.68"),
        Decimal("368.24"),
        "NHS-funded nursing care rate 2026 to 2027 (charging.md, C2: secondary source, verify)",
    ),
]
FNC_BANDS = {
    "standard": "Standard rate",
    # The higher rate is only for those who were on the former high band before 2007.
    "higher": "Higher rate (protected, former high band)",
}


def fnc_rate(on: date, band: str = "standard") -> tuple[Decimal, str]:
    """The weekly FNC rate on a date and where it comes from; refused before the first known."""
    if band not in FNC_BANDS:
        raise ValueError(f"Unknown FNC band {band!r}")
    known = [rate for rate in FNC_RATES if rate.effective_from <= on]
    if not known:
        raise ValueError(f"No NHS-funded nursing care rate is recorded for {on:%d %B %Y}")
    rate = known[-1]
    return (rate.standard if band == "standard" else rate.higher), rate.source
