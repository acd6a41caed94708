"""Bad configuration fails fast, in one line naming the setting, with no traceback."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

GOOD_SECRET = secrets.token_urlsafe(50)
REDIS = "redis://127.0.0.1:6379/15"


def run_caretrust(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DJANGO_SETTINGS_MODULE",
            "REDIS_URL",
            "TRUSTED_PROXIES",
            "CARETRUST_ALLOW_SQLITE_IN_PRODUCTION",
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "caretrust.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


PRODUCTION = "caretrust.config.settings.production"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"DEBUG": "true", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "care.example"}, "DEBUG"),
        ({"ALLOWED_HOSTS": "care.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-secret", "ALLOWED_HOSTS": "care.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "change-me" + "y" * 60, "ALLOWED_HOSTS": "care.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_SECRET}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "x"}, "DEBUG"),
        # issue #13: fifty 'a's, a wildcard or a top-level suffix, SQLite, no Redis
        ({"SECRET_KEY": "a" * 50, "ALLOWED_HOSTS": "care.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "ab" * 40, "ALLOWED_HOSTS": "care.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": ".com"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "care.example,.co.uk"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "*.care.example"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "uk"}, "ALLOWED_HOSTS"),
        (
            {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "care.example", "REDIS_URL": REDIS},
            "DATABASE_URL",
        ),
        (
            {
                "SECRET_KEY": GOOD_SECRET,
                "ALLOWED_HOSTS": "care.example",
                "CARETRUST_ALLOW_SQLITE_IN_PRODUCTION": "1",
            },
            "REDIS_URL",
        ),
        (
            {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "care.example", "TRUSTED_PROXIES": "px"},
            "TRUSTED_PROXIES",
        ),
        (
            {
                "SECRET_KEY": GOOD_SECRET,
                "ALLOWED_HOSTS": "care.example",
                "TRUSTED_PROXIES": "0.0.0.0/0",
            },
            "TRUSTED_PROXIES",
        ),
    ],
)
@pytest.mark.slow
def test_production_refuses_unsafe_settings(env: dict[str, str], setting: str) -> None:
    result = run_caretrust("manage", "check", DJANGO_SETTINGS_MODULE=PRODUCTION, **env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith(f"caretrust: {setting}")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_production_starts_with_safe_settings(tmp_path) -> None:
    result = run_caretrust(
        "manage",
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="care.example,.bayside.nhs.uk",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CARETRUST_ALLOW_SQLITE_IN_PRODUCTION="1",
        REDIS_URL=REDIS,
        TRUSTED_PROXIES="10.0.0.5,192.168.0.0/24",
    )
    assert result.returncode == 0, result.stderr


def test_unreachable_database_fails_with_a_clear_message() -> None:
    result = run_caretrust(
        "manage",
        "migrate",
        DJANGO_SETTINGS_MODULE="caretrust.config.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("caretrust: DATABASE_URL: cannot connect to the database")
    assert "Traceback" not in result.stderr


def test_unknown_database_scheme_names_the_setting() -> None:
    result = run_caretrust(
        "manage",
        "check",
        DJANGO_SETTINGS_MODULE="caretrust.config.settings.dev",
        DATABASE_URL="oracle-ish://nobody@nowhere/db",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("caretrust: DATABASE_URL")


@pytest.mark.slow
def test_embedded_default_uses_sqlite_under_var(tmp_path) -> None:
    result = run_caretrust(
        "manage",
        "migrate",
        DJANGO_SETTINGS_MODULE="caretrust.config.settings.dev",
        CARETRUST_VAR_DIR=str(tmp_path / "var"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "caretrust.sqlite3").stat().st_size > 0
