"""Validate once per structure (ADR 127): a resource of a shape the model has passed before is
judged exactly as the whole model judges it, bad values included, with the model's own errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from caretrust.ingest.checks import validate
from caretrust.ingest.shapes import ShapeCache, shape_of

PATIENT = {
    "resourceType": "Patient",
    "id": "pat-1",
    "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]},
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
    "name": [{"use": "official", "family": "Watson", "given": ["Julie"]}],
    "gender": "female",
    "birthDate": "1952-08-12",
    "active": True,
    "multipleBirthInteger": 2,
    "address": [{"postalCode": "TQ3 6HQ"}],
    "generalPractitioner": [
        {
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": "L83006",
            }
        }
    ],
}
CONDITION = {
    "resourceType": "Condition",
    "id": "cond-0-0",
    "clinicalStatus": {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
            }
        ]
    },
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "228158008"}]},
    "subject": {"reference": "Patient/pat-1"},
    "onsetDateTime": "2002-04-25",
    "recordedDate": "2002-04-25T10:00:00+01:00",
}
MEDICATION_REQUEST = {
    "resourceType": "MedicationRequest",
    "id": "med-0-0",
    "status": "completed",
    "intent": "order",
    "medicationCodeableConcept": {
        "coding": [{"system": "https://www.nhsbsa.nhs.uk/bnf-section", "code": "0301"}]
    },
    "subject": {"reference": "Patient/pat-1"},
    "authoredOn": "2016-07-08",
    "dispenseRequest": {
        "validityPeriod": {"start": "2016-07-08", "end": "2025-01-10"},
        "numberOfRepeatsAllowed": 37,
        "quantity": {"value": 28.5, "unit": "tablet"},
    },
    "substitution": {"allowedBoolean": True},
}
EXAMPLES = (PATIENT, CONDITION, MEDICATION_REQUEST)
# Wrong for one FHIR primitive or another: dates, codes, ids, uris, integers, decimals, booleans.
BAD_VALUES = (
    "",
    " ",
    "not a date",
    "2020-13-45",
    "2020-02-30",
    "2020-05-01T25:00:00Z",
    "two  spaces",
    " leading",
    "tab\there",
    "http://x y",
    "-1",
    "0",
    "1.5",
    "true",
    -1,
    0,
    12,
    99999999999999999999,
    1.5,
    True,
    False,
)


def _leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaf_paths(child, (*path, index))
    else:
        yield path


def _replaced(resource: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(resource)
    holder = changed
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    return changed


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda r: r["resourceType"])
def test_every_bad_value_in_a_known_shape_gets_the_whole_models_verdict(example) -> None:
    """Each value of a resource whose shape is cached, replaced by each of a set of wrong
    values: the cached path gives exactly the problems (field and message) the whole model
    gives, and the good values pass both ways."""
    shapes = ShapeCache()
    assert validate(example, shapes) == validate(example, None) == []
    compared = rejected = 0
    for path in _leaf_paths(example):
        if path == ("resourceType",):
            continue
        for bad in BAD_VALUES:
            changed = _replaced(example, path, bad)
            whole_model = validate(changed, None)
            assert validate(changed, shapes) == whole_model, (path, bad)
            compared += 1
            rejected += bool(whole_model)
    assert compared >= 100 and rejected > compared / 3
    assert shapes.hits > 0  # the fast path was taken (bad strings in string fields, for one)


def test_a_bad_date_in_a_cached_shape_is_named_by_field() -> None:
    shapes = ShapeCache()
    assert validate(CONDITION, shapes) == []
    bad = {**CONDITION, "onsetDateTime": "2020-13-45"}
    problems = validate(bad, shapes)
    assert [field for field, _ in problems] == ["onsetDateTime"]
    assert problems == validate(bad, None)
    # and the next good one of the shape still passes by the cache
    hits = shapes.hits
    assert validate({**CONDITION, "id": "cond-0-1", "onsetDateTime": "2019-01-02"}, shapes) == []
    assert shapes.hits == hits + 1


def test_structure_differences_go_to_the_whole_model() -> None:
    """An unknown element, a missing required one, two values of a choice, a list where an
    object belongs: each is a new shape, judged by the model."""
    shapes = ShapeCache()
    assert validate(MEDICATION_REQUEST, shapes) == []
    unknown = {**MEDICATION_REQUEST, "colour": "blue"}
    missing = {k: v for k, v in MEDICATION_REQUEST.items() if k != "intent"}
    two_choices = {**MEDICATION_REQUEST, "medicationReference": {"reference": "Medication/m1"}}
    listed = {**MEDICATION_REQUEST, "subject": [{"reference": "Patient/pat-1"}]}
    for changed in (unknown, missing, two_choices, listed):
        problems = validate(changed, shapes)
        assert problems and problems == validate(changed, None)


def test_a_shape_is_cached_per_resource_type() -> None:
    """Two types with the same JSON shape never share a plan."""
    shapes = ShapeCache()
    group = {"resourceType": "Group", "id": "g1", "type": "person", "actual": True}
    assert validate(group, shapes) == []
    # the same shape with another resourceType is a different model's question
    other = {"resourceType": "Patient", "id": "g1", "type": "person", "actual": True}
    assert shape_of(group)[0] == shape_of(other)[0]
    assert validate(other, shapes) == validate(other, None) != []


def test_primitive_extensions_and_contained_resources_are_never_cached() -> None:
    shapes = ShapeCache()
    extended = {
        **PATIENT,
        "_birthDate": {"extension": [{"url": "http://example.org/x", "valueString": "a"}]},
    }
    contained = {**CONDITION, "contained": [{"resourceType": "Patient", "id": "inner"}]}
    for resource in (extended, contained):
        assert validate(resource, shapes) == validate(resource, None) == []
        assert validate(resource, shapes) == []
    assert shapes.hits == 0


def test_the_cache_is_bounded() -> None:
    shapes = ShapeCache(max_shapes=2, max_memo=5)
    for n in range(1, 6):  # names with 1..5 given names: five shapes
        resource = {**PATIENT, "name": [{"family": "Watson", "given": ["A"] * n}]}
        assert validate(resource, shapes) == []
    assert len(shapes._plans) <= 2 and shapes.memo_size <= 5


@pytest.mark.django_db
def test_import_rejects_a_bad_value_in_a_cached_shape_with_file_line_and_field(
    tmp_path: Path,
) -> None:
    """Through the importer (validating in a worker process, as for large files): 300 good
    Conditions teach the cache their shape; line 301 has the same shape and a bad date. The
    file is refused whole, with the model's message for that line and field."""
    from caretrust.ingest.fhir_import import FhirImporter
    from caretrust.record.models import Resource

    resources = [{**CONDITION, "id": f"c{i}"} for i in range(1, 401)]
    resources[300]["recordedDate"] = "2021-02-30"
    path = tmp_path / "Condition.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    results = [
        FhirImporter(workers=workers, workers_from_bytes=0).import_file(path) for workers in (0, 1)
    ]
    for result in results:
        assert not result.committed
        assert [str(p).split(":")[0] for p in result.problems] == [
            "Condition.ndjson, line 301, recordedDate"
        ]
    assert str(results[0].problems[0]) == str(results[1].problems[0])
    whole_model = validate(resources[300], None)
    assert str(results[0].problems[0]).endswith(whole_model[0][1])
    assert Resource.objects.count() == 0


def test_shape_of_takes_values_out() -> None:
    shape, values = shape_of(CONDITION)
    other = {**CONDITION, "id": "another", "onsetDateTime": "1999-01-01"}
    assert shape_of(other)[0] == shape
    assert values[1] == "cond-0-0" and len(values) == len(list(_leaf_paths(CONDITION)))
    assert shape_of({**CONDITION, "id": 5})[0] != shape  # the JSON type is part of the shape
