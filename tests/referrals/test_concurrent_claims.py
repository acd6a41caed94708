"""Two (or eight) co-ordinators claiming the same referral at the same moment, in real threads with
their own database connections: exactly one wins. Meaningful on PostgreSQL; SQLite in memory cannot
share a database between threads, so it is skipped there."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from caretrust.organisations.models import Team, User
from caretrust.referrals import services
from caretrust.referrals.models import Referral


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_simultaneous_claims_wins(user_for, referral) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    team = Team.objects.get(code="torquay-mdt")
    coordinators = []
    for n in range(8):
        user = User.objects.create_user(f"c{n}", first_name=f"Co{n}", role="coordinator")
        team.memberships.create(user=user)
        coordinators.append(user)
    barrier = threading.Barrier(len(coordinators))
    outcomes: list[str] = []

    def attempt(user: User) -> None:
        stale = Referral.objects.get(pk=referral.pk)
        barrier.wait()
        try:
            services.claim(actor=user, referral=stale)
            outcomes.append("won")
        except services.AlreadyClaimed as lost:
            outcomes.append(f"lost to {lost.referral.claimed_by.username}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    referral.refresh_from_db()
    assert outcomes.count("won") == 1
    assert all(o == f"lost to {referral.claimed_by.username}" for o in outcomes if o != "won")
    assert referral.events.filter(to_status="received").count() == 1
    assert referral.version == 2
