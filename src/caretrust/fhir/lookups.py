"""`field__in_array=IdSet(ids)`: membership in a set of ids sent as one array parameter on
PostgreSQL (`= ANY(%s::bigint[])`), an ordinary IN elsewhere. A search scoped to the 10,000
people a client may see would otherwise send (and Django would resolve, one by one) 10,000
placeholders on every page."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Field, ForeignKey, Lookup


class IdSet:
    """Ids for `__in_array`: not a list, so Django hands it to the lookup whole."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = sorted(ids)

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def as_array_literal(self) -> str:
        return "{" + ",".join(map(str, self.ids)) + "}"


class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, _ids(self.rhs).as_array_literal()]

    def as_sql(self, compiler, connection):
        values = list(_ids(self.rhs))
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not values:
            return "1 = 0", lhs_params
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


def _ids(value) -> IdSet:
    return value if isinstance(value, IdSet) else IdSet(value)


Field.register_lookup(InArray)
# A foreign key keeps its own lookups: register it there too (`person_id__in_array=...`).
ForeignKey.register_lookup(InArray)
