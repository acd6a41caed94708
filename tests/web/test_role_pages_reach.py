"""Every role reaches its work by clicking from its home page (issue #15): the role → pages list
in docs/role-pages.json, checked against the demo story with the shared click-reach tool (it signs
in, follows links breadth-first and types no URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import person_row

ROOT = Path(__file__).resolve().parents[2]
TOOL = Path(os.environ.get("CARETRUST_CLICK_REACH", "/work/shared/tools/click-reach.py"))


def role_specs() -> list[str]:
    pages = json.loads((ROOT / "docs" / "role-pages.json").read_text())
    return [f"{role}={','.join(patterns)}" for role, patterns in pages.items() if role[0] != "_"]


def test_the_role_pages_list_names_demo_roles() -> None:
    from caretrust.organisations.demo import USERS

    names = {user.username for user in USERS}
    assert {spec.split("=", 1)[0] for spec in role_specs()} <= names


@pytest.mark.skipif(not TOOL.exists(), reason=f"click-reach tool not at {TOOL}")
@pytest.mark.slow
def test_each_role_reaches_its_pages_by_clicking(live_server, demo_directory) -> None:
    from django.core.cache import cache

    from caretrust.demo.scenario import load_demo_scenario

    # Twelve sign-ins from 127.0.0.1: failed sign-ins other tests in this process recorded in
    # the cache (the throttle's counts, ADR 45) must not lock an account here.
    cache.clear()
    assert load_demo_scenario()
    _a_referral_waiting_for_the_co_ordinators()
    result = subprocess.run(
        [sys.executable, str(TOOL), live_server.url, *role_specs()],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _a_referral_waiting_for_the_co_ordinators() -> None:
    """The demo's waiting referrals come from its synthetic place's risk list, which this test
    does not load: one GP referral stands in for them."""
    from datetime import date, timedelta

    from caretrust.organisations.models import Organisation, User
    from caretrust.referrals import services

    person = person_row(
        given_name="Arthur",
        family_name="Penrose",
        birth_date=date(1938, 3, 2),
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    services.submit_professional_referral(
        actor=User.objects.get(username="gp"),
        person=person,
        source="gp",
        reason="Second fall this month; struggling on the stairs.",
        consent=True,
    )
    # ...and one signposted to the directory's befriending service, waiting for the voluntary
    # organisation to accept (ADR 110).
    from caretrust.directory.selectors import services as directory_services

    lonely = services.submit_professional_referral(
        actor=User.objects.get(username="gp"),
        person=person_row(
            given_name="May",
            family_name="Lovell",
            birth_date=date(1940, 6, 9),
            gp_practice=Organisation.objects.get(code="DEMO-GP1"),
        ),
        source="gp",
        reason="Lonely since her husband died; not going out.",
        consent=True,
    )
    coordinator = User.objects.get(username="coordinator")
    services.claim(actor=coordinator, referral=lonely)
    services.signpost_to_service(
        actor=coordinator,
        referral=lonely,
        service=directory_services(text="befriending").get(),
    )
    # ...and the demo's hospital discharge referral (pathway 1, ready yesterday; ADR 84).
    from caretrust import clock
    from tests.factories import make_person

    services.submit_professional_referral(
        actor=User.objects.get(username="discharge"),
        person=make_person(given_name="Iris", family_name="Wade"),
        source="hospital_discharge",
        reason="Medically fit after pneumonia; needs help at home to get going again.",
        consent=True,
        extra={"discharge": {"ready_date": clock.today() - timedelta(days=1), "pathway": 1}},
    )
