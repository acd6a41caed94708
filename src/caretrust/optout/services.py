"""Importing the file the National Data Opt-out service returns (ADR 87)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from caretrust import bulk, clock
from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.optout.models import ClearedCohort, ClearedNumber
from caretrust.people import nhs_number

HEADERS = {"nhs_number", "nhsnumber", "nhs number"}


class CohortFileError(ValueError):
    """The returned file cannot be used; every problem names its line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5])
        more = f"; … and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s), nothing imported: {shown}{more}")


@dataclass
class CohortImport:
    cohort: ClearedCohort
    created: bool
    problems: list[str] = field(default_factory=list)


def read_numbers(path: Path) -> tuple[list[str], list[str]]:
    """The NHS numbers in a returned file (one a line; a header line, blanks, spaces and a
    leading comma-separated first column are fine), and the problems naming file and line."""
    numbers: list[str] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [f"{path.name}: not UTF-8 text"]
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split(",", 1)[0].strip().strip('"')
        if not value or (number == 1 and value.lower() in HEADERS):
            continue
        digits = re.sub(r"[\s-]", "", value)
        if not (re.fullmatch(r"\d{10}", digits) and nhs_number.is_valid(digits)):
            problems.append(
                f"{path.name} line {number}: NHS_Number: {value[:20]!r} is not a valid NHS number"
            )
            continue
        if digits in seen:
            problems.append(
                f"{path.name} line {number}: NHS_Number: {digits} is already on line {seen[digits]}"
            )
            continue
        seen[digits] = number
        numbers.append(digits)
    if not numbers and not problems:
        problems.append(f"{path.name}: no NHS numbers in the file")
    return numbers, problems


@transaction.atomic
def import_cleared_cohort(*, path: Path, cleared_on: date, actor=None) -> CohortImport:
    """Record the cohort the national check cleared on `cleared_on` from its returned file.
    Atomic (a file with any problem imports nothing) and idempotent by the file's SHA-256."""
    if cleared_on > clock.today():
        raise CohortFileError([f"--cleared-on {cleared_on} is in the future"])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    held = ClearedCohort.objects.filter(file_sha256=digest).first()
    if held is not None:
        return CohortImport(held, created=False)
    numbers, problems = read_numbers(path)
    if problems:
        raise CohortFileError(problems)
    cohort = ClearedCohort.objects.create(
        cleared_on=cleared_on,
        file_name=path.name[:200],
        file_sha256=digest,
        numbers_cleared=len(numbers),
    )
    bulk.insert(ClearedNumber, [{"cohort_id": cohort.pk, "nhs_number": n} for n in numbers])
    audit.record(
        actor=actor,
        actor_label="import ndop",
        action=AuditEvent.Action.IMPORT,
        obj=cohort,
        details={"cleared_on": cleared_on.isoformat(), "numbers_cleared": len(numbers)},
    )
    return CohortImport(cohort, created=True)
