"""Limits on what an import file or an API request may hold, and the checks that enforce them
(ADR 46). No Django here: the checks run in the importer, in its worker processes and in the
FHIR API.

Every limit is refused with a one-line reason naming the field; none of them is reached by a
real record (in the UK Core and Synthea examples the longest string is 381 characters and the
deepest file, a Bundle, nests 11 levels).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO

# One string value (a FHIR element, a CSV field). Narrative and attachments inline are the
# largest real values; a megabyte is far beyond them and still cheap to hold.
MAX_FIELD_CHARS = 1_000_000
# One record: an NDJSON line, a single-resource JSON file, a CSV line, an API request body.
MAX_RECORD_BYTES = 8 * 2**20
# Nesting of objects and arrays. The example Bundles nest 11 deep (a contained resource's
# extension's value adds a few); 64 leaves room and stops a file of 100,000 brackets after 64.
MAX_DEPTH = 64
# Plausible dates: nobody is older than this; nothing happened before 1900; an event may be
# stamped up to a day ahead of our clock (time zones, clock drift), not more.
MAX_AGE_YEARS = 120
EARLIEST_EVENT = date(1900, 1, 1)
FUTURE_TOLERANCE = timedelta(days=1)

UTF8_BOM = codecs.BOM_UTF8
# Longest first: UTF-32 LE's mark begins with UTF-16 LE's.
OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def file_problem(head: bytes) -> str | None:
    """What makes a whole file unreadable, from its first bytes (after decompression): empty, or
    UTF-16/32. We refuse those by name rather than decode them: FHIR JSON and DHSC's CLD are
    UTF-8, a UTF-16 file is almost always a spreadsheet's "Unicode text" export (tab-separated,
    so it would fail the header anyway), and one encoding keeps line numbers and byte limits
    simple."""
    for bom, name in OTHER_BOMS:
        if head.startswith(bom):
            return f"the file is {name} (byte order mark {bom.hex(' ').upper()}): save it as UTF-8"
    body = head.removeprefix(UTF8_BOM)
    if not body.strip():
        return "the file is empty"
    if b"\x00" in body[:4] and len(body) >= 4:
        return "the file looks like UTF-16 or UTF-32 without a byte order mark: save it as UTF-8"
    return None


def skip_bom(handle: IO[bytes]) -> IO[bytes]:
    """`handle` (buffered: it can peek) positioned after a UTF-8 byte order mark, if any."""
    if handle.peek(3)[:3] == UTF8_BOM:
        handle.read(3)
    return handle


def bounded_lines(handle: IO[bytes], limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) for each line; a line longer than `limit` is given as b"" after
    reading past it in pieces, so one huge line never sits in memory whole. The caller reports
    it (`too_long(raw)` is how it knows)."""
    limit = MAX_RECORD_BYTES if limit is None else limit
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # the rest of the long line
                rest = handle.readline(2**20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, TOO_LONG
            continue
        if number == 1:
            raw = raw.removeprefix(UTF8_BOM)
        yield number, raw


class _TooLong(bytes):
    pass


TOO_LONG = _TooLong(b"")


def too_long(raw: bytes) -> bool:
    return raw is TOO_LONG


def decode_problem(raw: bytes) -> str | None:
    """Why a line is not UTF-8 text we accept (None when it is)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return undecodable(raw, exc)
    return None


def undecodable(raw: bytes, exc: UnicodeDecodeError) -> str:
    byte = raw[exc.start : exc.start + 1].hex().upper()
    return (
        f"not UTF-8: byte 0x{byte} at column {exc.start + 1} (Latin-1 or Windows-1252?): "
        "save the file as UTF-8"
    )


def value_problems(value: object, root: str = "") -> list[tuple[str, str]]:
    """(path, reason) for what no FHIR resource or request may hold: nesting deeper than
    MAX_DEPTH, strings longer than MAX_FIELD_CHARS, NUL characters (PostgreSQL refuses them in
    text and JSON) and nulls (FHIR JSON forbids them: leave the element out). A loop, not
    recursion: nesting is what it checks."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[str, object, int]] = [(root, value, 0)]
    while stack and len(problems) < 5:
        path, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            shown = path if len(path) <= 60 else path[:60] + "…"
            problems.append((shown, f"nested deeper than {MAX_DEPTH} levels"))
            continue
        if item is None:
            problems.append((path, "null is not allowed in FHIR JSON: leave the element out"))
        elif isinstance(item, str):
            problems.extend((path, reason) for reason in string_problems(item))
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if not isinstance(key, str) or "\x00" in key or len(key) > 200:
                    problems.append((path, "an element name is not valid"))
                    continue
                stack.append((f"{path}.{key}" if path else key, child, depth + 1))
        elif isinstance(item, list):
            for index, child in reversed(list(enumerate(item))):
                stack.append((f"{path}[{index}]", child, depth + 1))
    return problems


def string_problems(value: str) -> list[str]:
    problems = []
    if len(value) > MAX_FIELD_CHARS:
        problems.append(f"{len(value):,} characters: longer than the limit of {MAX_FIELD_CHARS:,}")
    if "\x00" in value:
        problems.append("contains a NUL character")
    if not value.isascii():
        if any("\udc80" <= ch <= "\udcff" for ch in value):  # undecodable bytes, kept as such
            problems.append("not UTF-8 text (Latin-1 or Windows-1252?): save the file as UTF-8")
        elif any("\ud800" <= ch <= "\udfff" for ch in value):
            problems.append("a lone surrogate (\\ud800-\\udfff): not valid Unicode text")
    return problems


def birth_date_problem(value: date, today: date | None = None) -> str | None:
    today = today or date.today()
    if value > today + FUTURE_TOLERANCE:
        return f"{value.isoformat()} is in the future"
    earliest = date(today.year - MAX_AGE_YEARS, today.month, min(today.day, 28))
    if value < earliest:
        return f"{value.isoformat()} is more than {MAX_AGE_YEARS} years ago"
    return None


def event_date_problem(
    value: date, today: date | None = None, *, future: bool = False
) -> str | None:
    """An event's date: not before 1900 and (unless `future` is allowed) not after tomorrow."""
    today = today or date.today()
    if value < EARLIEST_EVENT:
        return f"{value.isoformat()} is before {EARLIEST_EVENT.year}"
    if not future and value > today + FUTURE_TOLERANCE:
        return f"{value.isoformat()} is in the future"
    return None


class TooDeep(ValueError):
    pass
