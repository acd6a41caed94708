"""The production checks in-process: secret key entropy, host names, proxies (ADR 45)."""

from __future__ import annotations

import secrets

import pytest

from caretrust.config import checks
from caretrust.config.env import ConfigurationError


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(50),
        secrets.token_urlsafe(64),
        secrets.token_hex(32),  # `openssl rand -hex 32`: 16 symbols, 256 bits
        "django-insecure-" + secrets.token_urlsafe(40),
    ],
    # named, not shown: the keys are drawn afresh in each process (xdist compares test ids)
    ids=["urlsafe-50", "urlsafe-64", "hex-32", "django-generated"],
)
def test_random_keys_are_accepted(key: str) -> None:
    assert checks.secret_key_problem(key) is None


@pytest.mark.parametrize(
    "key",
    [
        "",
        "a" * 50,
        "a" * 200,
        "ab" * 40,
        "0123456789" * 5,  # ten distinct characters, 3.3 bits each: 166 bits in all
        "caretrust-development-only-key-never-use-in-production",
        "change-me-" + secrets.token_urlsafe(50),
        secrets.token_urlsafe(20),  # random but short
    ],
    ids=[
        "empty",
        "fifty-a",
        "two-hundred-a",
        "ab-repeated",
        "digits-repeated",
        "development-key",
        "change-me-prefix",
        "random-short",
    ],
)
def test_weak_keys_are_refused(key: str) -> None:
    problem = checks.secret_key_problem(key)
    assert problem is not None and problem.startswith("SECRET_KEY")


@pytest.mark.parametrize(
    "hosts",
    [
        ["care.bayside.nhs.uk"],
        [".bayside.nhs.uk"],
        ["care.example", "care.example.org"],
        [".care.example.co.uk"],
        ["localhost"],
    ],
)
def test_explicit_hosts_are_accepted(hosts: list[str]) -> None:
    assert checks.allowed_host_problem(hosts) is None


@pytest.mark.parametrize(
    "hosts",
    [
        [],
        ["*"],
        ["*.example.org"],
        [".com"],
        ["com"],
        [".uk"],
        [".co.uk"],
        [".org.uk"],
        [".nhs.uk"],  # every NHS organisation's hosts
        ["care.example", ".example"],  # a whole (made-up) top-level domain
        ["."],
    ],
)
def test_wildcard_and_public_suffix_hosts_are_refused(hosts: list[str]) -> None:
    problem = checks.allowed_host_problem(hosts)
    assert problem is not None and problem.startswith("ALLOWED_HOSTS")


def test_trusted_proxies_parse_addresses_and_networks() -> None:
    networks = checks.parse_trusted_proxies(["10.0.0.5", "192.168.0.0/24", "::1"])
    assert [str(n) for n in networks] == ["10.0.0.5/32", "192.168.0.0/24", "::1/128"]
    with pytest.raises(ConfigurationError, match=r"^TRUSTED_PROXIES"):
        checks.parse_trusted_proxies(["proxy.internal"])
    with pytest.raises(ConfigurationError, match=r"^TRUSTED_PROXIES"):
        checks.parse_trusted_proxies(["::/0"])


def test_sqlite_needs_the_explicit_override() -> None:
    good = {
        "debug": False,
        "secret_key": secrets.token_urlsafe(50),
        "allowed_hosts": ["care.example"],
        "redis_url": "redis://127.0.0.1:6379/0",
    }
    with pytest.raises(ConfigurationError, match=r"^DATABASE_URL"):
        checks.check_production(
            **good, database_engine="django.db.backends.sqlite3", allow_sqlite=False
        )
    checks.check_production(**good, database_engine="django.db.backends.sqlite3", allow_sqlite=True)
    checks.check_production(
        **good, database_engine="django.db.backends.postgresql", allow_sqlite=False
    )
