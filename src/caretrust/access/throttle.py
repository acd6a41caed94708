"""Sign-in throttling, for passwords and second-factor codes alike.

Within LOGIN_FAILURE_WINDOW_SECONDS:
- LOGIN_FAILURE_LIMIT failures for one account from one address lock that account from that
  address (someone guessing one colleague's password);
- LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, for any accounts, lock the address (much
  higher: a whole hospital's staff can share one network address, and one person's typos must not
  lock everyone else out);
- LOGIN_ACCOUNT_FAILURE_LIMIT failures for one account from any addresses lock the account (higher
  too: guessing spread over many addresses).

Counts live in the cache: Redis in production (REDIS_URL, required there), so every worker process
shares them. `scope` keeps the counts for passwords and for second-factor codes apart."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, kind: str, *values: str) -> str:
    joined = "\x1f".join(value.strip().lower() for value in values)
    digest = hashlib.sha256(joined.encode()).hexdigest()[:32]
    return f"caretrust:signin-failures:{scope}:{kind}:{digest}"


def _limits(username: str, address: str | None, scope: str) -> list[tuple[str, int]]:
    limits = [(_key(scope, "user", username), settings.LOGIN_ACCOUNT_FAILURE_LIMIT)]
    if address:
        limits.append((_key(scope, "pair", username, address), settings.LOGIN_FAILURE_LIMIT))
        limits.append((_key(scope, "addr", address), settings.LOGIN_ADDRESS_FAILURE_LIMIT))
    else:  # no address known: the account's own limit is the pair limit
        limits[0] = (limits[0][0], settings.LOGIN_FAILURE_LIMIT)
    return limits


def is_locked(username: str, address: str | None, *, scope: str = "password") -> bool:
    limits = _limits(username, address, scope)
    counts = cache.get_many([key for key, _ in limits])
    return any((counts.get(key) or 0) >= limit for key, limit in limits)


def record_failure(username: str, address: str | None, *, scope: str = "password") -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _ in _limits(username, address, scope):
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def clear_user(username: str, address: str | None = None, *, scope: str = "password") -> None:
    """Forget this account's failures from this address after a good sign-in. Failures counted
    against the address, and against the account from everywhere, stay: one success must not reset
    someone guessing at other accounts from the same place, or at this one from elsewhere."""
    if address:
        cache.delete(_key(scope, "pair", username, address))
    else:
        cache.delete(_key(scope, "user", username))
