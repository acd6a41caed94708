"""Selectors that audit themselves (ADR 89): each selector that returns people's data to a user
records a read row about each person it fetched, with the page's object type, whatever page or
presenter calls it. Counting fetches nobody and records nothing. (Team visits: in
tests/careplans/test_visits.py.)"""

from __future__ import annotations

import pytest

from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Team
from caretrust.record import selectors as record
from caretrust.referrals import selectors as referrals
from caretrust.referrals import services as referral_services
from tests.factories import demo_user, make_person, make_referral, routed_referral

pytestmark = pytest.mark.django_db


def _new_referral():
    return make_referral(person=make_person(family_name="Audited"))


def _routed_not_accepted():
    referral = _new_referral()
    coordinator = demo_user("coordinator")
    referral_services.claim(actor=coordinator, referral=referral)
    referral_services.route(
        actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt")
    )
    return referral


def _accepted():
    return routed_referral(person=make_person(family_name="Audited"))


# selector name, what it returns (given the viewer), the viewer, set-up, expected object type
CASES = [
    (
        "referrals.worklist",
        lambda user: referrals.worklist(user, referrals.WorklistQuery(view="new")),
        "coordinator",
        _new_referral,
    ),
    ("referrals.referrals_made_by", referrals.referrals_made_by, "gp", _new_referral),
    ("referrals.in_tray", referrals.in_tray, "ot", _routed_not_accepted),
    ("referrals.caseload", referrals.caseload, "ot", _accepted),
    (
        "referrals.team_caseload",
        lambda user: referrals.team_caseload(Team.objects.get(code="torquay-mdt"), viewer=user),
        "ot",
        _accepted,
    ),
    (
        "record.search_people",
        lambda user: record.search_people(viewer=user, name="Audited"),
        "coordinator",
        lambda: make_person(family_name="Audited"),
    ),
]
OBJECT_TYPES = {
    "referrals.worklist": "referrals.worklist",
    "referrals.referrals_made_by": "referrals.index",
    "referrals.in_tray": "referrals.in_tray",
    "referrals.caseload": "referrals.caseload",
    "referrals.team_caseload": "referrals.caseload",
    "record.search_people": "people.search",
}


@pytest.mark.parametrize(("name", "select", "username", "make"), CASES, ids=[c[0] for c in CASES])
def test_the_selector_records_the_read_of_each_person_it_returns(
    demo_directory, name, select, username, make
) -> None:
    thing = make()
    person = getattr(thing, "person", thing)
    user = demo_user(username)
    reads = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, actor=user, person_ref=person.audit_ref
    )
    before = reads.count()
    query = select(user)
    assert query.count() >= 1 and reads.count() == before  # counting shows nobody
    rows = list(query[:50])
    assert person in [getattr(row, "person", row) for row in rows]
    assert reads.count() == before + 1
    event = reads.order_by("-id").first()
    assert event.object_type == OBJECT_TYPES[name]
    assert event.details["results"] == len(rows)
