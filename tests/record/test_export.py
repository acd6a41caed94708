"""`caretrust export parquet`: the linked record in the table contract, opt-outs left out."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caretrust.ingest.cld_import import CldImporter
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.people.models import Person
from caretrust.record.export import SCHEMAS
from caretrust.record.export import export_parquet as _export_parquet
from tests.factories import force_update

pytestmark = pytest.mark.django_db


def export_parquet(out: Path, **options):
    """The export after a National Data Opt-out check that cleared everyone in the index (ADR
    87; tests/optout has the people it does not clear)."""
    from caretrust import clock
    from caretrust.optout.selectors import submission_numbers
    from caretrust.optout.services import import_cleared_cohort

    returned = out.parent / f"{out.name}-ndop.csv"
    returned.write_text("".join(f"{n}\n" for n in submission_numbers()))
    import_cleared_cohort(path=returned, cleared_on=clock.today())
    return _export_parquet(out, **options)


def _patient(pid: str, nhs: str, family: str) -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "gender": "female",
        "birthDate": "1940-01-01",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": family, "given": ["Ann"]}],
    }


def _encounter(eid: str, pid: str, destination: str = "54") -> dict:
    return {
        "resourceType": "Encounter",
        "id": eid,
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": f"Patient/{pid}"},
        "period": {"start": "2023-02-01", "end": "2023-02-06"},
        "reasonCode": [
            {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "S720"}]},
            {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "W19"}]},
        ],
        "hospitalization": {
            "extension": [
                {
                    "url": "https://fhir.hl7.org.uk/StructureDefinition/"
                    "Extension-UKCore-AdmissionMethod",
                    "valueCodeableConcept": {"coding": [{"code": "21"}]},
                }
            ],
            "dischargeDisposition": {"coding": [{"code": destination}]},
        },
    }


def test_export_writes_the_contract_and_leaves_out_opted_out_people(tmp_path: Path) -> None:
    fhir = tmp_path / "Patient.ndjson"
    fhir.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                _patient("a", "9434765919", "Able"),
                _patient("b", "9434765870", "Baker"),
                _encounter("e1", "a"),
                _encounter("e2", "b"),
                {
                    "resourceType": "Condition",
                    "id": "c1",
                    "subject": {"reference": "Patient/a"},
                    "code": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "49436004",
                                "display": "Atrial fibrillation",
                            }
                        ]
                    },
                    "onsetDateTime": "2019-03-01",
                },
            ]
        )
        + "\n"
    )
    assert FhirImporter().import_file(fhir).committed
    cld = tmp_path / "cld.csv"
    cld.write_text(
        "LA_Code,LA_Person_Unique_Identifier,NHS_Number,Client_Type,Event_Type,Event_Reference,"
        "Event_Start_Date,Event_End_Date,Service_Type,Service_Component,Unit_Cost\n"
        "E06000027,C1,9434765919,Service user,Service,S1,2023-02-07,,"
        "Short Term Support: ST-Max,Reablement,21.50\n"
    )
    assert CldImporter().import_file(cld).committed
    force_update(Person.objects.filter(family_name="Baker"), opted_out_of_secondary_use=True)

    stats = export_parquet(tmp_path / "out", area="torbay")
    assert stats.left_out_opted_out == 1
    tables = {name: pq.read_table(tmp_path / "out" / f"{name}.parquet") for name in SCHEMAS}
    for name, table in tables.items():
        assert table.schema.equals(SCHEMAS[name]), name
    people = tables["people"].to_pylist()
    assert [p["nhs_number"] for p in people] == ["9434765919"]
    able = people[0]["person_id"]
    encounter = tables["encounters"].to_pylist()
    assert encounter == [
        {
            "person_id": able,
            "encounter_id": "e1",
            "kind": "emergency_admission",
            "start_date": encounter[0]["start_date"],
            "end_date": encounter[0]["end_date"],
            "primary_diagnosis": "S720",
            "external_cause": "W19",
            "is_transfer": False,
            "discharge_destination": "nursing_care",
            "discharge_destination_code": "54",
        }
    ]
    assert tables["conditions"].column("code").to_pylist() == ["49436004"]
    social = tables["social_care_events"].to_pylist()
    assert [(s["person_id"], s["service_type"], s["unit_cost"]) for s in social] == [
        (able, "short_term_st_max", 21.5)
    ]

    # the analytics library reads what we wrote
    from caretrust.population.dataset import connect

    dataset = connect(tmp_path / "out")
    assert len(dataset.execute(dataset.people)) == 1


@pytest.mark.parametrize(
    ("code", "category"),
    [("85", "nursing_care"), ("54", "nursing_care"), ("65", "residential_care"), ("19", "home")],
    ids=["non-NHS care home", "NHS care home", "LA residential", "usual residence"],
)
def test_discharge_destination_codes_export_as_data_dictionary_categories(
    tmp_path: Path, code: str, category: str
) -> None:
    fhir = tmp_path / "spell.ndjson"
    fhir.write_text(
        json.dumps(_patient("a", "9434765919", "Able"))
        + "\n"
        + json.dumps(_encounter("e1", "a", destination=code))
        + "\n"
    )
    assert FhirImporter().import_file(fhir).committed
    export_parquet(tmp_path / "out", area="torbay")
    encounters = pq.read_table(tmp_path / "out" / "encounters.parquet").to_pylist()
    assert [(e["discharge_destination"], e["discharge_destination_code"]) for e in encounters] == [
        (category, code)
    ]


def _lives_alone_condition(cid: str, pid: str, onset: str, code: str = "105529008", **extra):
    display = {"105529008": "Lives alone", "248171000000108": "Lives in care home"}[code]
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{pid}"},
        "code": {
            "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
        },
        "onsetDateTime": onset,
        **extra,
    }


@pytest.mark.parametrize(
    ("answer", "alone"),
    [
        ("Alone", True),
        ("I live on my own since my husband died", True),
        ("By myself, with my cat", True),
        ("Nobody", True),
        ("No-one", True),
        ("My wife Jean", False),
        ("Not alone: my son moved in", False),
        ("  ", None),
    ],
)
def test_about_me_answer_says_whether_someone_lives_alone(answer, alone) -> None:
    from caretrust.record.export import lives_alone_answer

    assert lives_alone_answer(answer) is alone


def test_lives_alone_comes_from_the_newest_evidence_in_the_record(tmp_path, user_for) -> None:
    from caretrust.people.services import merge_people
    from caretrust.record.services import save_about_me

    resolved = {"clinicalStatus": {"coding": [{"code": "resolved"}]}}
    people = {
        "coded": "9434765803",
        "moved": "9434765811",
        "resolved": "9434765838",
        "council": "9434765846",
        "told": "9434765854",
        "alone": "9434765862",
        "nothing": "9434765870",
        "other": "9434765889",
    }
    resources = [
        {**_patient(pid, number, pid.title()), "generalPractitioner": [_demo_gp()]}
        for pid, number in people.items()
    ]
    resources += [
        _lives_alone_condition("c1", "coded", "2019-03-01"),
        _lives_alone_condition("c2", "moved", "2018-03-01"),
        _lives_alone_condition("c3", "moved", "2022-06-01", code="248171000000108"),
        _lives_alone_condition("c4", "resolved", "2019-03-01", **resolved),
        _lives_alone_condition("c5", "council", "2019-03-01"),
        _lives_alone_condition("c6", "told", "2019-03-01"),
        _lives_alone_condition("c7", "other", "2020-01-01"),
    ]
    fhir = tmp_path / "living.ndjson"
    fhir.write_text("\n".join(json.dumps(r) for r in resources) + "\n")
    assert FhirImporter().import_file(fhir).committed
    cld = tmp_path / "cld.csv"
    cld.write_text(
        "LA_Code,LA_Person_Unique_Identifier,NHS_Number,Client_Type,Event_Type,Event_Reference,"
        "Event_Start_Date,Event_End_Date,Service_Type,Service_Component,Unit_Cost\n"
        f"E06000027,C1,{people['council']},Service user,Service,S1,2023-02-07,,"
        "Long Term Support: Residential Care,Residential Care,900.00\n"
    )
    assert CldImporter().import_file(cld).committed
    gp = user_for("gp")

    def about_me(family: str, lives_with: str) -> None:
        person = Person.objects.get(family_name=family)
        save_about_me(
            actor=gp,
            person=person,
            what_matters="",
            communication="",
            lives_with=lives_with,
            carer="",
        )

    about_me("Told", "My wife Jean")  # newer than the 2019 code: they live with someone now
    about_me("Alone", "On my own since Bill died")

    def exported(name: str) -> dict[str, bool]:
        export_parquet(tmp_path / name)
        rows = pq.read_table(tmp_path / name / "people.parquet").to_pylist()
        mine = set(people.values())  # the demo directory has people of its own
        return {r["nhs_number"]: r["lives_alone"] for r in rows if r["nhs_number"] in mine}

    assert exported("first") == {
        people["coded"]: True,  # coded "Lives alone"
        people["moved"]: False,  # later coded "Lives in care home"
        people["resolved"]: False,  # the code was resolved
        people["council"]: False,  # later an open council residential care service
        people["told"]: False,  # later About me names who they live with
        people["alone"]: True,  # About me says so
        people["nothing"]: False,  # no evidence at all
        people["other"]: True,
    }
    # a lives-alone code on a record merged into another person counts for the survivor
    merge_people(
        actor=None,
        survivor=Person.objects.get(family_name="Nothing"),
        merged=Person.objects.get(family_name="Other"),
        reason="manual",
    )
    after = exported("merged")
    assert after[people["nothing"]] is True and people["other"] not in after


def _demo_gp() -> dict:
    return {
        "identifier": {
            "system": "https://fhir.nhs.uk/Id/ods-organization-code",
            "value": "DEMO-GP1",
        }
    }
