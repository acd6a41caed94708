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


@pytest.fixture
def demo_directory(db):
    from caretrust.organisations.demo import load_demo_organisations

    load_demo_organisations()


@pytest.fixture
def user_for(demo_directory):
    """`user_for("coordinator")` returns the demo user with that user name."""
    from caretrust.organisations.models import User

    return lambda username: User.objects.get(username=username)


# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told that this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
