"""A first load of a type skips the look-up for held copies; references to Patients are looked
up once a file. Both must give what the look-ups gave (ADR 137)."""

from __future__ import annotations

import pytest

from caretrust.ingest.fhir_import import FhirImporter
from caretrust.people.models import Person
from caretrust.record.models import Resource
from tests.ingest.test_fhir_import import NHS, condition, patient, write_ndjson

pytestmark = pytest.mark.django_db


def _without_id(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k != "id"}


def test_a_resource_without_an_id_given_again_in_a_later_batch_is_stored_once(tmp_path) -> None:
    # No id: known by its content, so the same resource can come twice in one file, and the
    # second must be found held (written by the first batch), not inserted again.
    same = _without_id(condition())
    path = write_ndjson(tmp_path / "c.ndjson", [patient(), same, same, same])
    result = FhirImporter(batch_size=1).import_file(path)
    assert (result.inserted, result.unchanged, result.committed) == (2, 2, True)
    assert Resource.objects.filter(resource_type="Condition").count() == 1


def test_a_type_already_held_is_looked_up_and_updated(tmp_path) -> None:
    importer = FhirImporter(batch_size=1)
    importer.import_file(write_ndjson(tmp_path / "a.ndjson", [patient(), condition("c1")]))
    changed = {**condition("c1"), "onsetDateTime": "2021-01-01"}
    result = importer.import_file(
        write_ndjson(tmp_path / "b.ndjson", [changed, condition("c2"), condition("c1b")])
    )
    assert (result.inserted, result.updated) == (2, 1)
    held = Resource.objects.get(resource_type="Condition", logical_id="c1")
    assert (held.version_id, held.content["onsetDateTime"]) == (2, "2021-01-01")


def test_references_to_patients_of_earlier_batches_and_files_find_their_people(tmp_path) -> None:
    importer = FhirImporter(batch_size=2)
    people = [{**patient(f"p{i}", family=f"Smith{i}"), "identifier": []} for i in range(4)]
    conditions = [condition(f"c{i}", subject=f"Patient/p{i % 4}") for i in range(8)]
    result = importer.import_file(write_ndjson(tmp_path / "a.ndjson", [*people, *conditions]))
    assert (result.inserted, result.unresolved_references) == (12, 0)
    later = [condition(f"d{i}", subject=f"Patient/p{i}") for i in range(4)]
    later.append(condition("d-nobody", subject="Patient/nobody"))
    result = importer.import_file(write_ndjson(tmp_path / "b.ndjson", later))
    assert (result.inserted, result.unresolved_references) == (5, 1)
    person_of = dict(
        Resource.objects.filter(resource_type="Patient").values_list("logical_id", "person_id")
    )
    for row in Resource.objects.filter(resource_type="Condition").exclude(logical_id="d-nobody"):
        patient_id = row.content["subject"]["reference"].removeprefix("Patient/")
        assert row.person_id == person_of[patient_id] is not None
    assert Resource.objects.get(logical_id="d-nobody").person_id is None


def test_two_records_of_one_new_person_in_a_batch_give_each_identifier_once(tmp_path) -> None:
    # One new person for both (one NHS number); their identifiers are copied without the
    # conflict check, so the batch's own duplicates (the NHS number twice) must go first.
    mrn = {"system": "https://example.org/mrn", "value": "M1"}
    first = patient("p1")
    second = {**patient("p2"), "identifier": [*patient("p2")["identifier"], mrn]}
    again = {**patient("p3"), "identifier": [*patient("p3")["identifier"], mrn]}
    result = FhirImporter().import_file(write_ndjson(tmp_path / "p.ndjson", [first, second, again]))
    assert (result.inserted, result.committed) == (3, True)
    people = {row.person_id for row in Resource.objects.filter(resource_type="Patient")}
    assert len(people) == 1
    person = Person.objects.get(pk=people.pop())
    held = sorted(person.identifiers.values_list("system", "value"))
    assert held == sorted(
        [
            ("https://fhir.nhs.uk/Id/nhs-number", NHS),
            ("https://example.org/mrn", "M1"),
            ("urn:caretrust:source:fhir:Patient", "p1"),
            ("urn:caretrust:source:fhir:Patient", "p2"),
            ("urn:caretrust:source:fhir:Patient", "p3"),
        ]
    )


def test_a_file_of_conditions_asks_for_no_patient_batch_by_batch(tmp_path) -> None:
    """Every stored Patient is loaded once a file, so batches resolve references to them without
    a look-up each (which would end the COPY kept open, ADR 138), and Patients the file itself
    stores are found by its later batches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    importer = FhirImporter(batch_size=2)
    stored = [{**patient(f"p{i}", family=f"Smith{i}"), "identifier": []} for i in range(4)]
    importer.import_file(write_ndjson(tmp_path / "p.ndjson", stored))
    new = {**patient("q1", family="Jones"), "identifier": []}
    rows = [condition(f"c{i}", subject=f"Patient/p{i % 4}") for i in range(8)]
    rows += [new, condition("c-new", subject="Patient/q1")]
    rows += [condition("c-nobody", subject="Patient/nobody")]
    with CaptureQueriesContext(connection) as queries:
        result = importer.import_file(write_ndjson(tmp_path / "c.ndjson", rows))
    assert (result.inserted, result.unresolved_references) == (11, 1)
    patient_look_ups = [
        q["sql"] for q in queries if "record_resource" in q["sql"] and "'Patient'" in q["sql"]
    ]
    assert len([sql for sql in patient_look_ups if "logical_id" in sql]) <= 2, patient_look_ups
    person_of = dict(
        Resource.objects.filter(resource_type="Patient").values_list("logical_id", "person_id")
    )
    for row in Resource.objects.filter(resource_type="Condition").exclude(logical_id="c-nobody"):
        patient_id = row.content["subject"]["reference"].removeprefix("Patient/")
        assert row.person_id == person_of[patient_id] is not None


def test_more_stored_patients_than_the_cache_holds_are_looked_up_batch_by_batch(
    tmp_path, monkeypatch
) -> None:
    from caretrust.ingest import fhir_import

    importer = FhirImporter(batch_size=2)
    stored = [{**patient(f"p{i}", family=f"Smith{i}"), "identifier": []} for i in range(4)]
    importer.import_file(write_ndjson(tmp_path / "p.ndjson", stored))
    monkeypatch.setattr(fhir_import, "PATIENT_CACHE_SIZE", 3)
    rows = [condition(f"c{i}", subject=f"Patient/p{i % 4}") for i in range(8)]
    result = importer.import_file(write_ndjson(tmp_path / "c.ndjson", rows))
    assert (result.inserted, result.unresolved_references) == (8, 0)
    assert importer._every_patient is False
    assert Resource.objects.filter(resource_type="Condition", person=None).count() == 0
