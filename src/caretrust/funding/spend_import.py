"""Importing actual spend for a pooled budget from CSV: `service_line,month,amount`.

Atomic (a file with any error changes nothing and every problem names file, row and field),
idempotent (the same file again changes nothing), and a later file restating a month replaces it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.funding.models import ActualSpend, PooledBudget, SpendImport

COLUMNS = ("service_line", "month", "amount")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # 1 = header row
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, {self.field}: {self.reason}"


class SpendFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class ImportSummary:
    file_name: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    already_imported: bool = False


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _parse_month(text: str) -> date:
    year, month = text.strip().split("-")[:2]
    return date(int(year), int(month), 1)


def _parse_rows(pool: PooledBudget, file_name: str, text: str):
    pool_lines = list(pool.lines.all())
    # A line is named by its code or by the name the pool page shows (any case, spacing).
    lines = {_key(line.code): line for line in pool_lines}
    lines.update({_key(line.name): line for line in pool_lines})
    known = "; ".join(f"{line.code} ({line.name})" for line in pool_lines)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SpendFileError([Problem(file_name, 1, c, "column is missing") for c in missing])
    rows, problems = [], []
    for number, row in enumerate(reader, start=2):
        if None in row:  # more values than columns: usually an unquoted "1,500"
            problems.append(
                Problem(
                    file_name, number, "row", "more values than columns: quote amounts with commas"
                )
            )
            continue
        line = lines.get(_key(row["service_line"] or ""))
        if line is None:
            problems.append(
                Problem(
                    file_name,
                    number,
                    "service_line",
                    f"no line {row['service_line']!r} in this pool; its lines are: {known}",
                )
            )
        try:
            month = _parse_month(row["month"] or "")
            if not pool.financial_year_start <= month <= pool.financial_year_end:
                problems.append(
                    Problem(
                        file_name,
                        number,
                        "month",
                        f"{row['month']} is outside {pool.financial_year_label}",
                    )
                )
        except (ValueError, TypeError):
            month = None
            problems.append(Problem(file_name, number, "month", "use YYYY-MM, e.g. 2026-04"))
        try:
            amount = Decimal((row["amount"] or "").replace(",", "").replace("£", "").strip())
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            amount = None
            problems.append(
                Problem(file_name, number, "amount", "not an amount of money, e.g. 1234.56")
            )
        rows.append((line, month, amount))
    seen: dict[tuple, int] = {}
    for number, (line, month, _) in enumerate(rows, start=2):
        if line and month and (line.pk, month) in seen:
            problems.append(
                Problem(file_name, number, "month", f"repeats row {seen[(line.pk, month)]}")
            )
        seen.setdefault((line and line.pk, month), number)
    if problems:
        raise SpendFileError(problems)
    return rows


@transaction.atomic
def import_spend(*, actor, pool: PooledBudget, file_name: str, content: bytes) -> ImportSummary:
    policy.require(actor, "funding.manage_pool", pool)
    digest = hashlib.sha256(content).hexdigest()
    if SpendImport.objects.filter(pool=pool, sha256=digest).exists():
        return ImportSummary(file_name, 0, 0, 0, 0, already_imported=True)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpendFileError([Problem(file_name, 1, "file", "not UTF-8 text")]) from None
    rows = _parse_rows(pool, file_name, text)
    source = SpendImport.objects.create(
        pool=pool, file_name=file_name, sha256=digest, rows=len(rows), imported_by=actor
    )
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    for line, month, amount in rows:
        existing = ActualSpend.objects.filter(line=line, month=month).first()
        if existing is None:
            ActualSpend.objects.create(line=line, month=month, amount=amount, source=source)
            counts["inserted"] += 1
        elif existing.amount != amount:
            existing.amount, existing.source = amount, source
            existing.save(update_fields=["amount", "source"])
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    audit.record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        obj=source,
        details={"pool": pool.pk, "file": file_name, **counts},
    )
    return ImportSummary(file_name, len(rows), **counts)
