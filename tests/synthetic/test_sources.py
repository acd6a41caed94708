"""The two source systems: FHIR resources validate; every CLD row keeps the CLD field rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from caretrust.fhir.profiles import profile_problems
from caretrust.synthetic import fhir
from caretrust.synthetic.identifiers import is_valid_nhs_number

SAMPLE = 400  # per resource type, spread through the file


@pytest.mark.parametrize("resource_type", fhir.RESOURCE_TYPES)
def test_fhir_resources_validate_against_r4b_models(population, resource_type):
    lines = population.fhir[resource_type]
    step = max(1, len(lines) // SAMPLE)
    model = get_fhir_model_class(resource_type)
    for line in lines[::step].to_pylist():
        resource = json.loads(line)
        model.model_validate(resource)
        assert resource["meta"]["profile"][0].startswith(fhir.UKCORE)
        # ...and meets the claimed profile's required elements (ADR 0122: substitution)
        assert profile_problems(resource) == [], resource["id"]


def test_every_patient_carries_a_valid_nhs_number(population):
    for line in population.fhir["Patient"].to_pylist():
        identifier = json.loads(line)["identifier"][0]
        assert identifier["system"] == "https://fhir.nhs.uk/Id/nhs-number"
        assert is_valid_nhs_number(identifier["value"])


def test_a_person_bundle_validates(population):
    admitted = population.tables["encounters"].filter(
        __import__("pyarrow.compute").compute.equal(
            population.tables["encounters"]["kind"], "emergency_admission")
    )["person_id"][0].as_py()  # fmt: skip
    bundle = population.bundle(admitted)
    get_fhir_model_class("Bundle").model_validate(bundle)
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "Encounter"} <= kinds


RELEASE_2_SERVICE_TYPES = {
    "Long Term Support: Nursing Care", "Long Term Support: Residential Care",
    "Long Term Support: Community", "Long Term Support: Prison", "Short Term Support: ST-Max",
    "Short Term Support: Ongoing Low Level", "Short Term Support: Other Short Term",
    "Unpaid Carer Support: Direct to Unpaid Carer",
    "Unpaid Carer Support: Support involving the person cared-for",
}  # fmt: skip
RELEASE_2_OUTCOMES = {
    "Admitted to hospital", "Continuation of support or services", "NFA: Deceased",
    "NFA: Information and advice or signposting", "NFA: No services offered for other reason",
    "NFA: Other", "NFA: Referral to NHS services or NHS funded social care",
    "NFA: Referral to other service within the local authority",
    "NFA: Responsibility moved to another local authority",
    "NFA: Self-funded client or under 12wk disregard", "NFA: Support declined",
    "NFA: Support ended as planned", "NFA: Support ended for other reason",
    "Progress to assessment, review or reassessment", "Progress to reablement/ST-Max",
    "Progress to support planning or services",
}  # fmt: skip
FREQUENCIES = {"Per session", "Hourly", "Daily", "Weekly", "Fortnightly", "4-weekly", "Monthly",
               "Quarterly", "Annually", "One-off"}  # fmt: skip


def cld_row_problems(row: dict) -> list[str]:
    """The CLD field rules of records.md, as a list of broken ones."""
    problems = []
    kind = row["Event_Type"]
    if kind not in {"Request", "Assessment", "Service", "Review"}:
        problems.append("Event_Type")
    if not row["LA_Code"] or not row["LA_Person_Unique_Identifier"]:
        problems.append("person key")
    if row["NHS_Number"] and not is_valid_nhs_number(row["NHS_Number"]):
        problems.append("NHS_Number")
    if row["Gender"] not in {"1", "2", "X", "9"}:
        problems.append("Gender")
    start = dt.date.fromisoformat(row["Event_Start_Date"])
    end = row["Event_End_Date"] and dt.date.fromisoformat(row["Event_End_Date"])
    if not end and kind != "Service":
        problems.append("only services may be open")
    if end and end < start:
        problems.append("end before start")
    death = row["Date_of_Death"] and dt.date.fromisoformat(row["Date_of_Death"])
    if death and (start > death or (end and end > death)):
        problems.append("event after death")
    period = (dt.date.fromisoformat(row["Reporting_Period_Start_Date"]),
              dt.date.fromisoformat(row["Reporting_Period_End_Date"]))  # fmt: skip
    if not period[0] <= start <= period[1]:
        problems.append("reporting period")
    if row["Event_Outcome"] and row["Event_Outcome"] not in RELEASE_2_OUTCOMES:
        problems.append("Event_Outcome")
    if not row["Event_Outcome"] and not (kind == "Service" and not end):
        problems.append("closed event without outcome")
    if kind == "Request" and not row["Request_Route_of_Access"]:
        problems.append("Request_Route_of_Access")
    if kind == "Assessment" and (
        row["Assessment_Type"] not in {"Short term", "Long term", "Financial"}
        or row["Eligible_Needs_Identified"] not in {"Yes", "No"}
    ):
        problems.append("assessment fields")
    if kind == "Service" and (
        row["Service_Type"] not in RELEASE_2_SERVICE_TYPES
        or not row["Service_Component"] or not row["Delivery_Mechanism"]
        or float(row["Unit_Cost"]) <= 0 or row["Cost_Frequency_Unit_Type"] not in FREQUENCIES
        or float(row["Planned_units_per_week"]) <= 0
    ):  # fmt: skip
        problems.append("service fields")
    return problems


def test_every_cld_row_passes_the_field_rules(population):
    rows = population.cld.to_pylist()
    broken = [(row["Event_Reference"], p) for row in rows if (p := cld_row_problems(row))]
    assert not broken, broken[:5]
    references = [row["Event_Reference"] for row in rows]
    assert len(set(references)) == len(references)
    assert {row["Event_Type"] for row in rows} == {"Request", "Assessment", "Service", "Review"}


def test_the_rule_checker_catches_a_broken_row(population):
    row = dict(population.cld.slice(0, 1).to_pylist()[0])
    row.update(Event_Type="Request", Event_End_Date=None, NHS_Number="9990000019")
    assert {"only services may be open", "NHS_Number"} <= set(cld_row_problems(row))
