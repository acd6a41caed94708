"""Settings for the test suite: DATABASE_URL picks SQLite (default) or PostgreSQL."""

from caretrust.config.env import env_str
from caretrust.config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "caretrust-test-suite-key-not-secret-but-long-enough-1234567890"  # noqa: S105
DATABASES = {"default": database_from_url(env_str("DATABASE_URL", "sqlite://:memory:"))}  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
CARETRUST_ALLOW_DEMO_DATA = True
# The demo council's figures for 2026/27 (flagged in every result that uses them).
CARETRUST_COUNCIL_FIGURES = CARETRUST_COUNCIL_FIGURES or str(  # noqa: F405
    PACKAGE_DIR / "funding" / "rules" / "demo-council-figures.toml"  # noqa: F405
)
# Background jobs run in the process that starts them, so tests see them finished (ADR 0048).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}
# FHIR Subscriptions post to a receiver on localhost over http (ADR 0114); few, quick attempts.
CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS = False
CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE = True
CARETRUST_SUBSCRIPTION_MAX_ATTEMPTS = 3
CARETRUST_SUBSCRIPTION_RETRY_SECONDS = 0
CARETRUST_SUBSCRIPTION_TIMEOUT_SECONDS = 5
