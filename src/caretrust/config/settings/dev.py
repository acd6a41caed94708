"""Embedded settings for the demo and local development: SQLite under var/, DEBUG allowed."""

from caretrust.config.env import env_bool, env_str
from caretrust.config.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
# A development key is acceptable only here; production refuses it (see production.py).
SECRET_KEY = env_str("SECRET_KEY", "") or "caretrust-development-only-key-never-use-in-production"
CARETRUST_ALLOW_DEMO_DATA = True
# The demo council's figures for 2026/27 (flagged in every result that uses them).
CARETRUST_COUNCIL_FIGURES = CARETRUST_COUNCIL_FIGURES or str(  # noqa: F405
    PACKAGE_DIR / "funding" / "rules" / "demo-council-figures.toml"  # noqa: F405
)
# Emails are written to files under var/mail (one file per email), never sent.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")  # noqa: F405
# A developer's receiver runs on their own machine: http and private addresses allowed (ADR 0114).
CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS = env_bool("CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS", False)
CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE = env_bool("CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE", True)
