"""Sign-in throttling: after repeated failures for one user name or from one address, refuse
further attempts for a while, whatever the password. Counts live in the cache (Redis in
production via REDIS_URL, so every web worker shares them)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"caretrust:signin-failures:{kind}:{digest}"


def _keys(username: str, address: str | None) -> list[str]:
    keys = [_key("user", username)]
    if address:
        keys.append(_key("addr", address))
    return keys


def is_locked(username: str, address: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(username, address))


def record_failure(username: str, address: str | None) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(username, address):
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def clear_user(username: str) -> None:
    """Forget a user name's failures after a good sign-in. Failures counted against the address
    stay: one success must not reset someone guessing at other accounts from the same place."""
    cache.delete(_key("user", username))
