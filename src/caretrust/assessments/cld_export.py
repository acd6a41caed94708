"""`caretrust export cld`: the statutory quarterly Adult Social Care Client Level Data return
(DHSC, Release 2) from the record (ADR 87).

Rows come from `caretrust.assessments.cld_events` (every registered source: requests,
assessments, services, reviews, carers, imported council events, and whatever the pathway areas
add later), completed with the person fields by DHSC's person key rules, put into the
specification's spelling, and checked against its field rules (`data/cld_fields.toml`: required
fields, formats, value sets) and DHSC's unique-event rule BEFORE anything is written. One failing
row stops the return: every problem is named by row and field, and no file is written.

The return is a statutory duty, not a secondary use: the National Data Opt-out does not apply to
it (records.md; NHS England's opt-out policy exempts data the law requires to be shared).
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from caretrust.assessments import cld_events
from caretrust.people import nhs_number

RULES_FILE = "data/cld_fields.toml"


def _squash(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", value.lower())


@dataclass(frozen=True)
class ValueSet:
    name: str
    values: tuple[str, ...]
    from_specification: bool
    lookup: dict[str, str]  # squashed spelling → the value written

    def canonical(self, value: str) -> str | None:
        return self.lookup.get(_squash(value))


@dataclass(frozen=True)
class FieldRule:
    name: str
    format: str
    required: frozenset[str] | None  # Event_Types needing it; None: optional; ALWAYS: all
    values: ValueSet | None = None
    max_length: int | None = None


ALWAYS = frozenset({"*"})


def load_rules() -> tuple[list[FieldRule], dict[str, ValueSet]]:
    text = resources.files("caretrust.assessments").joinpath(RULES_FILE).read_text()
    data = tomllib.loads(text)
    sets: dict[str, ValueSet] = {}
    for name, spec in data["values"].items():
        lookup = {_squash(v): v for v in spec["values"]}
        lookup.update({_squash(k): v for k, v in spec.get("aliases", {}).items()})
        sets[name] = ValueSet(name, tuple(spec["values"]), spec["spec"], lookup)
    rules = []
    for item in data["field"]:
        required = item.get("required")
        rules.append(
            FieldRule(
                name=item["name"],
                format=item["format"],
                required=ALWAYS
                if required == "always"
                else frozenset(required)
                if required
                else None,
                values=sets[item["values"]] if "values" in item else None,
                max_length=item.get("max_length"),
            )
        )
    return rules, sets


RULES, VALUE_SETS = load_rules()
COLUMNS = [rule.name for rule in RULES]
GENDER = {"male": "1", "female": "2"}  # anything else: X, not known


@dataclass(frozen=True)
class Problem:
    row: int  # 1-based, in the order the rows are written (the header is row 0)
    event: str  # Event_Type and Event_Reference, to find it in the record
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row} ({self.event}): {self.field}: {self.reason}"


@dataclass
class ExportResult:
    rows: int = 0
    by_event_type: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    path: Path | None = None
    la_code: str = ""
    left_out_died_before: int = 0  # cropped to a date of death before the period


class InvalidReturn(Exception):
    def __init__(self, result: ExportResult) -> None:
        self.result = result
        shown = "; ".join(str(p) for p in result.problems[:5])
        more = len(result.problems) - 5
        super().__init__(
            f"{len(result.problems)} problem(s) in the CLD return, nothing written: {shown}"
            + (f"; … and {more} more" if more > 0 else "")
        )


def _people(person_ids: set[int]) -> dict[int, dict[str, str]]:
    """person id → the person fields the index holds (batched: the same queries for 10 or 10⁵)."""
    from caretrust.people.models import Person

    facts: dict[int, dict[str, str]] = {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), cld_events.BATCH):
        rows = Person.objects.filter(pk__in=ids[start : start + cld_events.BATCH]).values_list(
            "pk", "birth_date", "death_date", "sex", "postcode", "gp_practice__code"
        )
        for pk, birth, death, sex, postcode, practice in rows:
            facts[pk] = {
                "Date_of_Birth": birth.isoformat() if birth else "",
                "Date_of_Death": death.isoformat() if death else "",
                "Gender": GENDER.get(sex, "X"),
                "Postcode": (postcode or "").upper(),
                "GP_Practice_Code": practice or "",
            }
    return facts


def _decimal_text(value: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value  # left as it is: the field rule names it
    return f"{number:.2f}" if number.is_finite() else value


def normalise(row: dict[str, str]) -> dict[str, str]:
    """The specification's spelling: value-set members as it writes them (case, punctuation and
    known aliases ignored), decimals to two places, dates cropped to a death as DHSC does."""
    for rule in RULES:
        value = (row.get(rule.name) or "").strip()
        if value and rule.values is not None:
            value = rule.values.canonical(value) or value
        elif value and rule.format == "decimal":
            value = _decimal_text(value)
        row[rule.name] = value
    death, end = row["Date_of_Death"], row["Event_End_Date"]
    started = row["Event_Start_Date"]
    if death and started and started <= death and (not end or end > death):
        row["Event_End_Date"] = death  # DHSC: end dates cropped to the date of death
        if not end:
            row["Event_Outcome"] = "NFA: Deceased"  # an open service that ended with a death
    return row


def _date(value: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def field_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    """(field, reason) for every field rule this row breaks."""
    problems: list[tuple[str, str]] = []
    event_type = row.get("Event_Type", "")
    for rule in RULES:
        value = row.get(rule.name, "")
        if not value:
            if rule.required is ALWAYS or (rule.required and event_type in rule.required):
                why = "" if rule.required is ALWAYS else f" for a {event_type}"
                problems.append((rule.name, f"missing: required{why}"))
            continue
        if rule.max_length and len(value) > rule.max_length:
            problems.append((rule.name, f"{len(value)} characters, longer than {rule.max_length}"))
        if rule.format == "date" and _date(value) is None:
            problems.append((rule.name, f"{value[:40]!r} is not a date (YYYY-MM-DD)"))
        elif rule.format == "nhs_number" and not (
            re.fullmatch(r"\d{10}", value) and nhs_number.is_valid(value)
        ):
            problems.append((rule.name, f"{value[:40]!r} is not a valid NHS number"))
        elif rule.format == "decimal" and not re.fullmatch(r"\d{1,10}\.\d{2}", value):
            problems.append((rule.name, f"{value[:40]!r} is not an amount like 12.50"))
        elif rule.format == "integer" and not re.fullmatch(r"\d{1,6}", value):
            problems.append((rule.name, f"{value[:40]!r} is not a whole number"))
        elif rule.values is not None and value not in rule.values.values:
            allowed = ", ".join(rule.values.values[:6])
            more = "…" if len(rule.values.values) > 6 else ""
            problems.append((rule.name, f"{value[:60]!r} is not one of: {allowed}{more}"))
    start, end = _date(row.get("Event_Start_Date", "")), _date(row.get("Event_End_Date", ""))
    period = (
        _date(row.get("Reporting_Period_Start_Date", "")),
        _date(row.get("Reporting_Period_End_Date", "")),
    )
    if event_type == "Service" and end and not row.get("Event_Outcome"):
        problems.append(("Event_Outcome", "missing: required for a Service that ended"))
    if start and end and end < start:
        problems.append(("Event_End_Date", "is before Event_Start_Date"))
    if all(period) and start and start > period[1]:  # type: ignore[operator]
        problems.append(("Event_Start_Date", "is after the reporting period"))
    if all(period) and event_type != "Service" and end and not period[0] <= end <= period[1]:  # type: ignore[operator]
        problems.append(("Event_End_Date", "a concluded event is reported in the period it ended"))
    if not row.get("NHS_Number") and not row.get("LA_Person_Unique_Identifier"):
        problems.append(("LA_Person_Unique_Identifier", "no NHS number and no LA person id"))
    return problems


def event_key(row: dict[str, str]) -> tuple[str, ...]:
    """DHSC's unique event: LA, start, end (not for services), client type, person, event type,
    route of access, assessment type, service type and component (records.md)."""
    service = row["Event_Type"] == "Service"
    return (
        row["LA_Code"],
        row["Event_Start_Date"],
        "" if service else row["Event_End_Date"],
        (_squash(row["Client_Type"]).startswith("carer") and "carer") or "service_user",
        row["NHS_Number"] or f"la:{row['LA_Person_Unique_Identifier']}",
        row["Event_Type"],
        row["Request_Route_of_Access"],
        row["Assessment_Type"],
        row["Service_Type"],
        row["Service_Component"],
    )


def build_rows(
    la_code: str,
    period_start: date,
    period_end: date,
    ended_before: list[dict[str, str]] | None = None,
) -> list[dict[str, str]]:
    """Every registered source's events in the period as CLD rows (in the specification's
    spelling), sorted the way they are written. Events that, cropped to the person's date of
    death, ended before the period are left out (and added to `ended_before`)."""
    ended_before = [] if ended_before is None else ended_before
    events = list(cld_events.cld_events(None, period_start, period_end))
    people = _people({e.person_id for e in events if e.about_indexed_person})
    rows, before = [], period_start.isoformat()
    for event in events:
        row = dict.fromkeys(COLUMNS, "")
        if event.about_indexed_person:
            held = people.get(event.person_id, {})
            for name in cld_events.PERSON_FIELDS:
                row[name] = held.get(name) or event.person_fallback.get(name, "")
        row.update({k: v for k, v in event.fields.items() if k in row and v})
        row["LA_Code"] = la_code
        row = normalise(row)
        if row["Event_End_Date"] and row["Event_End_Date"] < before:
            # Cropped to a death before the period: the event belonged to an earlier return.
            ended_before.append(row)
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r["Event_Type"], r["Event_Reference"], r["Event_Start_Date"]))
    return rows


def validate(rows: list[dict[str, str]]) -> list[Problem]:
    problems: list[Problem] = []
    first_seen: dict[tuple[str, ...], int] = {}
    for number, row in enumerate(rows, start=1):
        label = f"{row.get('Event_Type') or 'event'} {row.get('Event_Reference') or '?'}"
        problems.extend(Problem(number, label, f, reason) for f, reason in field_problems(row))
        key = event_key(row)
        if key in first_seen:
            problems.append(
                Problem(
                    number,
                    label,
                    "Event_Reference",
                    f"the same event as row {first_seen[key]} by DHSC's unique-event rule",
                )
            )
        else:
            first_seen[key] = number
    return problems


def default_la_code() -> str:
    """CARETRUST_LA_CODE, else the one council whose CLD files the record holds."""
    from django.conf import settings

    from caretrust.record.models import SocialCareEvent

    configured = getattr(settings, "CARETRUST_LA_CODE", "") or os.environ.get("CARETRUST_LA_CODE")
    if configured:
        return configured
    codes = list(SocialCareEvent.objects.values_list("la_code", flat=True).distinct()[:2])
    return codes[0] if len(codes) == 1 else ""


def export_cld(
    period_start: date, period_end: date, *, output: Path | None = None, la_code: str = ""
) -> ExportResult:
    """Build, validate and (only when every row is valid) write the return. Raises
    InvalidReturn naming each failing row and field; the file is written whole or not at all."""
    if period_end < period_start:
        raise ValueError("--to is before --from")
    la_code = la_code or default_la_code()
    if not la_code:
        raise ValueError(
            "No LA code: give --la-code (the council's ONS code, e.g. E06000027) or set "
            "CARETRUST_LA_CODE"
        )
    ended_before: list[dict[str, str]] = []
    rows = build_rows(la_code, period_start, period_end, ended_before)
    result = ExportResult(
        rows=len(rows),
        by_event_type=dict(sorted(Counter(r["Event_Type"] for r in rows).items())),
        la_code=la_code,
        left_out_died_before=len(ended_before),
    )
    result.problems = validate(rows)
    if result.problems:
        raise InvalidReturn(result)
    path = output or Path(f"CLD_{la_code}_{period_start:%Y%m%d}_{period_end:%Y%m%d}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, path)  # whole or not at all
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    result.path = path
    return result
