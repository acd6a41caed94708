"""Hand-made contract tables (docs/data-contract.md), written to a directory as Parquet.

Tests describe a tiny world person by person so the expected answers can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

D = dt.date

SCHEMAS = {
    "people": pa.schema(
        [
            ("person_id", pa.string()),
            ("nhs_number", pa.string()),
            ("sex", pa.string()),
            ("birth_date", pa.date32()),
            ("death_date", pa.date32()),
            ("area", pa.string()),
            ("locality", pa.string()),
            ("gp_practice", pa.string()),
            ("postcode", pa.string()),
            ("lives_alone", pa.bool_()),
            ("has_unpaid_carer", pa.bool_()),
            ("opted_out", pa.bool_()),
        ]
    ),
    "conditions": pa.schema(
        [
            ("person_id", pa.string()),
            ("code_system", pa.string()),
            ("code", pa.string()),
            ("display", pa.string()),
            ("onset_date", pa.date32()),
        ]
    ),
    "prescriptions": pa.schema(
        [("person_id", pa.string()), ("drug_class", pa.string()), ("issue_date", pa.date32())]
    ),
    "encounters": pa.schema(
        [
            ("person_id", pa.string()),
            ("encounter_id", pa.string()),
            ("kind", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("primary_diagnosis", pa.string()),
            ("external_cause", pa.string()),
            ("is_transfer", pa.bool_()),
            ("discharge_destination", pa.string()),
            ("discharge_destination_code", pa.string()),
        ]
    ),
    "social_care_events": pa.schema(
        [
            ("person_id", pa.string()),
            ("event_id", pa.string()),
            ("la_code", pa.string()),
            ("event_type", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("client_type", pa.string()),
            ("request_route_of_access", pa.string()),
            ("assessment_type", pa.string()),
            ("eligible_needs_identified", pa.bool_()),
            ("service_type", pa.string()),
            ("service_component", pa.string()),
            ("delivery_mechanism", pa.string()),
            ("unit_cost", pa.float64()),
            ("cost_frequency_unit_type", pa.string()),
            ("planned_units_per_week", pa.float64()),
            ("event_outcome", pa.string()),
        ]
    ),
}


class World:
    """Collects rows table by table; `write` fills unmentioned columns with nulls."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {name: [] for name in SCHEMAS}
        self._ids = itertools.count(1)

    def person(
        self,
        pid: str,
        birth: dt.date,
        *,
        sex: str = "female",
        area: str = "north",
        locality: str | None = None,
        gp: str = "G1",
        death: dt.date | None = None,
        opted_out: bool = False,
        lives_alone: bool = False,
    ) -> str:
        self.rows["people"].append(
            {
                "person_id": pid,
                "sex": sex,
                "birth_date": birth,
                "death_date": death,
                "area": area,
                "locality": locality or f"{area}_1",
                "gp_practice": gp,
                "lives_alone": lives_alone,
                "has_unpaid_carer": False,
                "opted_out": opted_out,
            }
        )
        return pid

    def people(self, n: int, birth: dt.date, prefix: str, **kwargs) -> list[str]:
        return [self.person(f"{prefix}{i}", birth, **kwargs) for i in range(n)]

    def condition(self, pid: str, code: str, onset: dt.date) -> None:
        self.rows["conditions"].append(
            {
                "person_id": pid,
                "code_system": "http://snomed.info/sct",
                "code": code,
                "display": code,
                "onset_date": onset,
            }
        )

    def prescription(self, pid: str, drug_class: str, issued: dt.date) -> None:
        self.rows["prescriptions"].append(
            {"person_id": pid, "drug_class": drug_class, "issue_date": issued}
        )

    def spell(
        self,
        pid: str,
        start: dt.date,
        end: dt.date | None = None,
        *,
        kind: str = "emergency_admission",
        dx: str | None = None,
        cause: str | None = None,
        transfer: bool = False,
        destination: str | None = "home",
        destination_code: str | None = "19",
    ) -> str:
        eid = f"E{next(self._ids)}"
        self.rows["encounters"].append(
            {
                "person_id": pid,
                "encounter_id": eid,
                "kind": kind,
                "start_date": start,
                "end_date": end if end is not None else start,
                "primary_diagnosis": dx,
                "external_cause": cause,
                "is_transfer": transfer,
                "discharge_destination": destination,
                "discharge_destination_code": destination_code,
            }
        )
        return eid

    def social_care(
        self,
        pid: str,
        event_type: str,
        start: dt.date,
        end: dt.date | None = None,
        *,
        service_type: str | None = None,
        client_type: str = "service_user",
    ) -> None:
        self.rows["social_care_events"].append(
            {
                "person_id": pid,
                "event_id": f"S{next(self._ids)}",
                "la_code": "LA1",
                "event_type": event_type,
                "start_date": start,
                "end_date": end if end is not None or event_type == "service" else start,
                "client_type": client_type,
                "service_type": service_type,
            }
        )

    def write(self, directory: Path, *, prescriptions: bool = True) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, schema in SCHEMAS.items():
            if name == "prescriptions" and not prescriptions:
                continue
            columns = {
                field.name: [row.get(field.name) for row in self.rows[name]] for field in schema
            }
            pq.write_table(pa.table(columns, schema=schema), directory / f"{name}.parquet")
        return directory
