"""`field__in_array=IdSet(ids)` or `TextSet(values)`: membership in a set sent as one array
parameter on PostgreSQL (`= ANY(%s::bigint[])`, `= ANY(%s::text[])`), an ordinary IN elsewhere.
A search scoped to the 10,000 people a client may see would otherwise send (and Django would
resolve, one by one) 10,000 placeholders on every page; an import's look-up of a batch's 500
ids spent more time making the statement than PostgreSQL spent answering it."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignKey, Lookup


class IdSet:
    """Ids for `__in_array`: not a list, so Django hands it to the lookup whole."""

    cast = "bigint[]"

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = sorted(ids)

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def as_array_literal(self) -> str:
        return "{" + ",".join(map(str, self.ids)) + "}"


class TextSet(IdSet):
    """Strings for `__in_array` (source ids, logical ids)."""

    cast = "text[]"

    def __init__(self, values: Iterable[str]) -> None:
        self.ids = sorted(values)

    def as_array_literal(self) -> str:
        # Each element double-quoted, with the two characters that end or escape one escaped:
        # any other character (a comma, a brace, a quote) is then only itself.
        return "{" + ",".join(f'"{_escaped(v)}"' for v in self.ids) + "}"


def _escaped(value: str) -> str:
    if "\\" in value or '"' in value:
        return value.replace("\\", "\\\\").replace('"', '\\"')
    return value


class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        values = _ids(self.rhs)
        if not values:
            raise EmptyResultSet  # as `__in=[]`: nothing matches, and no statement is sent
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{values.cast})", [*lhs_params, values.as_array_literal()]

    def as_sql(self, compiler, connection):
        values = list(_ids(self.rhs))
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


def _ids(value) -> IdSet:
    return value if isinstance(value, IdSet) else IdSet(value)


Field.register_lookup(InArray)
# A foreign key keeps its own lookups: register it there too (`person_id__in_array=...`).
ForeignKey.register_lookup(InArray)
