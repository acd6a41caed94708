"""A hospital discharge in its referral's FHIR ServiceRequest (ADR 104): the current
discharge-ready date and the pathway, in the same two places a hospital sends them on create
(ADR 84), so a read round-trips: the extension `discharge-ready-date` (valueDate) and a category
coding from the `discharge-pathway` CodeSystem (code 0-3)."""

from __future__ import annotations

from typing import Any

from caretrust.referrals.fhir import DISCHARGE_PATHWAY_SYSTEM, DISCHARGE_READY_DATE_URL


def service_request_part(referral: Any) -> dict[str, list] | None:
    """The discharge's elements for its referral's ServiceRequest, or None (no discharge). One
    query, for hospital discharge referrals only."""
    if referral.source != "hospital_discharge":
        return None
    from caretrust.discharge.models import Discharge

    cached = referral._state.fields_cache
    if "discharge" in cached:  # a Bulk Data export's batch (`export_prefetch`)
        discharge = cached["discharge"]
    else:
        discharge = Discharge.objects.filter(referral_id=referral.pk).first()
    if discharge is None:  # an older hospital referral sent with neither
        return None
    return {
        "extension": [
            {"url": DISCHARGE_READY_DATE_URL, "valueDate": discharge.ready_date.isoformat()}
        ],
        "category": [
            {
                "coding": [
                    {
                        "system": DISCHARGE_PATHWAY_SYSTEM,
                        "code": str(discharge.pathway),
                        "display": discharge.get_pathway_display(),
                    }
                ]
            }
        ],
    }


def export_prefetch(referrals: Any) -> Any:
    """A Bulk Data export's referrals come with their discharge (ADR 117): no query per row."""
    return referrals.select_related("discharge")
