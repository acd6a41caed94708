"""`field__in_array=[...]`: membership in a list sent as one array parameter on PostgreSQL
(`= ANY(%s)`), an ordinary IN elsewhere. A search scoped to the 10,000 people a client may see
would otherwise send 10,000 placeholders for the database to parse on every page."""

from __future__ import annotations

from django.db.models import Field, ForeignKey, Lookup


@Field.register_lookup
class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [list(value)])

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]

    def as_sql(self, compiler, connection):
        values = list(self.rhs)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not values:
            return "1 = 0", lhs_params
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


# A foreign key keeps its own lookups: register it there too (`person_id__in_array=...`).
ForeignKey.register_lookup(InArray)
