"""A FHIR read of a hospital discharge's ServiceRequest carries its discharge-ready date and
pathway (ADR 104), in the two places a hospital sends them on create (ADR 84): the extension
`discharge-ready-date` (valueDate: the current DRD, after any change) and a category coding from
the `discharge-pathway` CodeSystem. The resource stays valid R4 (fhir.resources R4B, which the
FHIR app validates with), and what is read can be sent back as a create."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from caretrust.discharge import services
from caretrust.discharge.models import Discharge
from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext
from caretrust.referrals import fhir
from tests.factories import make_person, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.CARETRUST_TODAY = "2026-11-10"


def _create(ctx, person) -> Discharge:
    registry.get("ServiceRequest").create(
        ctx,
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{person.ref}"},
            "category": [
                {"coding": [{"system": fhir.SOURCE_SYSTEM, "code": "hospital_discharge"}]},
                {"coding": [{"system": fhir.DISCHARGE_PATHWAY_SYSTEM, "code": "1"}]},
            ],
            "extension": [{"url": fhir.DISCHARGE_READY_DATE_URL, "valueDate": "2026-11-09"}],
            "reasonCode": [{"text": "Medically optimised after a fall; needs reablement."}],
        },
    )
    return Discharge.objects.get(person=person)


def _ready_dates(resource: dict) -> list[str]:
    return [
        e["valueDate"]
        for e in resource.get("extension", [])
        if e["url"] == fhir.DISCHARGE_READY_DATE_URL
    ]


def _pathways(resource: dict) -> list[dict]:
    return [
        coding
        for category in resource.get("category", [])
        for coding in category["coding"]
        if coding["system"] == fhir.DISCHARGE_PATHWAY_SYSTEM
    ]


def test_the_read_carries_the_current_ready_date_and_the_pathway(user_for) -> None:
    ctx = FhirContext(user=user_for("discharge"), base_url="http://testserver/fhir")
    discharge = _create(ctx, make_person())
    services.change_ready_date(
        actor=user_for("coordinator"),
        discharge=discharge,
        ready_date=date(2026, 11, 10),
        reason="Bloods repeated; ready a day later",
    )
    resource = registry.get("ServiceRequest").read(ctx, str(discharge.referral.uuid)).resource
    assert _ready_dates(resource) == ["2026-11-10"]  # the current DRD, not the one sent
    assert _pathways(resource) == [
        {
            "system": fhir.DISCHARGE_PATHWAY_SYSTEM,
            "code": "1",
            "display": "Pathway 1: home with new or extra support, e.g. reablement",
        }
    ]
    # The source category is still there, and the whole is valid R4.
    sources = [
        c["code"]
        for cat in resource["category"]
        for c in cat["coding"]
        if c["system"] == fhir.SOURCE_SYSTEM
    ]
    assert sources == ["hospital_discharge"]
    assert ServiceRequest.model_validate(resource).extension[0].valueDate == date(2026, 11, 10)

    # What is read can be sent back: a create from it records the same pathway and ready date.
    again = {k: v for k, v in resource.items() if k not in ("id", "meta", "identifier")}
    registry.get("ServiceRequest").create(ctx, again)
    second = Discharge.objects.exclude(pk=discharge.pk).get()
    assert (second.pathway, second.ready_date) == (1, date(2026, 11, 10))


def test_an_ordinary_referral_has_neither(user_for) -> None:
    referral = make_referral(person=make_person(), actor=user_for("gp"), source="gp")
    resource = fhir.service_request(referral).model_dump(mode="json", exclude_none=True)
    assert _ready_dates(resource) == [] and _pathways(resource) == []
    assert "extension" not in resource
