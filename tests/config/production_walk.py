"""Walk every page each demo role reaches, in a process running the real production settings
module against the static files `caretrust deploy` built (run by test_serving.py, which checks the
JSON this prints). Demo data is refused by production settings; this process alone allows it, to
have people and plans to walk through. Staff pass the second factor (on in production) with a code
computed from an authenticator enrolled here."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.web

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp.oath import TOTP  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from caretrust.organisations.demo import DEMO_PASSWORD, USERS  # noqa: E402
from caretrust.organisations.models import User  # noqa: E402
from tests.web.walker import check_statics, load_story, walk  # noqa: E402

ORIGIN = "https://care.example"


def main() -> None:
    assert settings.SETTINGS_MODULE == "caretrust.config.settings.production"
    assert not settings.DEBUG and settings.CARETRUST_REQUIRE_TOTP
    settings.CARETRUST_ALLOW_DEMO_DATA = True  # this process only
    starts = load_story()
    report: dict = {"roles": {}, "problems": [], "statics": 0}
    statics: set[str] = set()
    for spec in USERS:
        client = Client(HTTP_HOST="care.example", HTTP_X_FORWARDED_PROTO="https")
        response = client.post("/sign-in/", {"username": spec.username, "password": DEMO_PASSWORD})
        if response.status_code != 302:
            report["problems"].append(f"{spec.username}: sign-in answered {response.status_code}")
            continue
        if spec.role not in {"person", "carer"}:
            user = User.objects.get(username=spec.username)
            device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True)
            code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            code.time = time.time()
            verified = client.post("/sign-in/security-code/", {"code": f"{code.token():06d}"})
            if verified.status_code != 302:
                report["problems"].append(f"{spec.username}: second factor not accepted")
                continue
        seen, named, problems = walk(client, starts, ORIGIN)
        statics |= named
        report["roles"][spec.username] = {
            "pages": len(seen),
            "ok": sum(status == 200 for status in seen.values()),
        }
        report["problems"] += [f"{spec.username} {problem}" for problem in problems]
    client = Client(HTTP_HOST="care.example", HTTP_X_FORWARDED_PROTO="https")
    report["problems"] += check_statics(client, statics)
    report["statics"] = len(statics)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
