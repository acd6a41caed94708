"""Settings shared by every environment. Values come from the environment only."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from caretrust.config.checks import parse_trusted_proxies
from caretrust.config.env import ConfigurationError, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parents[2]
# Embedded data (SQLite, Parquet, imports) lives under var/ in the working directory.
VAR_DIR = Path(env_str("CARETRUST_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Proxies (addresses or networks) whose X-Forwarded-Proto and X-Forwarded-For we believe; from
# anyone else those headers are removed (`caretrust.web.middleware.TrustedProxyMiddleware`).
TRUSTED_PROXIES = parse_trusted_proxies(env_list("TRUSTED_PROXIES", ""))


def database_from_url(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:  # unknown scheme or malformed URL
        raise ConfigurationError(
            f"DATABASE_URL is not a database URL we understand: {exc}"
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app read while an import writes. A write waits up to 20 s for
        # another (the busy timeout), but SQLite only waits when a transaction asks for the
        # write lock first: a deferred transaction that read before writing fails at once
        # with "database is locked". IMMEDIATE takes the lock at BEGIN, so two co-ordinators
        # claiming at once queue, and the second is told "already claimed" as on PostgreSQL.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'caretrust.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "caretrust.organisations",
    "caretrust.people",
    "caretrust.access",
    "caretrust.record",
    "caretrust.ingest",
    "caretrust.optout",
    "caretrust.directory",
    "caretrust.referrals",
    "caretrust.assessments",
    "caretrust.carers",
    "caretrust.capacity",
    "caretrust.safeguarding",
    "caretrust.careplans",
    "caretrust.entitlements",
    "caretrust.discharge",
    "caretrust.reviews",
    "caretrust.chc",
    "caretrust.portal",
    "caretrust.funding",
    "caretrust.budgets",
    "caretrust.outcomes",
    "caretrust.evaluation",
    "caretrust.feedback",
    "caretrust.fhir",
    "caretrust.jobs",
    "caretrust.workspace",
    "caretrust.notifications",
    "caretrust.messaging",
    "caretrust.meetings",
    "caretrust.subscriptions",
    "caretrust.web",
    # background jobs (ADR 0048): the django.tasks API (Django 6) and its database queue
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: decides whether X-Forwarded-Proto/-For are believed before anything reads them.
    "caretrust.web.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "caretrust.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "caretrust.ui.params.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After both: one concrete user for the rest of the request instead of two lazy proxies.
    "caretrust.web.middleware.ResolvedUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "caretrust.access.middleware.RequestContextMiddleware",
    # Secure default: every page needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After sign-in: staff who must use a second factor see only the enrol/verify pages until done.
    "caretrust.web.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "caretrust.config.urls"
WSGI_APPLICATION = "caretrust.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,  # each app keeps its templates in <app>/jinja2/
        "OPTIONS": {"environment": "caretrust.web.jinja2.environment"},
    },
    {
        # Django's own template engine is kept for the few contrib pages that need it.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = ["caretrust.organisations.backends.UserWithOrganisationBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (password and second factor), within one window: this many failures for one
# account from one address locks that account from that address; a much higher ceiling per address
# (many staff share one NHS network address) and per account (guessing from many addresses)
# locks the address, or the account, outright.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 100)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 50)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)

# Staff (every role but the person and their carer) enrol a TOTP authenticator and enter its code
# after their password. Off in the demo; production turns it on (ADR 45).
CARETRUST_REQUIRE_TOTP = env_bool("CARETRUST_REQUIRE_TOTP", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "caretrust")

# Content-Security-Policy on every response (ADR 45): no inline script or style, nothing from
# another origin, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# "Today" for time standards, fixed for tests and demos (ISO date); unset in production. See caretrust.clock.
CARETRUST_TODAY = env_str("CARETRUST_TODAY", "") or None
USE_I18N = False
USE_TZ = True

# Background jobs (ADR 0048): queued in the database (SQLite embedded, PostgreSQL in production)
# and run by `caretrust worker`, or by a thread of `caretrust serve`/`demo` with one process. Tests
# use the immediate backend (jobs run where they are started). A deployment that outgrows one
# database queue swaps the backend here (e.g. django-tasks-rq or a Celery backend) without changing
# any job.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# FHIR Subscriptions (ADR 0114): notifications to an API client's endpoint. Only https unless
# turned off (development, tests); never to a private or reserved address unless allowed (a
# private network, tests: SSRF). Attempts, the first retry's delay (doubling each time) and the
# time allowed for one POST.
CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS = env_bool("CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS", True)
CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE = env_bool("CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE", False)
CARETRUST_SUBSCRIPTION_MAX_ATTEMPTS = env_int("CARETRUST_SUBSCRIPTION_MAX_ATTEMPTS", 5)
CARETRUST_SUBSCRIPTION_RETRY_SECONDS = env_int("CARETRUST_SUBSCRIPTION_RETRY_SECONDS", 30)
CARETRUST_SUBSCRIPTION_TIMEOUT_SECONDS = env_int("CARETRUST_SUBSCRIPTION_TIMEOUT_SECONDS", 10)

# Email (issue #15, ADR 71): notifications go by SMTP, configured from the environment. The demo
# and development settings write each email to a file under var/mail; tests use Django's in-memory
# backend (the test runner sets it). Emails say only that something waits in caretrust.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "caretrust <no-reply@caretrust.invalid>")
# Where links in emails point (the address people use to reach caretrust).
CARETRUST_BASE_URL = env_str("CARETRUST_BASE_URL", "http://localhost:8000")

# Parquet extracts, risk scores and published indicators (secondary use).
CARETRUST_ANALYTICS_DIR = Path(env_str("CARETRUST_ANALYTICS_DIR", str(VAR_DIR / "analytics")))
# National Data Opt-out (ADR 87): a cleared cohort older than this many days is stale and every
# secondary use refuses until the check is run again [unconfirmed: a local policy figure].
CARETRUST_NDOP_MAX_AGE_DAYS = env_int("CARETRUST_NDOP_MAX_AGE_DAYS", 30)
# The council's LA code in the statutory CLD return (`caretrust export cld`, ADR 87).
CARETRUST_LA_CODE = env_str("CARETRUST_LA_CODE", "")

# A council's own figures where the national charging rules mark one unknown (TOML; see
# src/caretrust/funding/rules/demo-council-figures.toml). Empty: none supplied.
CARETRUST_COUNCIL_FIGURES = env_str("CARETRUST_COUNCIL_FIGURES", "")

STATIC_URL = "/static/"
# Where `caretrust deploy` (collectstatic) writes the built, hashed static files.
STATIC_ROOT = Path(env_str("STATIC_ROOT", "") or str(VAR_DIR / "static")).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# FHIR Bulk Data $export (ADR 117): where export files are kept, and the key of the pseudonyms a
# pseudonymised system-level export gives people (HMAC-SHA256 of the NHS number). Without a key
# one is derived from SECRET_KEY; set your own to keep pseudonyms stable across key rotations.
CARETRUST_BULK_EXPORT_DIR = Path(env_str("CARETRUST_BULK_EXPORT_DIR", str(VAR_DIR / "bulk")))
CARETRUST_PSEUDONYM_KEY = env_str("CARETRUST_PSEUDONYM_KEY", "")
