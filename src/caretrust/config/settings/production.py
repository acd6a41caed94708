"""Production settings: refuse to start with an unsafe configuration.

Each refusal is one line naming the setting, so an operator can fix it without reading a traceback.
"""

from caretrust.config.env import ConfigurationError, env_bool, env_list
from caretrust.config.settings.base import *  # noqa: F403

MINIMUM_SECRET_LENGTH = 50
KNOWN_DEFAULT_SECRETS = {
    "caretrust-development-only-key-never-use-in-production",
    "change-me",
    "changeme",
}

if DEBUG:  # noqa: F405
    raise ConfigurationError("DEBUG must be off in production (set DEBUG=false)")
if not SECRET_KEY or SECRET_KEY in KNOWN_DEFAULT_SECRETS or "change-me" in SECRET_KEY:  # noqa: F405
    raise ConfigurationError("SECRET_KEY must be set to a unique random value in production")
if len(SECRET_KEY) < MINIMUM_SECRET_LENGTH:  # noqa: F405
    raise ConfigurationError(
        f"SECRET_KEY is too short: use at least {MINIMUM_SECRET_LENGTH} random characters"
    )
# The embedded default (127.0.0.1) is not a production host list: it must be set explicitly.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ConfigurationError("ALLOWED_HOSTS must list this service's host names in production")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
