"""Staff sign-in with a second factor (TOTP) when CARETRUST_REQUIRE_TOTP is on (ADR 45). Codes are
computed in the test from the enrolled key with django-otp's own TOTP, as an authenticator app
would."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from caretrust.access.models import AuditEvent
from caretrust.organisations.demo import DEMO_PASSWORD

SETUP = "/sign-in/set-up-authenticator/"
VERIFY = "/sign-in/security-code/"


@pytest.fixture(autouse=True)
def _totp_required(settings) -> Iterator[None]:
    settings.CARETRUST_REQUIRE_TOTP = True
    cache.clear()
    yield
    cache.clear()  # no account left locked for the next test in this process (15-minute window)


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def sign_in(client, username: str):
    return client.post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})


def enrol(client, username: str) -> TOTPDevice:
    sign_in(client, username)
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 302, response.content.decode()[:800]
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_staff_must_set_up_an_authenticator_before_any_page(client, demo_directory) -> None:
    response = sign_in(client, "nurse")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith(SETUP)
    assert client.get("/people/")["Location"].startswith(SETUP)


def test_setup_page_shows_the_key_as_text_qr_code_and_otpauth_link(client, demo_directory) -> None:
    sign_in(client, "nurse")
    html = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user__username="nurse")
    uri = re.search(r'id="totp-uri">([^<]+)<', html).group(1).replace("&amp;", "&")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert "caretrust" in unquote(parts.path)
    secret = parse_qs(parts.query)["secret"][0]
    shown = re.search(r'id="totp-secret">([^<]+)<', html).group(1).replace(" ", "")
    assert shown == secret
    assert 'src="data:image/svg+xml' in html and "QR code" in html
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key


def test_enrolment_then_the_code_is_asked_at_every_sign_in(client, demo_directory) -> None:
    device = enrol(client, "nurse")
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(
        action="sign_in", actor_username="nurse", details__second_factor="passed"
    ).exists()
    client.post("/sign-out/")

    sign_in(client, "nurse")
    assert client.get("/")["Location"].startswith(VERIFY)
    # The code just used is refused a second time; the next one from the app is accepted.
    wrong = client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "The code is not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(
        action="sign_in_failed", actor_username="nurse", details__second_factor="failed"
    ).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp's own delay after a wrong code
    device.save()
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1), "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.get("/").status_code == 200


def test_a_stolen_password_cannot_enrol_a_new_authenticator(client, demo_directory) -> None:
    enrol(client, "nurse")
    client.post("/sign-out/")
    sign_in(client, "nurse")
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"] == "/sign-in/security-code/"
    assert TOTPDevice.objects.filter(user__username="nurse").count() == 1


def test_wrong_codes_are_throttled_like_passwords(client, demo_directory, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # our throttle alone, to count
    device = enrol(client, "nurse")
    client.post("/sign-out/")
    sign_in(client, "nurse")
    good = code_for(device, steps_ahead=1)
    bad = "123456" if good != "123456" else "654321"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(VERIFY, {"code": bad})
    response = client.post(VERIFY, {"code": good})
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)


def test_the_person_and_their_carer_are_not_asked(client, demo_directory) -> None:
    sign_in(client, "edith")
    assert client.get("/").status_code == 200


def test_off_by_default_outside_production(client, demo_directory, settings) -> None:
    settings.CARETRUST_REQUIRE_TOTP = False
    sign_in(client, "nurse")
    assert client.get("/").status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing to verify: on to the home page


def test_an_administrator_resets_a_lost_authenticator(client, demo_directory) -> None:
    from django.core.management import call_command

    enrol(client, "nurse")
    client.post("/sign-out/")
    call_command("reset_authenticator", "nurse", reason="Lost phone, ticket 42")
    assert not TOTPDevice.objects.filter(user__username="nurse").exists()
    event = AuditEvent.objects.get(details__second_factor="authenticator reset")
    assert event.reason == "Lost phone, ticket 42"
    sign_in(client, "nurse")
    assert client.get("/")["Location"].startswith(SETUP)
