"""A web request's statements are cancelled by PostgreSQL after the request time limit."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction

from caretrust.config import time_limits

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_a_slow_statement_is_cancelled_in_the_database(monkeypatch) -> None:
    monkeypatch.setenv("CARETRUST_REQUEST_TIME_LIMIT_MS", "200")
    time_limits._limit_statements(sender=None, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "200ms"
        with pytest.raises(OperationalError, match="canceling statement"), transaction.atomic():
            cursor.execute("SELECT pg_sleep(2)")


def test_the_limit_defaults_to_thirty_seconds_and_can_be_turned_off(monkeypatch) -> None:
    monkeypatch.delenv("CARETRUST_REQUEST_TIME_LIMIT_MS", raising=False)
    assert time_limits.request_time_limit_ms() == 30_000
    monkeypatch.setenv("CARETRUST_REQUEST_TIME_LIMIT_MS", "0")
    assert time_limits.request_time_limit_ms() == 0


def test_the_wsgi_entry_point_installs_it() -> None:
    from django.db.backends.signals import connection_created

    import caretrust.config.wsgi  # noqa: F401

    receivers = [r[1]() for r in connection_created.receivers]
    assert time_limits._limit_statements in receivers
    time_limits.uninstall()
