"""caretrust.lookups: `__in_array` sends a set as one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caretrust.lookups import IdSet, TextSet
from caretrust.record.models import Resource
from tests.factories import person_row

pytestmark = pytest.mark.django_db

AWKWARD = ["plain", 'a "quoted" id', "back\\slash", "comma,brace}{", "it's", "NULL", ""]


def _resource(logical_id: str) -> Resource:
    return Resource.objects.create(
        resource_type="Basic",
        logical_id=logical_id,
        last_updated=timezone.now(),
        content={"resourceType": "Basic"},
        content_hash="x",
        source="fhir",
        source_id=logical_id or "empty",
    )


def test_text_set_matches_every_value_as_itself() -> None:
    for value in [*AWKWARD, "other"]:
        _resource(value)
    found = Resource.objects.filter(logical_id__in_array=TextSet(AWKWARD))
    assert sorted(found.values_list("logical_id", flat=True)) == sorted(AWKWARD)
    if connection.vendor == "postgresql":
        sql, _ = found.query.sql_with_params()
        assert "ANY(" in sql and "::text[]" in sql


def test_id_set_and_an_empty_set_send_no_statement() -> None:
    people = [person_row(given_name="Edith", family_name=f"Smith{i}") for i in range(3)]
    wanted = {people[0].pk, people[2].pk}
    assert (
        set(type(people[0]).objects.filter(pk__in_array=IdSet(wanted)).values_list("pk", flat=True))
        == wanted
    )
    with CaptureQueriesContext(connection) as queries:
        assert list(Resource.objects.filter(logical_id__in_array=TextSet([]))) == []
        assert not Resource.objects.filter(pk__in_array=IdSet([])).exists()
    assert len(queries) == 0
