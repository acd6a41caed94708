"""A web request that runs too long is cancelled in the database too, not only abandoned by the
client: PostgreSQL's `statement_timeout` on every connection the web server opens. Commands
(imports, exports, analytics) open their own connections without it."""

from __future__ import annotations

import os
from typing import Any

from django.db.backends.signals import connection_created

DEFAULT_MS = 30_000


def request_time_limit_ms() -> int:
    """`CARETRUST_REQUEST_TIME_LIMIT_MS` (30 s by default; 0 turns it off)."""
    value = os.environ.get("CARETRUST_REQUEST_TIME_LIMIT_MS", "")
    return int(value) if value.strip().isdigit() else DEFAULT_MS


def _limit_statements(sender: Any, connection: Any, **kwargs: Any) -> None:
    milliseconds = request_time_limit_ms()
    if connection.vendor == "postgresql" and milliseconds:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)])


def install() -> None:
    """Called by the WSGI entry point: every database connection of the web server is limited."""
    connection_created.connect(_limit_statements, dispatch_uid="caretrust-request-time-limit")


def uninstall() -> None:
    connection_created.disconnect(dispatch_uid="caretrust-request-time-limit")
