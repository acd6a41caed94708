"""The one reader of calendar dates typed by people or written in files (no Django): ISO
(2024-03-01), UK day-first (01/03/2024) or compact (20240301). Used by the CLD importer, the
people search form and record linkage alike."""

from __future__ import annotations

from datetime import date, datetime

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d")


def parse_date(value: str | date | None) -> date | None:
    """The date `value` names; None when it is blank; ValueError when it is not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
