"""Small Ibis building blocks shared by frailty, indicators and risk (backend-neutral)."""

from __future__ import annotations

import csv
from importlib import resources

import ibis
import ibis.expr.types as ir


def age_at(birth: ir.DateValue, when: ir.DateValue) -> ir.IntegerValue:
    """Completed years of age on ``when`` (a birthday counts on the day itself)."""
    before_birthday = (when.month() * 100 + when.day()) < (birth.month() * 100 + birth.day())
    return (when.year() - birth.year() - before_birthday.cast("int64")).cast("int64")


def days_between(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    return later.delta(earlier, unit="day").cast("int64")


def add_days(when: ir.DateValue, days: int) -> ir.DateValue:
    return (when + ibis.interval(days=days)).cast("date")


def read_data_csv(package: str, filename: str) -> list[dict[str, str]]:
    """Rows of a packaged CSV data file, skipping its `#` header comment lines."""
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))
