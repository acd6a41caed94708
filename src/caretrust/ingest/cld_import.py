"""`caretrust import cld`: Adult Social Care Client Level Data (DHSC) CSV into the shared record.

DHSC's rules (records.md) are applied as the rows stream past:
- person key = NHS number (traced, else supplied, when valid), else LA code + LA person id; a row
  with neither is rejected with a reason;
- a unique event = LA, start, end (not for services), client type, person, event type and the
  route of access / assessment type / service type and component; the same event in a later
  quarter updates the one held;
- end dates are cropped to the date of death; cancelled events are excluded;
- open services missing from the next period are closed at the end of the period they were last
  reported in.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import reset_queries
from django.db.models import F

from caretrust import bulk
from caretrust.dates import parse_date
from caretrust.ingest import limits, readers
from caretrust.ingest.atomic import import_atomically
from caretrust.ingest.report import FileResult, Problem, RejectsWriter
from caretrust.people import nhs_number
from caretrust.people import services as people_services
from caretrust.people.fhir_patient import Demographics
from caretrust.people.models import Person, PersonIdentifier
from caretrust.people.normalise import SEX_CODES
from caretrust.record.models import Sector, SocialCareEvent, TimelineEvent

BATCH_SIZE = 1000
EVENT_TYPES = {"request", "assessment", "service", "review"}
SERVICE_TYPES = {
    "long term support: nursing care": "long_term_nursing",
    "long term support: residential care": "long_term_residential",
    "long term support: community": "long_term_community",
    "long term support: prison": "long_term_prison",
    "short term support: st-max": "short_term_st_max",
    "short term support: ongoing low level": "short_term_ongoing_low_level",
    "short term support: other short term": "short_term_other",
    "unpaid carer support: direct to unpaid carer": "carer_support",
    "unpaid carer support: support involving the person cared-for": "carer_support",
}
ROUTES = {"self-funder": "self_funder_diversion"}
DELIVERY = {
    "cassr managed personal budget": "council_managed",
    "direct payment": "cash_direct_payment",
}
REQUIRED = ("LA_Code", "Event_Type", "Event_Start_Date")
# Kept elsewhere (the submission, the person key, the person's name on the person) rather than in
# the event's `cld_fields`, the row as submitted that `caretrust export cld` writes back (ADR 87).
NOT_KEPT_WITH_EVENT = frozenset(
    {
        "LA_Code",
        "Reporting_Period_Start_Date",
        "Reporting_Period_End_Date",
        "LA_Person_Unique_Identifier",
        "NHS_Number",
        "Traced_NHS_Number",
        "First_Name",
        "Last_Name",
    }
)


def snake(value: str) -> str:
    """'Progress to reablement/ST-Max' → 'progress_to_reablement_st_max'."""
    return re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")


def _decimal(value: str, whole_digits: int = 10) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value[:40]!r} is not a number") from None
    # The columns hold `whole_digits` digits before the point (and 2 after).
    if not number.is_finite() or abs(number) >= Decimal(10) ** whole_digits:
        raise ValueError(f"{value[:40]!r} is not a number we can hold")
    return number


def _yes_no(value: str) -> bool | None:
    value = (value or "").strip().lower()
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    return None


class _Row:
    """A checked CLD row: the event's fields and the person it is about."""

    def __init__(self, number: int, raw: dict[str, str]) -> None:
        self.number = number
        self.raw = raw
        self.fields: dict = {}
        self.person_key = ""
        self.demographics = Demographics()
        self.la_person_id = ""
        self.event_key = ""
        self.reporting_period_start: date | None = None
        self.warnings: list[tuple[str, str]] = []  # (column, reason): kept, but reported


def check_row(number: int, raw: dict[str, str]) -> tuple[_Row | None, list[tuple[str, str]]]:
    """(row, []) when valid; (None, [(column, reason)…]) otherwise; (None, []) when excluded."""
    problems: list[tuple[str, str]] = []
    for column, value in raw.items():
        if column is None:
            problems.append(("", f"{len(value)} more fields than the header names"))
        elif isinstance(value, str):
            problems.extend((column, reason) for reason in limits.string_problems(value))
    if problems:
        return None, problems
    get = lambda name: (raw.get(name) or "").strip()  # noqa: E731
    for column in REQUIRED:
        if not get(column):
            problems.append((column, "missing"))
    dates: dict[str, date | None] = {}
    for column in (
        "Event_Start_Date",
        "Event_End_Date",
        "Date_of_Birth",
        "Date_of_Death",
        "Reporting_Period_Start_Date",
        "Reporting_Period_End_Date",
    ):
        try:
            dates[column] = parse_date(get(column))
        except ValueError as exc:
            problems.append((column, str(exc)))
    event_type = get("Event_Type").lower()
    if event_type and event_type not in EVENT_TYPES:
        problems.append(
            ("Event_Type", f"{get('Event_Type')!r} is not Request, Assessment, Service or Review")
        )
    supplied = nhs_number.normalise(get("NHS_Number"))
    traced = nhs_number.normalise(get("Traced_NHS_Number"))
    number_used = next((n for n in (traced, supplied) if n and nhs_number.is_valid(n)), "")
    la_code, la_person = get("LA_Code"), get("LA_Person_Unique_Identifier")
    for column, value, longest in (
        ("LA_Code", la_code, 20),
        ("LA_Person_Unique_Identifier", la_person, 80),
        ("GP_Practice_Code", get("GP_Practice_Code"), 20),
    ):
        if len(value) > longest:
            problems.append((column, f"{len(value)} characters: longer than {longest}"))
    if not number_used and not la_person:
        problems.append(
            ("LA_Person_Unique_Identifier", "no valid NHS number and no LA person id: row dropped")
        )
    for column, value in dates.items():
        if value is None:
            continue
        if column == "Date_of_Birth":
            reason = limits.birth_date_problem(value)
        else:  # an end or a reporting period may be ahead; what started or ended a life may not
            ahead = column in ("Event_End_Date", "Reporting_Period_End_Date")
            ahead = ahead or column == "Reporting_Period_Start_Date"
            reason = limits.event_date_problem(value, future=ahead)
        if reason:
            problems.append((column, reason))
    start, end = dates.get("Event_Start_Date"), dates.get("Event_End_Date")
    if start and end and end < start:
        problems.append(("Event_End_Date", "is before Event_Start_Date"))
    if event_type and event_type != "service" and start and not end:
        problems.append(("Event_End_Date", "missing: only services may be open-ended"))
    unit_cost = planned = None
    try:
        unit_cost = _decimal(get("Unit_Cost"))
    except ValueError as exc:
        problems.append(("Unit_Cost", str(exc)))
    try:
        planned = _decimal(get("Planned_units_per_week"), whole_digits=6)
    except ValueError as exc:
        problems.append(("Planned_units_per_week", str(exc)))
    if problems:
        return None, problems
    outcome = get("Event_Outcome")
    if "cancel" in outcome.lower():
        return None, []  # DHSC: cancelled events are excluded
    row = _Row(number, raw)
    death = dates.get("Date_of_Death")
    if death and (end is None or end > death) and start and start <= death:
        end = death  # DHSC: end dates cropped to the date of death
    client_type = "carer" if get("Client_Type").lower().startswith("carer") else "service_user"
    route = get("Request_Route_of_Access")
    service_type_label = get("Service_Type")
    row.fields = {
        "la_code": la_code,
        "event_reference": get("Event_Reference")[:100],
        "event_type": event_type,
        "client_type": client_type,
        "start_date": start,
        "end_date": end,
        "event_outcome": snake(outcome)[:80],
        "request_route_of_access": ROUTES.get(route.lower(), snake(route))[:80],
        "assessment_type": snake(get("Assessment_Type"))[:30],
        "eligible_needs_identified": _yes_no(get("Eligible_Needs_Identified")),
        "service_type": SERVICE_TYPES.get(service_type_label.lower(), snake(service_type_label))[
            :40
        ],
        "service_component": snake(get("Service_Component"))[:60],
        "delivery_mechanism": DELIVERY.get(
            get("Delivery_Mechanism").lower(), snake(get("Delivery_Mechanism"))
        )[:60],
        "unit_cost": unit_cost,
        "cost_frequency_unit_type": snake(get("Cost_Frequency_Unit_Type"))[:30],
        "planned_units_per_week": planned,
        "review_reason": snake(get("Review_Reason"))[:80],
        "reporting_period_end": dates.get("Reporting_Period_End_Date"),
        "cld_fields": {
            column: value.strip()
            for column, value in raw.items()
            if column
            and column not in NOT_KEPT_WITH_EVENT
            and isinstance(value, str)
            and value.strip()
        },
    }
    row.reporting_period_start = dates.get("Reporting_Period_Start_Date")
    row.person_key = f"nhs:{number_used}" if number_used else f"la:{la_code}:{la_person}"
    row.la_person_id = la_person
    row.demographics = Demographics(
        given_name=get("First_Name")[:100],
        family_name=get("Last_Name")[:100],
        birth_date=dates.get("Date_of_Birth"),
        death_date=death,
        sex=SEX_CODES.get(get("Gender").lower(), "unknown"),
        postcode=get("Postcode").upper()[:10],
        nhs_number=number_used,
        nhs_verification="01" if traced and traced == number_used else "",
        gp_practice_code=get("GP_Practice_Code"),
    )
    for column, value in (("NHS_Number", supplied), ("Traced_NHS_Number", traced)):
        if value and not nhs_number.is_valid(value):
            # Kept on the person as sent, flagged, never matched on; said in the report.
            row.demographics.identifiers.append((nhs_number.SYSTEM, value[:100]))
            row.warnings.append(
                (column, f"{value!r} is not a valid NHS number: kept, flagged, not used to match")
            )
    key_parts = [
        la_code,
        start.isoformat(),
        "" if event_type == "service" or end is None else end.isoformat(),
        client_type,
        row.person_key,
        event_type,
        row.fields["request_route_of_access"],
        row.fields["assessment_type"],
        row.fields["service_type"],
        row.fields["service_component"],
    ]
    row.event_key = hashlib.sha256("|".join(key_parts).encode()).hexdigest()
    return row, []


def la_person_system(la_code: str) -> str:
    return f"urn:caretrust:cld:{la_code}:person"


def _summary(fields: dict) -> str:
    kind = fields["event_type"].capitalize()
    detail = (
        fields["service_component"]
        or fields["service_type"]
        or fields["assessment_type"]
        or fields["request_route_of_access"]
        or fields["review_reason"]
    ).replace("_", " ")
    outcome = fields["event_outcome"].replace("_", " ")
    text = f"{kind}: {detail}" if detail else kind
    return f"{text} ({outcome})" if outcome else text


# csv's own limit (128 KiB) would end the file at the first long field; ours is checked per field.
csv.field_size_limit(limits.MAX_FIELD_CHARS)


class _Lines:
    """A CSV file's lines as text for csv: UTF-8 (a byte order mark dropped), bytes that are not
    UTF-8 kept as surrogates so check_row names the field that holds them; lines longer than the
    record limit are never held whole, and are remembered by number to be refused."""

    def __init__(self, lines) -> None:
        self._lines = lines
        self.too_long: set[int] = set()
        self.number = 0  # the last line given to csv: where a row (or csv's error) ends

    def __iter__(self):
        return self

    def __next__(self) -> str:
        number, raw = next(self._lines)
        self.number = number
        if limits.too_long(raw):
            self.too_long.add(number)
            return "\x00\n"  # a row csv will not skip as blank; refused by its number
        return raw.decode("utf-8", "surrogateescape")


class CldImporter:
    def __init__(
        self,
        *,
        skip_invalid: bool = False,
        rejects: RejectsWriter | None = None,
        batch_size: int = BATCH_SIZE,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.skip_invalid = skip_invalid
        self.rejects = rejects or RejectsWriter(None)
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda n: None)

    def import_file(self, path: Path) -> FileResult:
        result = FileResult(file=str(path))
        self._growth = bulk.Growth(SocialCareEvent, Person, PersonIdentifier)
        return import_atomically(
            path,
            result,
            label="import cld",
            skip_invalid=self.skip_invalid,
            read=lambda: self._run(path, result),
            before_commit=self._close_missing_services,
        )

    def _run(self, path: Path, result: FileResult) -> dict[str, date]:
        periods: dict[str, date] = {}  # LA → latest reporting period start seen
        batch: list[_Row] = []
        seen: dict[int, int] = {}  # event key (8 bytes of it) → the line it was first on
        problem = readers.file_problem(path)
        if problem:
            self._refuse(result, path, "file", "", problem, None)
            return periods
        with path.open("rb") as handle:
            lines = _Lines(limits.bounded_lines(handle))
            reader = csv.DictReader(lines)
            try:
                fieldnames = reader.fieldnames or []
            except csv.Error as exc:
                fieldnames = []
                self._refuse(result, path, "line 1", "", f"not a CSV header ({exc})", None)
                return periods
            for column in fieldnames:  # names are kept with the event (cld_fields), so checked too
                for reason in limits.string_problems(column):
                    shown = column.encode("utf-8", "backslashreplace").decode("utf-8")
                    result.problems.append(
                        Problem(path.name, "line 1", shown, f"the column name: {reason}")
                    )
            if result.problems:
                return periods
            missing = [c for c in REQUIRED if c not in fieldnames]
            if missing:
                result.problems.append(
                    Problem(path.name, "line 1", missing[0], "column missing from the header")
                )
                return periods
            while True:
                try:
                    raw = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    result.read += 1
                    reason = str(exc)
                    if "field limit" in reason:
                        reason = f"a field longer than the limit of {limits.MAX_FIELD_CHARS:,}"
                    self._refuse(result, path, f"line {lines.number}", "", reason, None)
                    continue
                number = lines.number
                result.read += 1
                if number in lines.too_long:
                    reason = f"the line is longer than the limit of {limits.MAX_RECORD_BYTES:,}"
                    self._refuse(result, path, f"line {number}", "", f"{reason} bytes", None)
                    continue
                row, problems = check_row(number, raw)
                if problems:
                    result.rejected += 1
                    for column, reason in problems:
                        result.problems.append(Problem(path.name, f"line {number}", column, reason))
                    if self.skip_invalid:
                        self.rejects.write(
                            Problem(path.name, f"line {number}", *problems[0]), dict(raw)
                        )
                    continue
                if row is None:
                    result.unchanged += 1  # excluded by rule (cancelled)
                    continue
                key = int(row.event_key[:16], 16)
                if key in seen:
                    self._refuse(
                        result,
                        path,
                        f"line {number}",
                        "",
                        f"the same event as line {seen[key]} (LA, person, type, dates, route, "
                        "assessment and service): one line an event a file",
                        dict(raw),
                    )
                    continue
                seen[key] = number
                for column, reason in row.warnings:
                    result.warnings.append(Problem(path.name, f"line {number}", column, reason))
                la = row.fields["la_code"]
                if row.reporting_period_start and (
                    la not in periods or row.reporting_period_start > periods[la]
                ):
                    periods[la] = row.reporting_period_start
                batch.append(row)
                if len(batch) >= self.batch_size:
                    self._write(batch, result)
                    self.on_progress(len(batch))
                    batch = []
                    reset_queries()  # with DEBUG on, Django would keep every SQL statement
        if batch:
            self._write(batch, result)
            self.on_progress(len(batch))
        return periods

    def _refuse(self, result, path, location, column, reason, record) -> None:
        problem = Problem(path.name, location, column, reason)
        result.rejected += 1
        result.problems.append(problem)
        if self.skip_invalid:
            self.rejects.write(problem, record)

    def _people(self, batch: list[_Row]) -> dict[str, int]:
        """person key → person id, creating people the index does not know yet."""
        keys: dict[str, _Row] = {}
        for row in batch:
            keys.setdefault(row.person_key, row)
        found = people_services.people_by_nhs_number(
            {k.removeprefix("nhs:") for k in keys if k.startswith("nhs:")}
        )
        person_of = {f"nhs:{n}": pk for n, pk in found.items()}
        by_la: dict[str, set[str]] = {}
        for key, row in keys.items():
            if key not in person_of and not key.startswith("nhs:"):
                by_la.setdefault(row.fields["la_code"], set()).add(row.la_person_id)
        for la, ids in by_la.items():
            for value, pk in people_services.people_by_identifier(
                la_person_system(la), ids
            ).items():
                person_of[f"la:{la}:{value}"] = pk
        unknown = [(key, row) for key, row in keys.items() if key not in person_of]
        incoming = [
            people_services.IncomingPerson(
                demographics=row.demographics,
                source=f"cld:{row.fields['la_code']}",
                source_system=la_person_system(row.fields["la_code"]),
                source_id=row.la_person_id or row.person_key,
            )
            for _, row in unknown
        ]
        created = people_services.add_people_from_import(incoming=incoming)
        for (key, _), pk in zip(unknown, created, strict=True):
            person_of[key] = pk
        new_keys = {key for key, _ in unknown}
        for key, row in keys.items():
            invalid = people_services.invalid_nhs_numbers(row.demographics)
            if invalid and key not in new_keys:
                people_services.keep_invalid_nhs_numbers(
                    person_id=person_of[key], values=invalid, source=f"cld:{row.fields['la_code']}"
                )
        return person_of

    def _refuse_ambiguous(self, batch: list[_Row], result: FileResult) -> list[_Row]:
        """Rows whose NHS number more than one person holds are refused, naming them: matching
        deterministically means never guessing which of them it is."""
        numbers = {
            r.person_key.removeprefix("nhs:") for r in batch if r.person_key.startswith("nhs:")
        }
        ambiguous = people_services.ambiguous_nhs_numbers(numbers)
        if not ambiguous:
            return batch
        refs = {
            pk: str(ref)
            for pk, ref in Person.objects.filter(
                pk__in={pk for ids in ambiguous.values() for pk in ids}
            ).values_list("pk", "ref")
        }
        kept = []
        name = Path(result.file).name
        for row in batch:
            number = row.person_key.removeprefix("nhs:")
            if row.person_key.startswith("nhs:") and number in ambiguous:
                holders = ", ".join(refs[pk] for pk in ambiguous[number])
                problem = Problem(
                    name,
                    f"line {row.number}",
                    "NHS_Number",
                    f"{number} is held by {len(ambiguous[number])} people in the index "
                    f"({holders}): merge or correct them, then import again",
                )
                result.problems.append(problem)
                result.rejected += 1
                if self.skip_invalid:
                    self.rejects.write(problem, dict(row.raw))
                continue
            kept.append(row)
        return kept

    def _write(self, batch: list[_Row], result: FileResult) -> None:
        batch = self._refuse_ambiguous(batch, result)
        if not batch:
            return
        person_of = self._people(batch)
        unique: dict[tuple[str, str], _Row] = {}
        for row in batch:
            key = (row.fields["la_code"], row.event_key)
            if key in unique:
                result.unchanged += 1
            unique[key] = row
        held: dict[tuple[str, str], SocialCareEvent] = {}
        by_la: dict[str, list[str]] = {}
        for la, key in unique:
            by_la.setdefault(la, []).append(key)
        for la, keys in by_la.items():
            for event in SocialCareEvent.objects.filter(la_code=la, event_key__in=keys):
                held[(la, event.event_key)] = event
        new: list[dict] = []
        for key, row in unique.items():
            person_id = person_of[row.person_key]
            existing = held.get(key)
            if existing is None:
                new.append(
                    {
                        "person_id": person_id,
                        "person_key": row.person_key[:100],
                        "event_key": row.event_key,
                        "source": f"cld:{row.fields['la_code']}",
                        **row.fields,
                    }
                )
                continue
            changed = [
                name
                for name, value in row.fields.items()
                if name != "reporting_period_end" and getattr(existing, name) != value
            ]
            period_later = (row.fields["reporting_period_end"] or date.min) > (
                existing.reporting_period_end or date.min
            )
            if not changed and not period_later:
                result.unchanged += 1
                continue
            if changed and not period_later and existing.reporting_period_end:
                result.unchanged += 1  # an older quarter's view of the event: ignored
                result.older += 1
                continue
            for name, value in row.fields.items():
                setattr(existing, name, value)
            existing.closed_at_period_end = False
            existing.save()
            if changed:
                TimelineEvent.objects.filter(social_care_event=existing).update(
                    date=existing.start_date, summary=_summary(row.fields)[:300]
                )
                result.updated += 1
            else:
                result.unchanged += 1
        ids = bulk.insert(SocialCareEvent, new, returning_ids=True)
        bulk.insert(
            TimelineEvent,
            [
                {
                    "person_id": event["person_id"],
                    "date": event["start_date"],
                    "sector": Sector.SOCIAL_CARE,
                    "source": event["source"],
                    "kind": f"social care {event['event_type']}",
                    "summary": _summary(event)[:300],
                    "social_care_event_id": pk,
                }
                for pk, event in zip(ids, new, strict=True)
            ],
        )
        result.inserted += len(new)
        self._growth.add(len(batch))

    def _close_missing_services(self, periods: dict[str, date]) -> None:
        for la, period_start in periods.items():
            SocialCareEvent.objects.filter(
                la_code=la,
                event_type="service",
                end_date__isnull=True,
                reporting_period_end__lt=period_start,
            ).update(end_date=F("reporting_period_end"), closed_at_period_end=True)
