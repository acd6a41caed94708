"""My work pages cost the same number of queries whatever is on them (issue #15 "done when").

For each page: build one item of every kind the page lists (referrals waiting in the team's
in-tray, a caseload with plans and visits, tasks, today's visits), count the queries of one
request, build 49 more of each and count again. An N+1 (a query per row) makes the second count
larger. Runs on SQLite and on PostgreSQL (`DATABASE_URL=postgres://...`)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caretrust import clock
from caretrust.careplans.models import CarePlan, Visit
from caretrust.organisations.models import Organisation, Team
from caretrust.people.models import Person
from caretrust.referrals import services as referrals
from caretrust.workspace import services as tasks
from tests.factories import person_row, plan_row

_serial = count(1)


def _person() -> Person:
    n = next(_serial)
    return person_row(
        given_name=f"Given{n}",
        family_name=f"Family{n}",
        birth_date=date(1940, 1, 1) + timedelta(days=n),
        sex="female",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )


def _routed(user_for, team: Team):
    coordinator = user_for("coordinator")
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=_person(),
        source="gp",
        reason="Fell at home; lives alone.",
        requested_urgency="soon",
        consent=True,
    )
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=team)
    return referral


def build(user_for, n: int) -> None:
    """`n` items of each kind for the Torquay team, its OT and the co-ordinator."""
    team = Team.objects.get(code="torquay-mdt")
    trust = Organisation.objects.get(code="DEMO-TRUST")
    ot, coordinator = user_for("ot"), user_for("coordinator")
    today = clock.today()
    for _ in range(n):
        _routed(user_for, team)  # waits in the in-tray
        referral = _routed(user_for, team)
        referrals.accept(actor=ot, referral=referral, allocate_to=ot)  # on the OT's caseload
        person = referral.person
        plan = plan_row(
            person=person,
            referral=referral,
            status=CarePlan.Status.ACTIVE,
            coordinator=coordinator,
            created_by=coordinator,
            review_date=today + timedelta(days=90),
        )
        for day in (today, today + timedelta(days=3)):  # today's visit, and the next one
            Visit.objects.create(
                person=person,
                plan=plan,
                date=day,
                kind="home_care",
                organisation=trust,
                team=team,
            )
        tasks.create_task(
            actor=ot,
            person=person,
            title="Check the grab rails",
            due_date=today,
            assigned_user=ot,
        )
        tasks.create_task(
            actor=coordinator,
            person=person,
            title="Call the daughter",
            due_date=today,
            assigned_user=coordinator,
        )


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def _same_with_1_and_50(client, user_for, username: str, path: str, shown: str) -> None:
    client.force_login(user_for(username))
    build(user_for, 1)
    client.get(path)  # first request: session and caches, not what is compared
    one = queries_for(client, path)
    build(user_for, 49)
    page = client.get(path).content.decode()
    assert shown in page  # the page really lists the items
    fifty = queries_for(client, path)
    assert fifty == one, f"{path} as {username}: {one} queries with 1 item, {fifty} with 50"


@pytest.mark.django_db
@pytest.mark.slow
def test_the_practitioners_my_work_page(client, user_for) -> None:
    _same_with_1_and_50(client, user_for, "ot", "/", "Check the grab rails")


@pytest.mark.django_db
@pytest.mark.slow
def test_the_coordinators_my_work_page(client, user_for) -> None:
    _same_with_1_and_50(client, user_for, "coordinator", "/", "Call the daughter")


@pytest.mark.django_db
@pytest.mark.slow
def test_the_team_in_tray(client, user_for) -> None:
    _same_with_1_and_50(client, user_for, "ot", "/referrals/in-tray/", "Fell at home")


@pytest.mark.django_db
def test_a_busy_in_tray_is_paged_with_its_total(client, user_for) -> None:
    team = Team.objects.get(code="torquay-mdt")
    for _ in range(51):
        _routed(user_for, team)
    client.force_login(user_for("ot"))
    first = client.get("/referrals/in-tray/").content.decode()
    assert "51 referrals waiting: page 1 of 2" in first
    assert first.count('<tr class="nhsuk-table__row">') == 51  # the header row and 50 referrals
    assert 'href="?page=2"' in first
    second = client.get("/referrals/in-tray/?page=2").content.decode()
    assert "page 2 of 2" in second
    assert second.count('<tr class="nhsuk-table__row">') == 2


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["new", "open", "waiting_team"])
@pytest.mark.slow
def test_the_coordinators_worklist(client, user_for, view) -> None:
    team = Team.objects.get(code="torquay-mdt")

    def referrals(n: int) -> None:
        for _ in range(n):
            _routed(user_for, team)  # claimed and routed: open, waiting for the team
            referrals_service_submit(user_for)  # new, not claimed

    client.force_login(user_for("coordinator"))
    path = f"/referrals/worklist/?view={view}"
    referrals(1)
    client.get(path)
    one = queries_for(client, path)
    referrals(49)
    assert "R-" in client.get(path).content.decode()
    fifty = queries_for(client, path)
    assert fifty == one, f"{path}: {one} queries with 1 referral, {fifty} with 50"


def referrals_service_submit(user_for):
    return referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=_person(),
        source="gp",
        reason="Fell at home; lives alone.",
        requested_urgency="routine",
        consent=True,
    )
