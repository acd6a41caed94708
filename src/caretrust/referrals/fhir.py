"""A referral as FHIR R4 ServiceRequest + Task (the referral guides' pattern: the Task carries the
workflow status, its focus is the ServiceRequest). Validated with fhir.resources R4B."""

from __future__ import annotations

from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from caretrust.referrals.models import Referral

REFERENCE_SYSTEM = "https://caretrust.example.org/fhir/Id/referral-reference"
SOURCE_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/referral-source"
# A hospital discharge referral (ADR 0084): its discharge-ready date and pathway 0-3.
DISCHARGE_READY_DATE_URL = (
    "https://caretrust.example.org/fhir/StructureDefinition/discharge-ready-date"
)
DISCHARGE_PATHWAY_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/discharge-pathway"
# Our urgent (4 hours) is the most pressing; FHIR orders routine < urgent < asap < stat.
PRIORITY = {"urgent": "asap", "soon": "urgent", "routine": "routine"}
URGENCY_FROM_PRIORITY = {"stat": "urgent", "asap": "urgent", "urgent": "soon", "routine": "routine"}
REQUEST_STATUS = {
    "requested": "active",
    "received": "active",
    "accepted": "active",
    "in-progress": "active",
    "on-hold": "on-hold",
    "completed": "completed",
    "rejected": "revoked",
    "cancelled": "revoked",
    "failed": "revoked",
}


def _subject(referral: Referral) -> dict:
    if referral.person_id:
        return {
            "reference": f"Patient/{referral.person.ref}",
            "display": referral.person.display_name,
        }
    return {"display": referral.subject_name or "Not yet identified"}


def _requester(referral: Referral) -> dict:
    name = referral.referrer_name or "Unknown"
    if referral.referrer_organisation_id:
        name = f"{name}, {referral.referrer_organisation.name}"
    return {"display": name}


def service_request(referral: Referral) -> ServiceRequest:
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.uuid),
        "meta": {
            "versionId": str(referral.version),
            "lastUpdated": referral.updated_at.isoformat(),
        },
        "identifier": [{"system": REFERENCE_SYSTEM, "value": referral.reference}],
        "status": REQUEST_STATUS[referral.status],
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": SOURCE_SYSTEM,
                        "code": referral.source,
                        "display": referral.get_source_display(),
                    }
                ]
            }
        ],
        "priority": PRIORITY[referral.urgency],
        "code": {"text": "Referral to the health and social care co-ordinator"},
        "subject": _subject(referral),
        "authoredOn": referral.created_at.isoformat(),
        "requester": _requester(referral),
        "reasonCode": [{"text": referral.reason}],
    }
    if referral.what_matters:
        resource["note"] = [{"text": f"What matters to the person: {referral.what_matters}"}]
    from caretrust.referrals import hooks

    for name, values in hooks.service_request_parts(referral).items():
        resource[name] = [*resource.get(name, []), *values]
    return ServiceRequest.model_validate(resource)


def task(referral: Referral) -> Task:
    resource = {
        "resourceType": "Task",
        "id": str(referral.uuid),
        "meta": {
            "versionId": str(referral.version),
            "lastUpdated": referral.updated_at.isoformat(),
        },
        "identifier": [{"system": REFERENCE_SYSTEM, "value": referral.reference}],
        "basedOn": [{"reference": f"ServiceRequest/{referral.uuid}"}],
        "status": referral.status,
        "intent": "order",
        "priority": PRIORITY[referral.urgency],
        "code": {
            "coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]
        },
        "focus": {"reference": f"ServiceRequest/{referral.uuid}"},
        "for": _subject(referral),
        "authoredOn": referral.created_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
        "requester": _requester(referral),
        "restriction": {"period": {"end": referral.due_by.isoformat()}},
    }
    if referral.status_reason:
        resource["statusReason"] = {"text": referral.status_reason}
    if referral.business_status:
        resource["businessStatus"] = {"text": referral.business_status}
    # Owner: the allocated worker once a team accepted it (Task accepted); while it waits in a
    # team's in-tray (Task received, businessStatus "Routed to ...: waiting"), the team (ADR 70).
    if referral.allocated_to_id:
        team = f", {referral.routed_team.name}" if referral.routed_team_id else ""
        resource["owner"] = {"display": f"{referral.allocated_to.get_full_name()}{team}"}
    elif referral.routed_team_id:
        resource["owner"] = {"display": referral.routed_team.name}
    elif referral.routed_practitioner_id:
        resource["owner"] = {"display": referral.routed_practitioner.get_full_name()}
    elif referral.claimed_by_id:
        resource["owner"] = {"display": f"{referral.claimed_by.get_full_name()} (co-ordinator)"}
    return Task.model_validate(resource)
