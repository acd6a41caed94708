"""Checks on production settings. Each raises `ConfigurationError` with one line naming the
setting, so `caretrust` can print it and stop (see `bootstrap.StartupError`). No Django here:
`settings/production.py` calls these while it is being imported. ADR 45 explains each rule."""

from __future__ import annotations

import ipaddress
import math
from collections import Counter

from caretrust.config.env import ConfigurationError

MINIMUM_SECRET_LENGTH = 50
# Shannon entropy of the key's own characters, in bits per character. A key from
# `secrets.token_urlsafe(50)` scores about 5.4, `secrets.token_hex(32)` about 3.9, English prose
# about 4, fifty 'a's 0.
MINIMUM_BITS_PER_CHARACTER = 3.0
# Length x bits per character: an estimate of the whole key's entropy. 64 hex digits give ~250.
MINIMUM_ESTIMATED_BITS = 200
MINIMUM_DISTINCT_CHARACTERS = 10
KNOWN_DEFAULT_SECRETS = {
    "caretrust-development-only-key-never-use-in-production",
    "caretrust-test-suite-key-not-secret-but-long-enough-1234567890",
    "change-me",
    "changeme",
}

# Names under which anyone can register a domain (a small part of the Public Suffix List,
# https://publicsuffix.org/): a host list entry `.co.uk` would accept every company's host name.
# `nhs.uk` is on the Public Suffix List and is refused too: `.nhs.uk` would accept the host
# name of every NHS organisation; list `.yourtrust.nhs.uk` or the exact host instead.
PUBLIC_SUFFIXES = frozenset(
    {
        # generic and UK top-level domains
        "com", "org", "net", "info", "biz", "io", "app", "dev", "cloud", "online", "site",
        "uk", "eu", "gov", "edu", "int", "local", "localdomain", "internal",
        # UK second-level registries
        "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "sch.uk", "ac.uk", "gov.uk",
        "nhs.uk", "police.uk", "mod.uk", "nic.uk",
        # other common second-level registries
        "com.au", "net.au", "org.au", "co.nz", "org.nz", "co.za", "co.in", "co.jp", "com.br",
    }
)  # fmt: skip


def secret_key_problem(key: str) -> str | None:
    """Why this key is unsafe for production, or None when it looks random enough.

    Entropy is estimated from the key's own character frequencies: this catches repeated,
    low-variety and default keys, not a long key that is predictable in another way (a
    sentence, a keyboard run). Generate one: python -c "import secrets; print(secrets.token_urlsafe(64))".
    """
    if not key or key in KNOWN_DEFAULT_SECRETS or "change-me" in key or "changeme" in key:
        return "SECRET_KEY must be set to a unique random value in production"
    if len(key) < MINIMUM_SECRET_LENGTH:
        return f"SECRET_KEY is too short: use at least {MINIMUM_SECRET_LENGTH} random characters"
    counts = Counter(key)
    bits_per_character = -sum((n / len(key)) * math.log2(n / len(key)) for n in counts.values())
    if (
        len(counts) < MINIMUM_DISTINCT_CHARACTERS
        or bits_per_character < MINIMUM_BITS_PER_CHARACTER
        or bits_per_character * len(key) < MINIMUM_ESTIMATED_BITS
    ):
        return (
            "SECRET_KEY is not random enough (too few different characters, or repeated ones): "
            'generate one with python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
    return None


def allowed_host_problem(hosts: list[str]) -> str | None:
    """Why this host list is unsafe for production, or None."""
    if not hosts:
        return "ALLOWED_HOSTS must list this service's host names in production"
    for host in hosts:
        name = host.lower().rstrip(".")
        if "*" in name:
            return f"ALLOWED_HOSTS must not contain a wildcard ({host!r}): list the host names"
        bare = name.lstrip(".")
        if not bare or bare in PUBLIC_SUFFIXES:
            return (
                f"ALLOWED_HOSTS entry {host!r} is a top-level or public suffix that anyone can "
                "register under: list this service's own host names"
            )
        if name.startswith(".") and "." not in bare:
            return (
                f"ALLOWED_HOSTS entry {host!r} covers a whole top-level domain: "
                "list this service's own host names"
            )
    return None


def parse_trusted_proxies(
    entries: list[str],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """TRUSTED_PROXIES: addresses or networks (10.0.0.5, 10.0.0.0/24, ::1) of the proxies whose
    X-Forwarded-Proto and X-Forwarded-For headers we believe."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"TRUSTED_PROXIES entry {entry!r} is not an IP address or network (e.g. 10.0.0.5)"
            ) from None
        if networks[-1].prefixlen == 0:
            raise ConfigurationError(
                f"TRUSTED_PROXIES entry {entry!r} trusts every address: name the proxy's address"
            )
    return tuple(networks)


def check_production(
    *,
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    database_engine: str,
    allow_sqlite: bool,
    redis_url: str,
) -> None:
    """Raise ConfigurationError for the first unsafe production setting."""
    if debug:
        raise ConfigurationError("DEBUG must be off in production (set DEBUG=false)")
    problem = secret_key_problem(secret_key) or allowed_host_problem(allowed_hosts)
    if problem:
        raise ConfigurationError(problem)
    if database_engine.endswith("sqlite3") and not allow_sqlite:
        raise ConfigurationError(
            "DATABASE_URL is SQLite: production needs PostgreSQL "
            "(set CARETRUST_ALLOW_SQLITE_IN_PRODUCTION=1 to run a single-machine trial on SQLite)"
        )
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            "REDIS_URL must name a Redis server in production (redis://host:6379/0): every "
            "worker process shares the sign-in throttle through it"
        )
