"""Many requests auditing at the same moment (list pages under load) each get their own place in
the chain: no duplicate sequence, no error, and the chain verifies. Meaningful on PostgreSQL;
SQLite in memory cannot share a database between threads, so it is skipped there."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from caretrust.access import audit, chain
from caretrust.organisations.models import User


@pytest.mark.django_db(transaction=True)
def test_simultaneous_list_pages_each_append_to_the_chain(demo_directory) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    readers = list(User.objects.filter(username__in=["nurse", "ot", "socialworker", "gp"]))
    rounds, people_per_page = 15, 20
    barrier = threading.Barrier(len(readers))
    errors: list[str] = []

    def read_pages(user: User) -> None:
        try:
            barrier.wait()
            for page in range(rounds):
                refs = [f"{user.username}-{page}-{n}" for n in range(people_per_page)]
                audit.record_reads(actor=user, person_refs=refs, object_type="test.list")
        except Exception as error:  # reported below, never hidden
            errors.append(f"{user.username}: {type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read_pages, args=(user,)) for user in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verification = chain.verify()
    assert verification.ok, verification.problems
    from caretrust.access.models import AuditEvent

    assert AuditEvent.objects.filter(object_type="test.list").count() == (
        len(readers) * rounds * people_per_page
    )
