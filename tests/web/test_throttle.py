"""The sign-in throttle locks one account from one address, not every account behind a shared
address; higher ceilings per address and per account stop wider guessing (issue #13, ADR 45)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from caretrust.access import throttle
from caretrust.organisations.demo import DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _fresh(settings) -> Iterator[None]:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 6
    cache.clear()
    yield
    # The failures recorded here would otherwise stay in this worker's cache for the window
    # (15 minutes) and lock the demo nurse out of a later test that signs in from 127.0.0.1.
    cache.clear()


def test_one_account_from_one_address_is_locked_there_only() -> None:
    for _ in range(3):
        throttle.record_failure("nurse", "10.1.1.1")
    assert throttle.is_locked("nurse", "10.1.1.1")
    assert not throttle.is_locked("nurse", "10.2.2.2")  # the nurse at another site
    assert not throttle.is_locked("ot", "10.1.1.1")  # a colleague behind the same address


def test_the_address_ceiling_is_much_higher_and_locks_every_account_there() -> None:
    for n in range(8):
        throttle.record_failure(f"user{n}", "10.1.1.1")  # one failure each: no pair is locked
    assert throttle.is_locked("someone-else", "10.1.1.1")
    assert not throttle.is_locked("someone-else", "10.2.2.2")


def test_the_account_ceiling_catches_guessing_from_many_addresses() -> None:
    for n in range(6):
        throttle.record_failure("nurse", f"10.0.0.{n}")
    assert throttle.is_locked("nurse", "10.9.9.9")
    assert not throttle.is_locked("ot", "10.9.9.9")


def test_a_good_sign_in_clears_the_pair_not_the_address() -> None:
    for _ in range(2):
        throttle.record_failure("nurse", "10.1.1.1")
    throttle.clear_user("nurse", "10.1.1.1")
    throttle.record_failure("nurse", "10.1.1.1")
    assert not throttle.is_locked("nurse", "10.1.1.1")
    for n in range(7):
        throttle.record_failure(f"u{n}", "10.1.1.1")
    assert throttle.is_locked("anyone", "10.1.1.1")  # 1 + 7 failures from the address remain


def test_password_and_code_failures_are_counted_apart() -> None:
    for _ in range(3):
        throttle.record_failure("nurse", "10.1.1.1", scope="totp")
    assert throttle.is_locked("nurse", "10.1.1.1", scope="totp")
    assert not throttle.is_locked("nurse", "10.1.1.1")


def test_colleagues_behind_one_address_still_sign_in(demo_directory) -> None:
    guesser, colleague = Client(), Client()
    for _ in range(3):
        guesser.post("/sign-in/", {"username": "nurse", "password": "guess"})
    locked = guesser.post("/sign-in/", {"username": "nurse", "password": DEMO_PASSWORD})
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The same address (the test client's 127.0.0.1), another account: not locked.
    response = colleague.post("/sign-in/", {"username": "ot", "password": DEMO_PASSWORD})
    assert response.status_code == 302
