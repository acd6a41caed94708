"""Sign-in, throttling, sign-out and each role's home page, through Django's test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from caretrust.access.models import AuditEvent
from caretrust.organisations.demo import DEMO_PASSWORD

ROLE_HOME_TITLES = {
    "coordinator": "Health and social care co-ordinator home",
    "nurse": "Practitioner home",
    "finance": "Finance officer home",
    "analyst": "Commissioner or analyst home",
    "privacy": "Privacy officer home",
    "admin": "Administrator home",
}


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()  # no account left locked for the next test in this process (15-minute window)


def sign_in(client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/sign-in/", {"username": username, "password": password}, follow=True)


def test_pages_need_sign_in(client, demo_directory) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(("username", "title"), ROLE_HOME_TITLES.items())
def test_each_role_lands_on_its_home_page(client, demo_directory, username, title) -> None:
    response = sign_in(client, username)
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert "Sign out" in html
    assert AuditEvent.objects.filter(action="sign_in", actor_username=username).exists()


def test_only_the_privacy_officer_home_shows_the_audit_log(client, demo_directory) -> None:
    assert "Latest audit events" in sign_in(client, "privacy").content.decode()
    client.post("/sign-out/")
    assert "Latest audit events" not in sign_in(client, "admin").content.decode()


def test_wrong_password_is_refused_and_audited(client, demo_directory) -> None:
    response = sign_in(client, "nurse", "not-the-password")
    assert "Enter a correct user name and password" in response.content.decode()
    assert AuditEvent.objects.filter(action="sign_in_failed", object_id="nurse").count() == 1


def test_repeated_failures_lock_sign_in_even_with_the_right_password(
    client, demo_directory
) -> None:
    for _ in range(5):
        sign_in(client, "nurse", "guess")
    response = sign_in(client, "nurse")
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sign_in_locked").exists()


def test_sign_out_needs_post_and_ends_the_session(client, demo_directory) -> None:
    sign_in(client, "nurse")
    assert client.get("/sign-out/").status_code == 405
    client.post("/sign-out/")
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="sign_out", actor_username="nurse").exists()


def test_csrf_is_enforced_on_sign_in(demo_directory) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/sign-in/", {"username": "nurse", "password": DEMO_PASSWORD})
    assert response.status_code == 403
