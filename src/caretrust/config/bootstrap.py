"""Starting Django from the `caretrust` command, failing fast with one clear line on bad config."""

from __future__ import annotations

import os
import sys

DEFAULT_SETTINGS = "caretrust.config.settings.dev"


class StartupError(SystemExit):
    """Exit with a one-line message on standard error (no traceback) and status 2."""

    def __init__(self, message: str) -> None:
        print(f"caretrust: {message}", file=sys.stderr)
        super().__init__(2)


def setup_django(*, check_database: bool = True) -> None:
    """Configure Django from the environment; check the database answers if asked."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from caretrust.config.env import ConfigurationError

    try:
        import django

        django.setup()
    except ConfigurationError as exc:
        raise StartupError(str(exc)) from None
    if check_database:
        ensure_database_reachable()


def ensure_database_reachable() -> None:
    from django.conf import settings
    from django.db import connection
    from django.db.utils import OperationalError

    if connection.vendor == "sqlite":
        name = str(settings.DATABASES["default"]["NAME"])
        if name != ":memory:" and not name.startswith("file:"):
            os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartupError(f"DATABASE_URL: cannot connect to the database ({reason})") from None


def ensure_cache_reachable() -> None:
    """With Redis configured (production), check it answers: the sign-in throttle lives there."""
    from django.conf import settings

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return
    from django.core.cache import cache

    try:
        cache.set("caretrust:startup-check", "1", timeout=10)
        cache.get("caretrust:startup-check")
    except Exception as exc:  # redis-py raises its own ConnectionError/TimeoutError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartupError(f"REDIS_URL: cannot connect to Redis ({reason})") from None
