"""Production settings: refuse to start with an unsafe configuration.

Each refusal is one line naming the setting, so an operator can fix it without reading a traceback.
The rules are in `caretrust.config.checks` (ADR 3 and ADR 45).
"""

from caretrust.config.checks import check_production
from caretrust.config.env import env_bool, env_list
from caretrust.config.settings.base import *  # noqa: F403

# The embedded default (127.0.0.1) is not a production host list: it must be set explicitly.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
check_production(
    debug=DEBUG,  # noqa: F405
    secret_key=SECRET_KEY,  # noqa: F405
    allowed_hosts=ALLOWED_HOSTS,
    database_engine=DATABASES["default"]["ENGINE"],  # noqa: F405
    allow_sqlite=env_bool("CARETRUST_ALLOW_SQLITE_IN_PRODUCTION", False),
    redis_url=REDIS_URL,  # noqa: F405
)

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Believed only from TRUSTED_PROXIES: `TrustedProxyMiddleware` removes the header from anyone else.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Joining the browsers' preload list is hard to undo and covers the whole domain: the operator's
# choice, off unless asked for.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and a manifest, built by `caretrust deploy` (collectstatic); pages refer to
    # files only by name, never to a directory (ADR 45).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A second factor for staff (TOTP) is required in production unless switched off explicitly.
CARETRUST_REQUIRE_TOTP = env_bool("CARETRUST_REQUIRE_TOTP", True)
