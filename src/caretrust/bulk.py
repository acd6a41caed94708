"""Fast inserts for imports: PostgreSQL COPY, or the ORM's bulk_create on other databases.

Imports write millions of rows (resources, their versions, timeline lines, people, identifiers).
Django's bulk_create on PostgreSQL binds every value client-side and builds one huge statement per
batch; COPY streams rows to the server instead, about ten times faster (ADR 43). Rows are plain
dicts of attribute names, so the caller never builds model instances. Fields a row leaves out get
the model's default (a callable default is called per row, `auto_now`/`auto_now_add` get one
timestamp per call), exactly as `Model(**row).save()` would. Runs inside the caller's transaction:
a failed import rolls back what was copied.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from caretrust import guard

_UNPARSED = object()


class Json:
    """A JSON value serialised once: COPY writes `text`; the ORM path gets `value`. Made from
    the text alone (`Json(text=...)`), the value is parsed only if something asks for it: an
    import stores the text the validating worker made without parsing it again (ADR 136)."""

    __slots__ = ("_value", "text")

    def __init__(self, value: Any = _UNPARSED, text: str = "") -> None:
        """`text`: `value` already serialised, when the caller has it."""
        if value is _UNPARSED and not text:
            raise TypeError("Json needs a value or its text")
        self._value = value
        self.text = text or json.dumps(value, separators=(",", ":"))

    @property
    def value(self) -> Any:
        if self._value is _UNPARSED:
            self._value = json.loads(self.text)
        return self._value


def value_of(value: Any) -> Any:
    """The plain value of a `Json` (anything else as it is)."""
    return value.value if isinstance(value, Json) else value


def insert(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    count: int | None = None,
    returning_ids: bool = False,
    ignore_conflicts: bool = False,
) -> list[int]:
    """Insert `rows` into `model`'s table; with `returning_ids`, their new ids in order.

    `rows` may be a generator when `count` says how many it yields: on PostgreSQL each row is
    then made while the server stores the ones already sent (COPY streams in 32 KiB pieces), so
    making rows and storing them overlap instead of taking turns (ADR 133)."""
    if count is None:
        rows = rows if isinstance(rows, Sequence) else list(rows)
        count = len(rows)
    if not count:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**{k: value_of(v) for k, v in row.items()}) for row in rows]
        # The named bulk path (ADR 89): guarded models (Person, ...) are loaded here on purpose.
        with guard.bulk_load(model, why="caretrust.bulk.insert"):
            model.objects.bulk_create(objects, batch_size=1000, ignore_conflicts=ignore_conflicts)
        return [obj.pk for obj in objects] if returning_ids else []
    ids = _allocate_ids(model, count) if returning_ids else []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ([model._meta.pk.column] if returning_ids else []) + [f.column for f in fields]
    values_of = _row_maker(fields, timezone.now())

    def values() -> Iterator[list[Any]]:
        for written, row in enumerate(rows):
            made = values_of(row)
            if returning_ids:
                made.insert(0, ids[written])
            yield made

    _copy(model, columns, values(), count, ignore_conflicts=ignore_conflicts)
    return ids


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], *, count: int
) -> None:
    """`insert` for rows given as their values in the order of `names` (attribute names), not as
    dicts: an import's millions of rows skip making a dict and reading it back (ADR 138). A
    field not named gets its model default, which must be a constant."""
    if not count:
        return
    if connection.vendor != "postgresql":
        made = [dict(zip(names, row, strict=True)) for row in rows]
        _check_count(len(made), count)
        insert(model, made)
        return
    by_name = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    fields = [by_name[name] for name in names]
    rest = [f for f in by_name.values() if f.attname not in names]
    defaults = []
    for field in rest:
        filler = _filler(field, timezone.now())
        if not isinstance(filler, tuple):
            raise TypeError(f"bulk.insert_rows: name {field.attname}, its default is not constant")
        defaults.append(_json(filler[1]) if isinstance(field, models.JSONField) else filler[1])
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]

    def values() -> Iterator[list[Any]]:
        for row in rows:
            made = [*row, *defaults]
            for i in json_at:
                made[i] = _json(made[i])
            yield made

    _copy(model, [f.column for f in fields + rest], values(), count, keep_open=True)


@contextlib.contextmanager
def copies_kept_open(rows_per_copy: int = 20_000) -> Iterator[None]:
    """Within: `insert_rows` leaves its COPY open, and the next `insert_rows` into the same table
    and columns goes on with it, so the server stores one call's rows while the caller makes the
    next call's, instead of each call waiting for the server to finish (ADR 138). Any other
    statement on the connection ends the COPY first (an execute wrapper sees each one), as does
    leaving; so does every `rows_per_copy` rows, because the foreign keys checked at the end of
    the statement (`check_foreign_keys_per_statement`) queue an event a row until then. A COPY
    kept open has no savepoint of its own: a failure fails the caller's transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    stream = _OpenCopy(rows_per_copy)
    _open_copies.current = stream
    try:
        with connection.execute_wrapper(stream.end_before):
            yield
            stream.end()
    except BaseException as exc:
        stream.abandon(exc)
        raise
    finally:
        _open_copies.current = None


_open_copies = threading.local()


class _OpenCopy:
    """The COPY `copies_kept_open` keeps open, if any."""

    def __init__(self, rows_per_copy: int) -> None:
        self.rows_per_copy = rows_per_copy
        self.statement = ""
        self.rows = 0
        self._cursor: Any = None
        self._context: Any = None
        self._copy: Any = None

    def write(self, statement: str, values: Iterator[list[Any]]) -> int:
        if statement != self.statement:
            self.end()
            self._cursor = connection.cursor()
            self._context = self._cursor.cursor.copy(statement)
            with connection.wrap_database_errors:
                self._copy = self._context.__enter__()
            self.statement = statement
        written = 0
        with connection.wrap_database_errors:
            for row in values:
                self._copy.write_row(row)
                written += 1
        self.rows += written
        if self.rows >= self.rows_per_copy:
            self.end()
        return written

    def end(self, exc: BaseException | None = None) -> None:
        if not self.statement:
            return
        context, cursor = self._context, self._cursor
        self.statement, self.rows, self._context, self._copy, self._cursor = "", 0, None, None, None
        try:
            with connection.wrap_database_errors:
                context.__exit__(type(exc) if exc else None, exc, None)
        finally:
            cursor.close()

    def abandon(self, exc: BaseException) -> None:
        """End the COPY with a failure (the caller's error is the one raised)."""
        with contextlib.suppress(Exception):
            self.end(exc)

    def end_before(self, execute, sql, params, many, context):
        self.end()
        return execute(sql, params, many, context)


def _copy(
    model: type[models.Model],
    columns: list[str],
    values: Iterator[list[Any]],
    count: int,
    *,
    ignore_conflicts: bool = False,
    keep_open: bool = False,
) -> None:
    """COPY `values` (one list a row, in `columns`' order, as psycopg writes them) into the
    model's table, or skip conflicts through a staging table. `keep_open`: within
    `copies_kept_open`, go on with (or leave open) the COPY kept open."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    stream = getattr(_open_copies, "current", None)
    if stream is not None and keep_open:
        _check_count(stream.write(f"COPY {table} ({names}) FROM STDIN", values), count)
        return
    if stream is not None:
        stream.end()  # one COPY at a time on a connection
    written = 0
    # atomic: the staging table lives until commit, and a failed COPY leaves nothing behind.
    # wrap_database_errors: psycopg's errors reach callers as Django's (IntegrityError, ...).
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
        target = table
        if ignore_conflicts:
            target = _staging_table(raw, model, names)
        with raw.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
                written += 1
        _check_count(written, count)
        if ignore_conflicts:
            raw.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )


def _check_count(written: int, count: int) -> None:
    if written != count:
        raise ValueError(f"bulk: {written} rows given, {count} announced")


def _row_maker(fields: list[models.Field], now) -> Callable[[dict[str, Any]], list[Any]]:
    """row → the values COPY writes, in `fields`' order. Most fields are a plain look-up with
    a default; only the others (JSON, callable defaults, auto_now) call a function per row."""
    plain: list[tuple[int, str, Any]] = []
    special: list[tuple[int, Callable[[dict[str, Any]], Any]]] = []
    for position, field in enumerate(fields):
        filler = _filler(field, now)
        if isinstance(filler, tuple):
            plain.append((position, *filler))
        else:
            special.append((position, filler))
    if not special:
        return lambda row: [row.get(name, default) for _, name, default in plain]
    width = len(fields)

    def values_of(row: dict[str, Any]) -> list[Any]:
        values: list[Any] = [None] * width
        get = row.get
        for position, name, default in plain:
            values[position] = get(name, default)
        for position, fill in special:
            values[position] = fill(row)
        return values

    return values_of


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Take `count` ids from the table's own sequence, so COPY can write them with the rows and
    the ORM's later inserts never collide with them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _staging_table(raw_cursor, model: type[models.Model], names: str) -> str:
    """An empty temporary table with the copied columns, for this transaction: COPY cannot skip
    conflicts, INSERT ... SELECT ... ON CONFLICT can."""
    name = connection.ops.quote_name(f"staging_{model._meta.db_table}")
    table = connection.ops.quote_name(model._meta.db_table)
    raw_cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {names} FROM {table} WITH NO DATA"
    )
    raw_cursor.execute(f"TRUNCATE {name}")
    return name


def _filler(field: models.Field, now) -> tuple[str, Any] | Callable[[dict[str, Any]], Any]:
    """How a row gives the field's value: (attribute name, default) for a plain look-up, or a
    function of the row."""
    name = field.attname
    is_json = isinstance(field, models.JSONField)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda row: row.get(name) or now
    if field.has_default() and callable(field.default):
        make = field.default
        convert = _json if is_json else _same
        return lambda row: convert(row[name] if name in row else make())
    default = field.get_default() if field.has_default() else None
    if (
        default is None
        and not field.null
        and isinstance(field, (models.CharField, models.TextField))
    ):
        default = ""  # what the ORM would store for a blank text field
    if is_json:
        return lambda row: _json(row.get(name, default))
    return (name, default)


def _same(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    if isinstance(value, Json):
        return value.text
    if isinstance(value, (dict, list)):
        if not value:  # most rows' lists (a resource's unresolved references) are empty
            return "[]" if isinstance(value, list) else "{}"
        return json.dumps(value, separators=(",", ":"))
    return value


def check_foreign_keys_per_statement(*tables: type[models.Model]) -> None:
    """Check the tables' deferrable foreign keys at the end of each statement, for the rest of
    the transaction, instead of all at its commit. Django makes every foreign key
    DEFERRABLE INITIALLY DEFERRED, so a long import queued a check for each row it copied and ran
    them all when it committed: 3.2 million rows stopped the import for about half a minute at
    its end, with nothing else to overlap. Checked per COPY, the same checks are spread through
    the file. Only for an import that writes its rows in order (a row's target before the row)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable "
            "AND conrelid = ANY(%s::regclass[])",
            [[m._meta.db_table for m in tables]],
        )
        names = [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]
        if names:
            cursor.execute(f"SET CONSTRAINTS {', '.join(names)} IMMEDIATE")


class Growth:
    """Keeps the planner's statistics in step while one long transaction fills tables.

    A first import into an empty table runs as one transaction (atomic per file), so autovacuum
    never sees the new rows and PostgreSQL plans every look-up as if the table were still empty:
    `source_id = ANY(...)` becomes a filter over every row of the type, and the import slows
    quadratically. ANALYZE inside the transaction samples its own new rows; running it each time
    the rows added double keeps the plans right for about log2(rows) ANALYZEs.

    JSON columns are left out (ADR 131): no look-up filters on them, and sampling them was most
    of the cost (a resource's content). An ANALYZE of some columns does not reset the table's
    count of changed rows, so autovacuum still analyzes every column after the commit.
    """

    FIRST = 5_000

    def __init__(self, *looked_up: type[models.Model]) -> None:
        self.tables = [(m._meta.db_table, _analyzed_columns(m)) for m in looked_up]
        self.added = 0
        self.next_at = self.FIRST
        self._kinds: dict[str, list[int]] = {}  # kind → [rows added, next ANALYZE at]
        self._watching = False
        self.due = False  # watched: an ANALYZE waits for the next statement naming a table

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        """Within: an ANALYZE that falls due waits for the next statement that names one of the
        tables (a look-up, whose plan needs the statistics), instead of running at once. A
        first load that looks nothing up (ADR 137, 138) then runs none: each stopped the import
        for a while, about a twentieth of the time of a file of Encounters."""
        self._watching = True
        try:
            with connection.execute_wrapper(self._analyze_before):
                yield
        finally:
            self._watching = False
            self.due = False  # what the transaction added, autovacuum analyzes once committed

    def add(self, rows: int, kind: str = "") -> None:
        """`kind`: what the rows are (a resource type) when look-ups filter on it. A kind the
        statistics have not seen is planned as if it had no rows, so a file whose second half
        is another type (Conditions, then MedicationRequests) slowed down while the table's
        total was between doublings: each kind's own rows doubling also analyzes."""
        self.added += rows
        due = self.added >= self.next_at
        if due:
            self.next_at = self.added * 2
        if kind:
            counts = self._kinds.setdefault(kind, [0, self.FIRST])
            counts[0] += rows
            if counts[0] >= counts[1]:
                due = True
        if not due or connection.vendor != "postgresql":
            return
        for counts in self._kinds.values():  # analyzed now or next: each kind doubles from here
            counts[1] = max(counts[1], counts[0] * 2)
        if self._watching:
            self.due = True
            return
        with connection.cursor() as cursor:
            for statement in self._analyses():
                cursor.execute(statement)

    def _analyses(self) -> list[str]:
        quote = connection.ops.quote_name
        return [
            f"ANALYZE {quote(table)} ({', '.join(quote(c) for c in columns)})"
            for table, columns in self.tables
        ]

    def _analyze_before(self, execute, sql, params, many, context):
        if self.due and any(table in sql for table, _ in self.tables):
            self.due = False
            for statement in self._analyses():
                execute(statement, None, False, context)
        return execute(sql, params, many, context)


def _analyzed_columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not isinstance(f, models.JSONField)]
