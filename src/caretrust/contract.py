"""The analytical table contract (docs/data-contract.md) as Arrow schemas.

One definition for every producer (`caretrust.synthetic`, `caretrust export parquet`) and consumer
(`caretrust.population`). Imports no Django.
"""

from __future__ import annotations

import pyarrow as pa

S, D, B, F = pa.string(), pa.date32(), pa.bool_(), pa.float64()

SCHEMAS: dict[str, pa.Schema] = {
    "people": pa.schema(
        [
            ("person_id", S),
            ("nhs_number", S),
            ("sex", S),
            ("birth_date", D),
            ("death_date", D),
            ("area", S),
            ("locality", S),
            ("gp_practice", S),
            ("postcode", S),
            ("lives_alone", B),
            ("has_unpaid_carer", B),
            ("opted_out", B),
        ]
    ),
    "conditions": pa.schema(
        [
            ("person_id", S),
            ("code_system", S),
            ("code", S),
            ("display", S),
            ("onset_date", D),
        ]
    ),
    "prescriptions": pa.schema([("person_id", S), ("drug_class", S), ("issue_date", D)]),
    "encounters": pa.schema(
        [
            ("person_id", S),
            ("encounter_id", S),
            ("kind", S),
            ("start_date", D),
            ("end_date", D),
            ("primary_diagnosis", S),
            ("external_cause", S),
            ("is_transfer", B),
            ("discharge_destination", S),
            ("discharge_destination_code", S),
        ]
    ),
    "social_care_events": pa.schema(
        [
            ("person_id", S),
            ("event_id", S),
            ("la_code", S),
            ("event_type", S),
            ("start_date", D),
            ("end_date", D),
            ("client_type", S),
            ("request_route_of_access", S),
            ("assessment_type", S),
            ("eligible_needs_identified", B),
            ("service_type", S),
            ("service_component", S),
            ("delivery_mechanism", S),
            ("unit_cost", F),
            ("cost_frequency_unit_type", S),
            ("planned_units_per_week", F),
            ("event_outcome", S),
        ]
    ),
}
TABLES = tuple(SCHEMAS)

#: Written back by `caretrust.population` (risk and frailty).
RESULT_SCHEMAS: dict[str, pa.Schema] = {
    "risk_scores": pa.schema(
        [
            ("person_id", S),
            ("score_date", D),
            ("model", S),
            ("risk", F),
            ("rank_percentile", F),
        ]
    ),
    "frailty": pa.schema(
        [
            ("person_id", S),
            ("as_of", D),
            ("deficits", pa.int64()),
            ("denominator", pa.int64()),
            ("efi", F),
            ("category", S),
            # drug_code, drug_class or unknown (no prescriptions: polypharmacy counted absent)
            ("polypharmacy_basis", S),
        ]
    ),
}
