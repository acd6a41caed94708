"""Create the two PostgreSQL roles caretrust runs with, and give each only what it needs.

- The owner role owns every table (and so the audit log's triggers) and runs migrations.
- The application role reads and writes the operational tables but may only INSERT and SELECT the
  audit log and its checkpoints: no UPDATE, DELETE or TRUNCATE, and no trigger changes (only an
  owner may alter a table).

Run it as a superuser after `migrate`, and again after each migration that adds tables (it is
idempotent): `caretrust manage setup_database_roles --owner caretrust_owner --app caretrust_app`.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from psycopg import sql

APPEND_ONLY_TABLES = ("access_auditevent", "access_auditcheckpoint")


def setup_roles(owner: str, app: str, *, owner_password: str = "", app_password: str = "") -> None:
    """Create or update the roles and their privileges (inside the caller's transaction)."""
    if connection.vendor != "postgresql":
        raise CommandError("database roles are a PostgreSQL feature; SQLite has none")
    with connection.cursor() as cursor:
        for role, password in ((owner, owner_password), (app, app_password)):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                try:
                    with transaction.atomic():
                        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
                except (IntegrityError, ProgrammingError):
                    # Another process created it meanwhile (roles belong to the whole cluster).
                    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                    if cursor.fetchone() is None:
                        raise
            if password:
                cursor.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
        database = connection.settings_dict["NAME"]
        o, a = sql.Identifier(owner), sql.Identifier(app)
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                sql.Identifier(database), o, a
            ),
            sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(o),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(a),
        ]
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            statements.append(
                sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), o)
            )
        statements += [
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(a),
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(a),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(a),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(o, a),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                "GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(o, a),
        ]
        for table in APPEND_ONLY_TABLES:
            if table in tables:
                statements.append(
                    sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                        sql.Identifier(table), a
                    )
                )
        for statement in statements:
            cursor.execute(statement)


class Command(BaseCommand):
    help = (
        "Create the owner and application database roles (PostgreSQL) and grant the application "
        "only INSERT and SELECT on the audit log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", default="caretrust_owner", help="role that owns the tables")
        parser.add_argument("--app", default="caretrust_app", help="role the application uses")

    def handle(self, *args, owner: str, app: str, **options) -> None:
        with transaction.atomic():
            setup_roles(
                owner,
                app,
                owner_password=os.environ.get("CARETRUST_OWNER_PASSWORD", ""),
                app_password=os.environ.get("CARETRUST_APP_PASSWORD", ""),
            )
        self.stdout.write(
            f"roles ready: {owner} owns the tables and runs migrations; {app} runs the "
            "application and may only add to the audit log"
        )
