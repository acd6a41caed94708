"""Shared fixtures. Tests that touch the database are marked `database` automatically, so the
PostgreSQL run (`make test`) can select exactly them."""

from __future__ import annotations

import os

import pytest

DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "client", "admin_client"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.database)


_demo_rows: dict[str, tuple[list[str], list[tuple]]] | None = None  # per test process


@pytest.fixture
def demo_directory(db):
    """The demo directory (organisations, teams, eleven users with their audit rows, Edith).
    Loading it through the services costs most of a small test's time, and nearly every test
    needs it, so on SQLite each test process loads it once and copies the same rows back for
    later tests (the rows it added to each table, ids, audit chain and all: exactly what loading
    it again into the same empty database would give, but for timestamps). ADR 89."""
    global _demo_rows
    from django.db import connection

    from caretrust.demo import load_demo_directory as load_demo_organisations

    if connection.vendor != "sqlite":
        load_demo_organisations()
        return
    from django.db import transaction

    # atomic: foreign keys are checked at commit, after every table's rows are back.
    with transaction.atomic(), connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        last = {t: _max_rowid(cursor, t) for t in tables}
        if _demo_rows is not None and all(last[t] == 0 for t in _demo_rows):
            for table, (columns, rows) in _demo_rows.items():
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})",
                    rows,
                )
            return
        load_demo_organisations()
        if _demo_rows is not None or any(last[t] for t in ("organisations_user",)):
            return  # not a clean database: load, but do not keep
        added = {}
        for table in tables:
            cursor.execute(
                f"SELECT * FROM {connection.ops.quote_name(table)} WHERE rowid > %s ORDER BY rowid",
                [last[table]],
            )
            rows = cursor.fetchall()
            if rows:
                added[table] = ([c[0] for c in cursor.description], rows)
        if all(last[t] == 0 for t in added):
            _demo_rows = added


def _max_rowid(cursor, table: str) -> int:
    cursor.execute(f'SELECT COALESCE(MAX(rowid), 0) FROM "{table}"')
    return cursor.fetchone()[0]


@pytest.fixture
def user_for(demo_directory):
    """`user_for("coordinator")` returns the demo user with that user name."""
    from caretrust.organisations.models import User

    return lambda username: User.objects.get(username=username)


@pytest.fixture
def decide_eligible(user_for):
    """`decide_eligible(person)`: the social worker records all ten outcomes (two not achieved)
    and decides the person eligible, as a plan needs before it is agreed (ADR 73)."""
    from caretrust.assessments import services
    from caretrust.assessments.eligibility import OUTCOMES

    def decide(person, unable=("nutrition", "hygiene")):
        sw = user_for("socialworker")
        assessment = services.start_assessment(
            actor=sw, person=person, started_because="Test: needs assessment"
        )
        assessment = services.record_findings(
            actor=sw,
            assessment=assessment,
            expected_version=assessment.version,
            impairment=True,
            significant_impact=True,
            needs_fluctuate=False,
            outcomes={c: ("needs_assistance" if c in unable else "able", "") for c in OUTCOMES},
        )
        return services.decide_eligibility(
            actor=sw, assessment=assessment, expected_version=assessment.version
        )

    return decide


# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told that this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# On PostgreSQL the application runs as a role that may only add to the audit log
# (`setup_database_roles`): so do the tests that use the `db` fixture. The roles are set up once
# after migrations; each such test switches to the application role inside its own transaction,
# which is rolled back (and the role with it) at the end. Tests that flush the database between
# runs (transactional_db, live_server) keep the superuser the flush needs.
APP_ROLE = "caretrust_test_app"


@pytest.fixture(scope="session")
def _migrations_from_cache():
    """On SQLite, migrate once and keep the result: each test process (two under `make
    test-fast`) otherwise spends most of its start-up rendering 80 migrations' model states. The
    migrated database is saved under `.test-db-cache/`, keyed by a hash of every migration (and
    the post-migrate seeding, Django's version and the installed apps), and copied into the
    in-memory test database with SQLite's backup API. A changed migration makes a new key."""
    import hashlib
    import sqlite3
    from pathlib import Path

    import django
    from django.conf import settings
    from django.core.management.commands import migrate

    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        yield
        return
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{django.get_version()} {settings.INSTALLED_APPS}".encode())
    seeding = root / "src" / "caretrust" / "assessments" / "apps.py"
    for path in [*sorted((root / "src" / "caretrust").glob("*/migrations/*.py")), seeding]:
        digest.update(path.name.encode() + path.read_bytes())
    cache = Path(os.environ.get("CARETRUST_TEST_DB_CACHE", root / ".test-db-cache"))
    saved = cache / f"{digest.hexdigest()[:16]}.sqlite3"
    original = migrate.Command.handle

    def handle(self, *args, **options):
        from django.db import connections

        connection = connections[options.get("database") or "default"]
        connection.ensure_connection()
        if saved.exists():
            with sqlite3.connect(saved) as source:
                source.backup(connection.connection)
            return None
        result = original(self, *args, **options)
        cache.mkdir(parents=True, exist_ok=True)
        partial = saved.with_suffix(f".{os.getpid()}.tmp")
        with sqlite3.connect(partial) as target:
            connection.connection.backup(target)
        partial.replace(saved)  # atomic: a parallel worker sees the whole file or none
        return result

    migrate.Command.handle = handle
    try:
        yield
    finally:
        migrate.Command.handle = original


@pytest.fixture(scope="session")
def django_db_setup(_migrations_from_cache, django_db_setup, django_db_blocker):
    from django.db import connection

    if connection.vendor == "postgresql":
        from caretrust.access.management.commands.setup_database_roles import setup_roles

        with django_db_blocker.unblock():
            setup_roles("caretrust_test_owner", APP_ROLE)
    return django_db_setup


@pytest.fixture(autouse=True)
def _as_application_role(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if "db" not in request.fixturenames or transactional:
        yield
        return
    from django.db import connection

    if connection.vendor == "postgresql":
        request.getfixturevalue("db")
        # SET (not SET LOCAL) inside the test's transaction: undone by its rollback.
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {APP_ROLE}")
        except RuntimeError:
            pass  # a fixture of another kind called `db` (the analytics tests' DuckDB)
    yield


@pytest.fixture(autouse=True)
def _no_timed_audit_checkpoint(monkeypatch):
    """The audit chain looks for a due hourly checkpoint at most once a minute per process
    (access/chain.py). In a long run that look lands in whichever request comes after the minute,
    so a page's query count depended on the wall clock (a 24 against 23 failure in CI). Tests
    switch the look off; the hourly checkpoint's own test (tests/access/test_audit_chain.py) turns
    it back on."""
    from caretrust.access import chain

    monkeypatch.setattr(chain, "_last_checkpoint_check", float("inf"))


@pytest.fixture
def receiver():
    """The test receiver of subscription notifications (tests/subscriptions/receiver.py)."""
    from tests.subscriptions import receiver as receivers

    running = receivers.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def gp_system_fhirpy(live_server, demo_directory):
    """A GP system's fhirpy client against the live server: an API client of practice DEMO-GP1
    acting as a co-ordinator."""
    from fhirpy import SyncFHIRClient

    from caretrust.fhir.services import issue_client
    from caretrust.organisations.models import Organisation

    practice = Organisation.objects.get(code="DEMO-GP1")
    _client, token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")
