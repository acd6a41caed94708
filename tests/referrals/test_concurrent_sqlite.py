"""On SQLite (file-backed, as `caretrust serve` runs it) concurrent claims and plan edits in real
threads give the same "already claimed" and conflict answers as on PostgreSQL, never "database
is locked" (issue 13: busy timeout + IMMEDIATE transactions). In-memory SQLite cannot be shared
between threads with normal locking, so this runs in a child process on a file database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import json, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connections
call_command("migrate", verbosity=0)
from datetime import date
from caretrust.demo import load_demo_directory as load_demo_organisations
from caretrust.organisations.models import Organisation, Team, User
from caretrust.people.models import Person
from caretrust.referrals import services as referrals
from caretrust.referrals.models import Referral
from caretrust.assessments import services as assessments
from caretrust.careplans import services as careplans
from caretrust.careplans.models import CarePlan
from caretrust import guard

def person_row(**fields):  # tests.factories.person_row: the named bulk path (ADR 89)
    with guard.bulk_load(Person, why="test_concurrent_sqlite"):
        return Person.objects.create(**fields)

load_demo_organisations()
get = lambda name: User.objects.get(username=name)
person = person_row(given_name="Mary", family_name="Jones", birth_date=date(1941, 5, 12),
    sex="female", gp_practice=Organisation.objects.get(code="DEMO-GP1"))
referral = referrals.submit_professional_referral(actor=get("gp"), person=person, source="gp",
    reason="Fell at home; lives alone with heart failure.", consent=True)
team = Team.objects.get(code="torquay-mdt")
coordinators = []
for n in range(8):
    user = User.objects.create_user(f"c{n}", first_name=f"Co{n}", role="coordinator")
    team.memberships.create(user=user)
    coordinators.append(user)

def race(work, users):
    barrier = threading.Barrier(len(users))
    outcomes = []
    def attempt(user):
        try:
            barrier.wait()
            outcomes.append(work(user))
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()
    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads: t.start()
    for t in threads: t.join()
    return outcomes

def claim(user):
    stale = Referral.objects.get(pk=referral.pk)
    try:
        referrals.claim(actor=user, referral=stale)
        return "won"
    except referrals.AlreadyClaimed as lost:
        return "already claimed"

claims = race(claim, coordinators)

coordinator = get("coordinator")
second = referrals.submit_professional_referral(actor=get("gp"), person=person, source="gp",
    reason="Second referral: carer unwell, needs support at home.", consent=True)
referrals.claim(actor=coordinator, referral=second)
referrals.route(actor=coordinator, referral=second, team=team)
ot, sw = get("ot"), get("socialworker")
referrals.accept(actor=ot, referral=second, allocate_to=ot)
assessment = assessments.start_assessment(actor=ot, person=person, referral=second)
assessments.contribute(actor=ot, assessment=assessment, section="therapy", text="Bath unsafe")
plan = careplans.create_plan(actor=coordinator, person=person, referral=second, assessment=assessment)
editors = [coordinator] * 6

def edit(user):
    stale = CarePlan.objects.get(pk=plan.pk)
    try:
        careplans.update_plan(actor=user, plan=stale, expected_version=stale.version,
                              goals=[f"Goal from {threading.get_ident()}"])
        return "saved"
    except careplans.CarePlanConflict:
        return "conflict"

edits = race(edit, editors)
print(json.dumps({"claims": claims, "edits": edits}))
"""


@pytest.mark.slow
def test_sqlite_file_database_queues_writers_instead_of_locking(tmp_path: Path) -> None:
    database = tmp_path / "caretrust.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "caretrust.config.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    claims, edits = result["claims"], result["edits"]
    assert sorted(claims) == ["already claimed"] * 7 + ["won"], claims
    assert edits.count("saved") >= 1 and set(edits) <= {"saved", "conflict"}, edits
    assert edits.count("saved") == 1, edits
