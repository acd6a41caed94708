"""FHIR import: examples load, references resolve, re-imports are idempotent, bad files change nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from caretrust.access.models import AuditEvent
from caretrust.ingest.fhir_import import FhirImporter, order_paths
from caretrust.ingest.references import references as _references
from caretrust.ingest.references import references_deep as _references_deep
from caretrust.ingest.report import RejectsWriter
from caretrust.people.models import Person
from caretrust.record.models import Resource, ResourceVersion
from caretrust.record.selectors import timeline

EXAMPLES = Path("/work/shared/examples")
pytestmark = pytest.mark.django_db

NHS = "9434765919"  # valid mod-11


def patient(pid="p1", nhs=NHS, updated=None, family="Smith", **extra) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": family, "given": ["Edith"]}],
        "gender": "female",
        "birthDate": "1941-03-02",
        **extra,
    }
    if updated:
        resource["meta"] = {"lastUpdated": updated}
    return resource


def condition(cid="c1", subject="Patient/p1") -> dict:
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": subject},
        "code": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "49436004",
                    "display": "Atrial fibrillation",
                }
            ]
        },
        "onsetDateTime": "2020-05-01",
    }


def write_ndjson(path: Path, resources: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    return path


@pytest.mark.slow
def test_uk_core_and_synthea_examples_import_without_error() -> None:
    importer = FhirImporter()
    paths = order_paths(sorted((EXAMPLES / "ukcore").glob("*.xml")))
    paths += sorted((EXAMPLES / "synthea").glob("*.json"))[:3]
    results = [importer.import_file(p) for p in paths]
    assert [str(p) for r in results for p in r.problems] == []
    assert all(r.committed for r in results)
    # every resource kept, understood or not (Synthea's Claim and Immunization included)
    assert Resource.objects.filter(resource_type="Claim").exists()
    assert Resource.objects.filter(resource_type="Immunization").exists()
    richard = Resource.objects.get(logical_id="UKCore-Patient-RichardSmith-Example").person
    kinds = {line.kind for line in timeline([richard.pk])}
    assert {"Condition", "Encounter", "Flag", "Observation", "ServiceRequest"} <= kinds
    # urn:uuid references inside a Synthea transaction bundle are resolved to our ids
    encounter = Resource.objects.filter(resource_type="Encounter", source="fhir").first()
    assert encounter.content["subject"]["reference"].startswith("Patient/")
    assert encounter.person is not None


@pytest.mark.slow
@pytest.mark.slow
def test_every_synthea_bundle_imports() -> None:
    importer = FhirImporter()
    results = [importer.import_file(p) for p in sorted((EXAMPLES / "synthea").glob("*.json"))]
    assert all(r.committed and not r.problems for r in results)
    assert sum(r.inserted for r in results) > 6000


def test_reimport_is_idempotent_newer_updates_older_is_ignored(tmp_path) -> None:
    first = write_ndjson(
        tmp_path / "a.ndjson", [patient(updated="2024-01-01T00:00:00Z"), condition()]
    )
    importer = FhirImporter()
    assert importer.import_file(first).inserted == 2
    again = importer.import_file(first)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)

    newer = write_ndjson(
        tmp_path / "b.ndjson", [patient(updated="2024-06-01T00:00:00Z", family="Jones")]
    )
    assert importer.import_file(newer).updated == 1
    row = Resource.objects.get(resource_type="Patient", logical_id="p1")
    # v2 is the row itself; v1 is kept as the version it superseded (ADR 134).
    assert row.version_id == 2
    assert list(
        ResourceVersion.objects.filter(resource=row).values_list("version_id", flat=True)
    ) == [1]
    assert row.person.family_name == "Jones"

    older = write_ndjson(
        tmp_path / "c.ndjson", [patient(updated="2023-01-01T00:00:00Z", family="Brown")]
    )
    result = importer.import_file(older)
    assert (result.updated, result.older) == (0, 1)
    assert Resource.objects.get(logical_id="p1").content["name"][0]["family"] == "Jones"


def test_a_file_with_an_error_changes_nothing_and_names_line_and_field(tmp_path) -> None:
    bad = patient(pid="p2", nhs="9434765870")
    bad["birthDate"] = "1941-13-45"
    path = write_ndjson(tmp_path / "bad.ndjson", [patient(), bad, condition()])
    result = FhirImporter().import_file(path)
    assert not result.committed
    assert [str(p) for p in result.problems] == [
        "bad.ndjson, line 2, birthDate: Value error, Date value string does not match spec regex."
    ]
    assert not Resource.objects.exists() and not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="import").exists()


def test_skip_invalid_imports_the_rest_and_writes_rejects(tmp_path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_text(json.dumps(patient()) + "\nnot json\n" + json.dumps(condition()) + "\n")
    rejects = RejectsWriter(tmp_path / "rejects.ndjson")
    result = FhirImporter(skip_invalid=True, rejects=rejects).import_file(path)
    rejects.close()
    assert result.committed and result.inserted == 2 and result.rejected == 1
    line = json.loads((tmp_path / "rejects.ndjson").read_text())
    assert line["location"] == "line 2" and "not valid JSON" in line["reason"]


def test_same_nhs_number_from_two_sources_is_one_person(tmp_path) -> None:
    a = write_ndjson(tmp_path / "a.ndjson", [patient(pid="gp-1")])
    b = write_ndjson(tmp_path / "b.ndjson", [patient(pid="hosp-9", family="Smyth")])
    FhirImporter(source="gp").import_file(a)
    FhirImporter(source="hospital").import_file(b)
    assert Person.objects.count() == 1
    assert Resource.objects.filter(resource_type="Patient").values("person").distinct().count() == 1


def test_unresolved_references_are_recorded_and_late_patients_attach(tmp_path) -> None:
    importer = FhirImporter()
    obs = write_ndjson(
        tmp_path / "Condition.ndjson",
        [
            condition(subject="Patient/p1"),
            {**condition(cid="c2"), "asserter": {"reference": "Practitioner/nobody"}},
        ],
    )
    importer.import_file(obs)
    c2 = Resource.objects.get(logical_id="c2")
    assert {"path": "asserter", "reference": "Practitioner/nobody"} in c2.unresolved
    assert c2.person is None and c2.quarantined and not c2.has_line
    importer.import_file(write_ndjson(tmp_path / "Patient.ndjson", [patient()]))
    c2.refresh_from_db()
    assert c2.person is not None and not c2.quarantined
    # Both Conditions are on the person's timeline now that their Patient came (ADR 135).
    lines = list(timeline([c2.person_id]))
    assert {line.resource_id for line in lines} == set(
        Resource.objects.filter(resource_type="Condition").values_list("pk", flat=True)
    )
    assert {(line.kind, line.summary, line.date) for line in lines} == {
        ("Condition", "Atrial fibrillation", date(2020, 5, 1))
    }


def test_conditional_reference_resolves_by_identifier(tmp_path) -> None:
    practitioner = {
        "resourceType": "Practitioner",
        "id": "dr-1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "555"}],
    }
    cond = {
        **condition(),
        "asserter": {"reference": "Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|555"},
    }
    importer = FhirImporter()
    importer.import_file(write_ndjson(tmp_path / "Patient.ndjson", [patient(), practitioner]))
    importer.import_file(write_ndjson(tmp_path / "c.ndjson", [cond]))
    stored = Resource.objects.get(logical_id="c1")
    assert stored.content["asserter"]["reference"] == "Practitioner/dr-1"
    assert stored.unresolved == []


def test_import_command_prints_a_summary(tmp_path) -> None:
    from typer.testing import CliRunner

    from caretrust.cli import app

    path = write_ndjson(tmp_path / "Patient.ndjson", [patient()])
    result = CliRunner().invoke(app, ["import", "fhir", str(path), "--no-link"])
    assert result.exit_code == 0, result.output
    assert "Import summary" in result.output and "inserted" in result.output


def test_conditional_reference_resolves_to_another_entry_of_the_same_bundle(tmp_path) -> None:
    practitioner = {
        "resourceType": "Practitioner",
        "id": "dr-2",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "777"}],
    }
    cond = {
        **condition(),
        "asserter": {"reference": "Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|777"},
        "recorder": {"reference": "Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|000"},
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:" + "a" * 8 + "-0000-4000-8000-" + "0" * 12, "resource": r}
            for r in (cond, patient(), practitioner)  # the referring entry comes first
        ],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = FhirImporter().import_file(path)
    assert result.committed and not result.problems
    stored = Resource.objects.get(logical_id="c1")
    assert stored.content["asserter"]["reference"] == "Practitioner/dr-2"
    # a conditional reference that matches nothing is kept as it came and recorded
    assert stored.unresolved == [
        {
            "path": "recorder",
            "reference": "Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|000",
        }
    ]


@pytest.mark.slow
def test_large_files_validated_in_a_worker_process_give_the_same_result(tmp_path) -> None:
    """The worker pool (used for NDJSON files over a few MB) reports the same problems, by line,
    and imports the same records as validating in the importer's own process."""
    resources = [
        {k: v for k, v in patient(pid=f"p{i}").items() if k != "identifier"} for i in range(1, 1201)
    ]
    resources[700]["birthDate"] = "1941-13-45"
    lines = [json.dumps(r) for r in resources]
    lines.insert(1000, "not json")
    path = tmp_path / "Patient.ndjson"
    path.write_text("\n".join(lines) + "\n")
    outcomes = []
    for workers in (0, 1):
        rejects = RejectsWriter(tmp_path / f"rejects-{workers}.ndjson")
        importer = FhirImporter(  # a source each, so the second run is not a re-import
            source=f"workers-{workers}",
            skip_invalid=True,
            rejects=rejects,
            workers=workers,
            workers_from_bytes=0,
        )
        result = importer.import_file(path)
        rejects.close()
        outcomes.append((result.inserted, result.rejected, [str(p) for p in result.problems]))
    assert outcomes[0] == outcomes[1]
    inserted, rejected, problems = outcomes[1]
    assert (inserted, rejected) == (1199, 2)
    assert problems[0].startswith("Patient.ndjson, line 701, birthDate:")
    assert problems[1].startswith("Patient.ndjson, line 1001: not valid JSON")


@pytest.mark.slow
@pytest.mark.database  # COPY stores the worker's text on PostgreSQL only
@pytest.mark.parametrize("source", ["fhir", "lab"])
def test_what_the_worker_prepares_stores_what_the_importer_would_have(tmp_path, source) -> None:
    """ADR 133: a validating worker hands the importer each resource's canonical JSON and its
    references; stored content, unresolved references and people are the same as when
    the importer works them out itself, also where a reference is rewritten (an absolute URL, a
    history suffix), left unresolved, or the id is not the source's (another source's ids)."""
    conditions = [
        condition("c1", "Patient/p1"),  # already ours
        condition("c2", "https://gp.example/fhir/Patient/p2"),  # rewritten to Patient/p2
        condition("c3", "Patient/p1/_history/1"),  # keeps its version
        condition("c4", "Patient/nobody"),  # unresolved
    ]
    conditions[0]["note"] = [{"text": "Café: non-ASCII text kept as sent"}]
    resources = [patient("p1"), patient("p2", nhs="9434765870", family="Jones"), *conditions]
    path = tmp_path / "Mixed.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in resources) + "\n")

    def stored() -> dict:
        return {
            (r.resource_type, r.source_id): (
                r.content,
                r.content_hash,
                r.unresolved,
                r.subject_reference,
                r.person is not None,
            )
            for r in Resource.objects.all()
        }

    outcomes = []
    for workers in (1, 0):
        importer = FhirImporter(source=source, workers=workers, workers_from_bytes=0)
        result = importer.import_file(path)
        assert (result.inserted, result.rejected) == (6, 0), result.problems
        outcomes.append(stored())
        Resource.objects.all().delete()
    assert outcomes[0] == outcomes[1]
    by_id = outcomes[0]
    assert by_id[("Condition", "c2")][0]["subject"]["reference"].endswith("/p2") or source != "fhir"
    assert by_id[("Condition", "c3")][0]["subject"]["reference"].endswith("/_history/1")
    assert by_id[("Condition", "c4")][2] == [{"path": "subject", "reference": "Patient/nobody"}]
    assert by_id[("Condition", "c1")][0]["note"][0]["text"].startswith("Café")


def _found(walked: list[tuple[str, dict]]) -> list[tuple[str, int]]:
    return [(path, id(holder)) for path, holder in walked]


def test_the_reference_walk_finds_what_the_loop_finds_at_any_depth() -> None:
    """ADR 131: the recursive walk gives the same paths and holders, in document order, as the
    loop it replaced; contained resources and narrative are skipped; a resource deeper than the
    interpreter's recursion limit still gets the loop's answer."""
    resource = {
        "resourceType": "Encounter",
        "reference": "Patient/top",  # the resource itself holding one
        "subject": {"reference": "Patient/p1"},
        "participant": [
            {"individual": {"reference": "Practitioner/a"}},
            {"individual": {"display": "no reference"}},
            {"individual": {"reference": 7}},  # not a string: not a reference
        ],
        "nested": [[{"reference": "Location/in-a-list-of-lists"}]],
        "contained": [{"resourceType": "Patient", "managingOrganization": {"reference": "#x"}}],
        "text": {"div": "<div/>", "reference": "Patient/in-narrative"},
        "extension": [
            {"url": "u", "extension": [{"url": "v", "valueReference": {"reference": "Group/g"}}]}
        ],
    }
    walked = _references(resource)
    assert [path for path, _ in walked] == [
        "",
        "subject",
        "participant.individual",
        "nested",
        "extension.extension.valueReference",
    ]
    assert _found(walked) == _found(_references_deep(resource))

    deep: dict = {"reference": "Patient/bottom"}
    for _ in range(3000):
        deep = {"extension": [deep]}
    walked = _references({"resourceType": "Basic", "extension": [deep]})
    assert len(walked) == 1 and walked[0][0] == ".".join(["extension"] * 3001)
    assert walked[0][1] == {"reference": "Patient/bottom"}
