"""caretrust.bulk: COPY on PostgreSQL, bulk_create elsewhere; the same rows either way."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from caretrust import bulk
from caretrust.people.models import Person, PersonIdentifier
from tests.factories import person_row

pytestmark = pytest.mark.django_db


def test_insert_returns_ids_in_order_and_fills_model_defaults() -> None:
    rows = [{"given_name": "Edith", "family_name": f"Smith{i}"} for i in range(3)]
    ids = bulk.insert(Person, rows, returning_ids=True)
    people = Person.objects.in_bulk(ids)
    assert [people[i].family_name for i in ids] == ["Smith0", "Smith1", "Smith2"]
    edith = people[ids[0]]
    # defaults as the ORM would give them: a fresh ref each, timestamps, version 1, blanks
    assert len({p.ref for p in people.values()}) == 3
    assert edith.created_at is not None and edith.version == 1
    assert (edith.sex, edith.address, edith.linkage_pending) == ("unknown", "", False)
    # the ORM's next insert takes the next id from the same sequence
    assert person_row(given_name="A", family_name="B").pk > max(ids)


def test_ignore_conflicts_skips_rows_already_there() -> None:
    person = person_row(given_name="Edith", family_name="Smith")
    row = {"person_id": person.pk, "system": "s", "value": "1"}
    bulk.insert(PersonIdentifier, [row])
    bulk.insert(PersonIdentifier, [row, {**row, "value": "2"}], ignore_conflicts=True)
    assert sorted(person.identifiers.values_list("value", flat=True)) == ["1", "2"]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(PersonIdentifier, [row])


def test_growth_keeps_plans_right_inside_a_long_import() -> None:
    """Inside one transaction, after the rows added pass a doubling mark, PostgreSQL plans a
    source-id look-up on the whole unique index instead of filtering every row of the type."""
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE and plans are PostgreSQL's")
    now = timezone.now()
    rows = [
        {
            "resource_type": "Patient",
            "logical_id": f"p{i}",
            "last_updated": now,
            "content": {"resourceType": "Patient"},
            "content_hash": "x",
            "source": "fhir",
            "source_id": f"p{i}",
        }
        for i in range(bulk.Growth.FIRST)
    ]
    bulk.insert(Resource, rows, returning_ids=True)

    def plan() -> str:
        return _look_up_plan("Patient", ["p1", "p2"])

    growth = bulk.Growth(Resource)
    growth.add(bulk.Growth.FIRST - 1)
    assert "Filter" in plan()  # the planner still thinks the table is empty
    growth.add(1)
    assert "Filter" not in plan() and "source_id" in plan().split("Index Cond")[1]


def test_growth_analyzes_when_a_new_kind_of_row_doubles_between_the_tables_doublings() -> None:
    """A file of Conditions then MedicationRequests: once the Conditions were analyzed, the
    planner took the MedicationRequests for none and filtered every one of them on each
    look-up, until the table's total doubled. A kind's own rows doubling analyzes too."""
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE and plans are PostgreSQL's")
    now = timezone.now()

    def rows(resource_type: str, count: int) -> list[dict]:
        return [
            {
                "resource_type": resource_type,
                "logical_id": f"{resource_type}{i}",
                "last_updated": now,
                "content": {"resourceType": resource_type},
                "content_hash": "x",
                "source": "fhir",
                "source_id": f"{resource_type}{i}",
            }
            for i in range(count)
        ]

    def plan() -> str:
        return _look_up_plan("MedicationRequest", ["MedicationRequest1", "x"])

    growth = bulk.Growth(Resource)
    conditions = bulk.Growth.FIRST + 1_000
    bulk.insert(Resource, rows("Condition", conditions))
    growth.add(conditions, kind="Condition")  # analyzed: the next doubling is at 12,000
    bulk.insert(Resource, rows("MedicationRequest", bulk.Growth.FIRST))
    growth.add(bulk.Growth.FIRST - 1, kind="MedicationRequest")
    assert "Filter" in plan()  # every MedicationRequest read and filtered
    growth.add(1, kind="MedicationRequest")  # 5,000 of them: analyzed, though 11,000 < 12,000
    assert "Filter" not in plan() and "source_id" in plan().split("Index Cond")[1]


def test_foreign_keys_checked_per_statement_refuse_a_dangling_row_when_it_is_copied() -> None:
    """Deferred (Django's default), a row naming no one is refused only at commit; checked per
    statement, the COPY that brings it is refused, so a long import's checks are spread through
    it instead of all run at its end."""
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    if connection.vendor != "postgresql":
        pytest.skip("SET CONSTRAINTS is PostgreSQL's")
    row = {
        "resource_type": "Condition",
        "logical_id": "c1",
        "last_updated": timezone.now(),
        "content": {"resourceType": "Condition"},
        "content_hash": "x",
        "source": "fhir",
        "source_id": "c1",
        "person_id": 987_654_321,  # no such person
    }
    with transaction.atomic():
        sid = transaction.savepoint()
        bulk.insert(Resource, [row])  # deferred: accepted for now
        transaction.savepoint_rollback(sid)
        bulk.check_foreign_keys_per_statement(Resource)
        with pytest.raises(IntegrityError), transaction.atomic():
            bulk.insert(Resource, [row])
    person = person_row(given_name="Edith", family_name="Smith")
    with transaction.atomic():
        bulk.check_foreign_keys_per_statement(Resource)
        bulk.insert(Resource, [{**row, "person_id": person.pk}])
    assert Resource.objects.get(logical_id="c1").person_id == person.pk


def _look_up_plan(resource_type: str, source_ids: list[str]) -> str:
    """PostgreSQL's plan for an import's look-up of held copies by source id."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM record_resource WHERE source = 'fhir' AND resource_type = %s "
            "AND source_id = ANY(%s::text[])",
            [resource_type, source_ids],
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def _resource_values(logical_id: str, now) -> tuple:
    # in the order of RESOURCE_NAMES
    content = {"resourceType": "Condition"}
    return ("Condition", logical_id, now, content, "x", "fhir", logical_id, [])


RESOURCE_NAMES = (
    "resource_type",
    "logical_id",
    "last_updated",
    "content",
    "content_hash",
    "source",
    "source_id",
    "unresolved",  # its default is a callable (list): insert_rows wants it named
)


def test_insert_rows_takes_values_in_the_named_order_and_defaults_the_rest() -> None:
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    now = timezone.now()
    rows = [_resource_values(f"c{i}", now) for i in range(3)]
    bulk.insert_rows(Resource, RESOURCE_NAMES, iter(rows), count=3)
    held = Resource.objects.order_by("logical_id")
    assert [r.logical_id for r in held] == ["c0", "c1", "c2"]
    first = held[0]
    assert first.content == {"resourceType": "Condition"} and first.source_id == "c0"
    # the fields not named get the model's defaults, as an ORM insert would
    made = Resource(**dict(zip(RESOURCE_NAMES, _resource_values("orm", now), strict=True)))
    for field in ("version_id", "unresolved", "quarantined", "rejected_reason", "sector"):
        assert getattr(first, field) == getattr(made, field), field
    more = [_resource_values(f"d{i}", now) for i in range(3)]
    with pytest.raises(ValueError, match="3 rows given, 4 announced"), transaction.atomic():
        bulk.insert_rows(Resource, RESOURCE_NAMES, iter(more), count=4)
    if connection.vendor == "postgresql":  # (elsewhere the ORM calls each row's default)
        with pytest.raises(TypeError, match="unresolved"), transaction.atomic():
            bulk.insert_rows(Resource, RESOURCE_NAMES[:-1], [r[:-1] for r in more], count=3)


def _copy_open() -> bool:
    stream = getattr(bulk._open_copies, "current", None)
    return bool(stream and stream.statement)


def test_a_copy_kept_open_goes_on_across_calls_and_ends_before_any_other_statement() -> None:
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    now = timezone.now()
    with transaction.atomic(), bulk.copies_kept_open(rows_per_copy=5):
        bulk.insert_rows(Resource, RESOURCE_NAMES, [_resource_values("a", now)], count=1)
        assert _copy_open()
        bulk.insert_rows(Resource, RESOURCE_NAMES, [_resource_values("b", now)], count=1)
        assert _copy_open()  # the same COPY, still open
        # a query ends it first, and sees every row sent
        assert Resource.objects.filter(logical_id__in=["a", "b"]).count() == 2
        assert not _copy_open()
        rows = [_resource_values(f"c{i}", now) for i in range(5)]
        bulk.insert_rows(Resource, RESOURCE_NAMES, rows, count=5)
        assert not _copy_open()  # ended at rows_per_copy
        bulk.insert_rows(Resource, RESOURCE_NAMES, [_resource_values("d", now)], count=1)
        bulk.insert(Person, [{"given_name": "Edith", "family_name": "Smith"}])  # its own COPY
        assert not _copy_open()
        bulk.insert_rows(Resource, RESOURCE_NAMES, [_resource_values("e", now)], count=1)
    assert not _copy_open()  # ended on leaving
    assert Resource.objects.count() == 9 and Person.objects.filter(family_name="Smith").exists()


def test_a_failure_inside_a_copy_kept_open_is_raised_and_nothing_is_kept() -> None:
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    now = timezone.now()
    broke = pytest.raises(RuntimeError, match="the reader broke")
    with broke, transaction.atomic(), bulk.copies_kept_open():
        bulk.insert_rows(Resource, RESOURCE_NAMES, [_resource_values("a", now)], count=1)
        raise RuntimeError("the reader broke")
    # a row the server refuses (the same id twice) fails the COPY where it ends
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.copies_kept_open():
        twice = [_resource_values("b", now), _resource_values("b", now)]
        bulk.insert_rows(Resource, RESOURCE_NAMES, twice, count=2)
    assert Resource.objects.count() == 0


def test_a_watched_growth_analyzes_only_before_a_statement_that_names_its_table() -> None:
    """A first load that looks nothing up runs no ANALYZE (ADR 138): one falls due as the rows
    double, and runs before the next statement naming the table, so that look-up is still planned
    on statistics that know the new rows."""
    from django.db import connection
    from django.utils import timezone

    from caretrust.record.models import Resource

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")

    def rows_known() -> float:
        with connection.cursor() as cursor:  # names the table only as a parameter
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", ["record_" + "resource"]
            )
            return cursor.fetchone()[0]

    now = timezone.now()
    growth = bulk.Growth(Resource)
    with transaction.atomic(), growth.watch():
        before = rows_known()
        rows = [_resource_values(f"c{i}", now) for i in range(bulk.Growth.FIRST)]
        bulk.insert_rows(Resource, RESOURCE_NAMES, rows, count=len(rows))
        growth.add(len(rows), kind="Condition")
        assert growth.due and rows_known() == before  # due, not run
        assert "Filter" not in _look_up_plan("Condition", ["c1", "c2"])  # analyzed first
        assert not growth.due and rows_known() == bulk.Growth.FIRST
    # unwatched, as the CLD import uses it: at once
    growth = bulk.Growth(Resource)
    with transaction.atomic():
        more = [_resource_values(f"d{i}", now) for i in range(bulk.Growth.FIRST)]
        bulk.insert_rows(Resource, RESOURCE_NAMES, more, count=len(more))
        growth.add(len(more))
        assert not growth.due and rows_known() == 2 * bulk.Growth.FIRST
