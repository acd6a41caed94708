"""Migrations 0007-0009 of the record (ADR 135): the timeline lines of FHIR resources move from
their `TimelineEvent` rows into the resources' own `sector` and `summary`, and back again."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from caretrust.record import selectors
from tests.factories import person_row

BEFORE = ("record", "0006_fewer_redundant_indexes")
AFTER = ("record", "0009_remove_timelineevent_resource")


def migrate(target: tuple[str, str]):
    """Migrate the record to `target`; the apps (historical models) as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_lines_move_into_the_resources_and_back() -> None:
    edith = person_row(given_name="Edith", family_name="Smith", sex="female")
    old = migrate(BEFORE)
    Resource = old.get_model("record", "Resource")
    TimelineEvent = old.get_model("record", "TimelineEvent")

    def resource(logical_id: str, content: dict, **fields):
        return Resource.objects.create(
            resource_type=content["resourceType"],
            logical_id=logical_id,
            last_updated="2024-01-01T00:00:00Z",
            content={**content, "id": logical_id},
            content_hash=logical_id,
            source="fhir",
            source_id=logical_id,
            **fields,
        )

    af = {"resourceType": "Condition", "code": {"text": "Atrial fibrillation"}}
    shown = resource("c1", af, person_id=edith.pk, date=date(2020, 5, 1))
    TimelineEvent.objects.create(
        person_id=edith.pk,
        date=date(2020, 5, 1),
        sector="health",
        source="fhir",
        kind="Condition",
        summary="Atrial fibrillation",
        resource_id=shown.pk,
    )
    resource("p1", {"resourceType": "Patient"}, person_id=edith.pk)
    waiting = resource("c2", {**af, "code": {"text": "Fall"}}, quarantined=True)
    resource("c3", af, person_id=edith.pk, deleted_at="2024-02-01T00:00:00Z")
    TimelineEvent.objects.create(
        person_id=edith.pk,
        date=date(2021, 1, 1),
        sector="social_care",
        source="cld",
        kind="social care service",
        summary="Service: home care",
    )

    new = migrate(AFTER)
    Resource = new.get_model("record", "Resource")
    TimelineEvent = new.get_model("record", "TimelineEvent")
    columns = dict(Resource.objects.values_list("logical_id", "sector"))
    assert columns == {"c1": "health", "p1": "", "c2": "health", "c3": "health"}
    assert Resource.objects.get(pk=waiting.pk).summary == "Fall"  # its line when attached
    assert list(TimelineEvent.objects.values_list("summary", flat=True)) == ["Service: home care"]
    lines = [(line.date, line.summary, line.resource_id) for line in selectors.timeline([edith.pk])]
    assert lines == [
        (date(2021, 1, 1), "Service: home care", None),
        (date(2020, 5, 1), "Atrial fibrillation", shown.pk),
    ]

    old = migrate(BEFORE)
    TimelineEvent = old.get_model("record", "TimelineEvent")
    assert sorted(TimelineEvent.objects.values_list("summary", "kind", "resource_id", "date")) == [
        ("Atrial fibrillation", "Condition", shown.pk, date(2020, 5, 1)),
        ("Service: home care", "social care service", None, date(2021, 1, 1)),
    ]
    migrate(AFTER)
