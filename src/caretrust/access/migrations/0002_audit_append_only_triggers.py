"""Make the audit log append-only in the database itself, not only in the model layer.

PostgreSQL: a trigger refuses UPDATE and DELETE (production should also grant the application role
INSERT and SELECT only). SQLite: a trigger refuses UPDATE; DELETE is refused by the model layer,
because Django's test flush empties tables with DELETE on SQLite.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION caretrust_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_auditevent_append_only
    BEFORE UPDATE OR DELETE ON access_auditevent
    FOR EACH ROW EXECUTE FUNCTION caretrust_audit_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS access_auditevent_append_only ON access_auditevent;
DROP FUNCTION IF EXISTS caretrust_audit_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER access_auditevent_append_only
BEFORE UPDATE ON access_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS access_auditevent_append_only;"


def _run(sql_by_vendor):  # noqa: ANN001, ANN202
    def run(apps, schema_editor):  # noqa: ANN001, ANN202, ARG001
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
