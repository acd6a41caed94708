"""Scoping in the data layer: `people_visible_to(user)` is the record rule as a query, and FHIR
searches use it, so their cost does not depend on how much the client cannot see."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caretrust.access import policy, relationships
from caretrust.access.services import break_glass
from caretrust.demo.scenario import load_demo_scenario
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation, User
from caretrust.people.models import Person
from caretrust.record.models import Resource
from tests.factories import person_row

pytestmark = pytest.mark.django_db


def test_the_query_agrees_with_the_rule_for_every_user_and_person(user_for) -> None:
    load_demo_scenario()
    practice = Organisation.objects.get(code="DEMO-GP3")
    stranger = person_row(given_name="Ann", family_name="Other", gp_practice=practice)
    break_glass(
        actor=user_for("nurse"),
        person=stranger,
        justification="consent",
        reason="She asked me to check her record at the door.",
    )
    people = list(Person.objects.filter(merged_into__isnull=True))
    assert len(people) >= 2
    checked = allowed = 0
    for user in User.objects.all():
        visible = set(relationships.people_visible_to(user).values_list("pk", flat=True))
        for person in people:
            expected = policy.decide(user, "people.view_record", person).allowed
            assert (person.pk in visible) == expected, (user.username, person)
            checked += 1
            allowed += expected
    assert allowed >= 5 and checked - allowed >= 5


def _conditions(person: Person, n: int, start: int) -> None:
    Resource.objects.bulk_create(
        Resource(
            resource_type="Condition",
            logical_id=f"c{start + i}",
            last_updated="2026-01-01T00:00:00Z",
            content={"resourceType": "Condition", "subject": {"reference": "Patient/x"}},
            content_hash=str(i),
            person=person,
            source="fhir",
            source_id=f"c{start + i}",
        )
        for i in range(n)
    )


def test_a_search_costs_the_same_whatever_the_client_cannot_see(demo_directory) -> None:
    other_practice = Organisation.objects.get(code="DEMO-GP3")
    hidden = [
        person_row(given_name="H", family_name=str(i), gp_practice=other_practice) for i in range(3)
    ]
    _, token = issue_client(
        name="gp1", organisation=Organisation.objects.get(code="DEMO-GP1"), role="coordinator"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def search() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            bundle = client.get("/fhir/Condition?_count=20").json()
        return len(bundle.get("entry", [])), len(queries)

    _conditions(hidden[0], 30, 0)
    found, few_hidden = search()
    assert found == 0
    for i, person in enumerate(hidden[1:], 1):
        _conditions(person, 300, i * 1000)
    found, many_hidden = search()
    assert found == 0
    # Before, rows were fetched in chunks and dropped one by one in Python: 630 hidden rows
    # took 15 chunked queries where 30 took one.
    assert many_hidden == few_hidden, "queries grew with rows the client may not see"
