"""The council side: Adult Social Care Client Level Data (CLD) CSV, one row per event.

Column names follow DHSC's processing code (records.md); values are the Release 2 labels.
Each council client record is noisy (noise.py), the same way on every one of its events.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caretrust.synthetic.config import NoiseConfig
from caretrust.synthetic.identifiers import scrambled
from caretrust.synthetic.noise import apply_noise

COLUMNS = (
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "NHS_Number",
    "GP_Practice_Code",
    "First_Name",
    "Last_Name",
    "Date_of_Birth",
    "Postcode",
    "Gender",
    "Date_of_Death",
    "Client_Type",
    "Has_Unpaid_Carer",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
    "Request_Route_of_Access",
    "Assessment_Type",
    "Eligible_Needs_Identified",
    "Service_Type",
    "Service_Component",
    "Delivery_Mechanism",
    "Unit_Cost",
    "Cost_Frequency_Unit_Type",
    "Planned_units_per_week",
    "Review_Reason",
)

EVENT_TYPES = {
    "request": "Request",
    "assessment": "Assessment",
    "service": "Service",
    "review": "Review",
}
CLIENT_TYPES = {"service_user": "Service user", "carer": "Carer"}
ROUTES = {
    "discharge_from_hospital": "Discharge from hospital",
    "community": "Community",
    "self_funder_diversion": "Self-funder",
}
ASSESSMENT_TYPES = {"short_term": "Short term", "long_term": "Long term", "financial": "Financial"}
SERVICE_TYPES = {
    "long_term_nursing": "Long Term Support: Nursing Care",
    "long_term_residential": "Long Term Support: Residential Care",
    "long_term_community": "Long Term Support: Community",
    "short_term_st_max": "Short Term Support: ST-Max",
    "short_term_other": "Short Term Support: Other Short Term",
    "carer_support": "Unpaid Carer Support: Direct to Unpaid Carer",
}
SERVICE_COMPONENTS = {
    "home_care": "Home Care",
    "direct_payment": "Direct Payment",
    "reablement": "Reablement",
    "residential_care": "Residential Care",
    "nursing_care": "Nursing Care",
}
DELIVERY_MECHANISMS = {
    "council_managed": "CASSR Managed Personal Budget",
    "cash_direct_payment": "Direct Payment",
}
FREQUENCIES = {"hourly": "Hourly", "weekly": "Weekly", "one_off": "One-off"}
OUTCOMES = {
    "admitted_to_hospital": "Admitted to hospital",
    "continuation_of_support_or_services": "Continuation of support or services",
    "nfa_deceased": "NFA: Deceased",
    "nfa_information_and_advice_or_signposting": "NFA: Information and advice or signposting",
    "nfa_no_services_offered_for_other_reason": "NFA: No services offered for other reason",
    "nfa_other": "NFA: Other",
    "nfa_referral_to_nhs_services_or_nhs_funded_social_care": "NFA: Referral to NHS services or NHS funded social care",
    "nfa_referral_to_other_service_within_the_local_authority": "NFA: Referral to other service within the local authority",
    "nfa_responsibility_moved_to_another_local_authority": "NFA: Responsibility moved to another local authority",
    "nfa_self_funded_client_or_under_12wk_disregard": "NFA: Self-funded client or under 12wk disregard",
    "nfa_support_declined": "NFA: Support declined",
    "nfa_support_ended_as_planned": "NFA: Support ended as planned",
    "nfa_support_ended_for_other_reason": "NFA: Support ended for other reason",
    "progress_to_assessment_review_or_reassessment": "Progress to assessment, review or reassessment",
    "progress_to_reablement_st_max": "Progress to reablement/ST-Max",
    "progress_to_support_planning_or_services": "Progress to support planning or services",
}


def la_person_ids(la_code: str, global_index: np.ndarray, area_number: int) -> np.ndarray:
    if len(global_index) == 0:  # an area with nobody in this chunk
        return np.array([], dtype=str)
    digits = scrambled(global_index, 7_919 * (area_number + 1), 10**8)
    return np.char.add(f"{la_code}-", np.char.zfill(digits.astype(str), 8))


def _label(values: pa.ChunkedArray | pa.Array, mapping: dict[str, str]) -> pa.Array:
    keys, labels = pa.array(list(mapping)), pa.array(list(mapping.values()))
    return labels.take(pc.index_in(values, keys))


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def _quarters(start: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    days = start.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)
    first = (months - months % 3).astype("datetime64[M]")
    return _iso(first.astype("datetime64[D]")), _iso((first + 3).astype("datetime64[D]") - 1)


def cld_table(
    events: pa.Table,
    people: pa.Table,
    identity: pa.Table,
    la_code: str,
    area_number: int,
    noise: NoiseConfig,
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:
    """CLD rows for a chunk's social care events, and the truth rows for its client records."""
    clients = pc.unique(events["person_id"])
    row = pc.index_in(clients, people["person_id"])
    person, ident = people.take(row), identity.take(row)
    records = apply_noise(
        {
            "nhs_number": person["nhs_number"].to_numpy(zero_copy_only=False).astype(object),
            "given_name": ident["given_name"].to_numpy(zero_copy_only=False).astype(object),
            "family_name": ident["family_name"].to_numpy(zero_copy_only=False).astype(object),
            "birth": person["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]"),
            "postcode": person["postcode"].to_numpy(zero_copy_only=False).astype(object),
            "previous_postcode": ident["previous_postcode"]
            .to_numpy(zero_copy_only=False)
            .astype(object),
        },
        noise,
        rng,
    )
    client_ids = la_person_ids(la_code, ident["index"].to_numpy(), area_number)
    client = pa.table(
        {
            "LA_Person_Unique_Identifier": client_ids,
            "NHS_Number": records["nhs_number"].astype(str),
            "GP_Practice_Code": person["gp_practice"],
            "First_Name": records["given_name"].astype(str),
            "Last_Name": records["family_name"].astype(str),
            "Date_of_Birth": _iso(records["birth"]),
            "Postcode": records["postcode"].astype(str),
            "Gender": pc.if_else(pc.equal(person["sex"], "female"), "2", "1"),
            "Date_of_Death": pc.cast(person["death_date"], pa.string()),
            "Has_Unpaid_Carer": pc.if_else(person["has_unpaid_carer"], "Yes", "No"),
        }
    )
    at = pc.index_in(events["person_id"], clients)
    period_start, period_end = _quarters(events["start_date"].combine_chunks())
    out = {name: client[name].take(at) for name in client.column_names}
    out.update(
        {
            "LA_Code": pa.array(np.full(events.num_rows, la_code)),
            "Reporting_Period_Start_Date": period_start,
            "Reporting_Period_End_Date": period_end,
            "Client_Type": _label(events["client_type"], CLIENT_TYPES),
            "Event_Type": _label(events["event_type"], EVENT_TYPES),
            "Event_Reference": events["event_id"],
            "Event_Start_Date": pc.cast(events["start_date"], pa.string()),
            "Event_End_Date": pc.cast(events["end_date"], pa.string()),
            "Event_Outcome": _label(events["event_outcome"], OUTCOMES),
            "Request_Route_of_Access": _label(events["request_route_of_access"], ROUTES),
            "Assessment_Type": _label(events["assessment_type"], ASSESSMENT_TYPES),
            "Eligible_Needs_Identified": pc.if_else(
                events["eligible_needs_identified"], "Yes", "No"
            ),
            "Service_Type": _label(events["service_type"], SERVICE_TYPES),
            "Service_Component": _label(events["service_component"], SERVICE_COMPONENTS),
            "Delivery_Mechanism": _label(events["delivery_mechanism"], DELIVERY_MECHANISMS),
            "Unit_Cost": pc.cast(events["unit_cost"], pa.string()),
            "Cost_Frequency_Unit_Type": _label(events["cost_frequency_unit_type"], FREQUENCIES),
            "Planned_units_per_week": pc.cast(events["planned_units_per_week"], pa.string()),
            "Review_Reason": pc.if_else(
                pc.equal(events["event_type"], "review"), "Planned", pa.scalar(None, pa.string())
            ),
        }
    )
    table = pa.table({name: out[name] for name in COLUMNS})
    truth = pa.table(
        {
            "source": np.full(len(clients), "cld"),
            "source_record_id": client_ids,
            "person_id": clients,
        }
    )
    return table, truth
