"""`caretrust export parquet`: the linked record in the table contract, opt-outs left out."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caretrust.ingest.cld_import import CldImporter
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.people.models import Person
from caretrust.record.export import SCHEMAS, export_parquet

pytestmark = pytest.mark.django_db


def _patient(pid: str, nhs: str, family: str) -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "gender": "female",
        "birthDate": "1940-01-01",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": family, "given": ["Ann"]}],
    }


def _encounter(eid: str, pid: str) -> dict:
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
            "dischargeDisposition": {"coding": [{"code": "54"}]},
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
    Person.objects.filter(family_name="Baker").update(opted_out_of_secondary_use=True)

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
