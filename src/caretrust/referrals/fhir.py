"""A referral as FHIR R4 ServiceRequest + Task (the referral guides' pattern: the Task carries the
workflow status, its focus is the ServiceRequest). Validated with fhir.resources R4B."""

from __future__ import annotations

from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from caretrust.fhir.practitioners import reference as practitioner_reference
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
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
# The team a Task waits with or was accepted by (Task.owner.identifier: the team's code).
TEAM_SYSTEM = "https://caretrust.example.org/fhir/Id/team"
# What a completed referral's Task.output says (ADR 116): the care plan it led to, or the outcome.
TASK_OUTPUT_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/referral-task-output"
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


def identifier_index(identifiers: list) -> str:
    """ "system|value" a line (the shared record's format, ADR 109), for identifier searches."""
    lines = [
        f"{identifier.get('system') or ''}|{identifier.get('value')}\n"
        for identifier in identifiers
        if isinstance(identifier, dict) and identifier.get("value")
    ]
    return "".join(dict.fromkeys(lines))


def service_request(referral: Referral) -> ServiceRequest:
    """The referral's ServiceRequest: as the referrer sent it over the API, when it did, with
    caretrust's id, status and reference merged in (ADR 116); otherwise made from the referral."""
    made = _made_service_request(referral)
    sent = referral.sent_service_request
    if not sent:
        return ServiceRequest.model_validate(made)
    merged = {**made, **sent}
    for name in ("id", "meta", "status", "subject"):
        merged[name] = made[name]
    ours = made["identifier"][0]
    identifiers = list(sent.get("identifier") or [])
    merged["identifier"] = identifiers if ours in identifiers else [*identifiers, ours]
    from caretrust.referrals import hooks

    # What the areas above say now (a discharge-ready date as it is now, ADR 104) replaces what
    # was sent under the same extension url or category system.
    for name, values in hooks.service_request_parts(referral).items():
        keys = {_part_key(value) for value in values}
        kept = [value for value in sent.get(name, []) if _part_key(value) not in keys]
        merged[name] = [*kept, *values]
    merged.pop("text", None)  # a narrative the sender wrote no longer tells the status
    return ServiceRequest.model_validate(merged)


def _part_key(value: dict) -> str:
    if "url" in value:
        return f"url:{value['url']}"
    systems = sorted({c.get("system", "") for c in value.get("coding", [])})
    return f"system:{','.join(systems)}"


def _made_service_request(referral: Referral) -> dict:
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

    if not referral.sent_service_request:
        for name, values in hooks.service_request_parts(referral).items():
            resource[name] = [*resource.get(name, []), *values]
    return resource


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
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "fulfill"}]},
        "focus": {"reference": f"ServiceRequest/{referral.uuid}"},
        "for": _subject(referral),
        "authoredOn": referral.created_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
        "requester": (referral.sent_service_request or {}).get("requester") or _requester(referral),
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
    if referral.routed_team_id and "owner" in resource:
        resource["owner"]["identifier"] = {
            "system": TEAM_SYSTEM,
            "value": referral.routed_team.code,
        }
    elif referral.routed_practitioner_id:
        resource["owner"] = practitioner_reference(referral.routed_practitioner)
    elif referral.claimed_by_id:
        resource["owner"] = {
            **practitioner_reference(referral.claimed_by),
            "display": f"{referral.claimed_by.get_full_name()} (co-ordinator)",
        }
    notes = [
        {
            "authorString": event.actor_label or referral.referrer_name or "The referrer",
            "time": event.occurred_at.isoformat(),
            "text": event.information,
        }
        for event in _information_events(referral)
    ]
    if notes:
        resource["note"] = notes
    if referral.status == "completed":
        resource["output"] = task_output(referral)
    return Task.model_validate(resource)


def _information_events(referral: Referral) -> list:
    """The referral's events that added information (from memory when an export prefetched
    them)."""
    if "events" in getattr(referral, "_prefetched_objects_cache", {}):
        return [event for event in referral.events.all() if event.information]
    return list(referral.events.exclude(information=""))


def task_output(referral: Referral) -> list[dict]:
    """What a completed referral led to (ADR 116): the care plan made from it (an area above
    says, `hooks.task_output_parts`), or else the reason it closed."""
    from caretrust.referrals import hooks

    outputs = hooks.task_output_parts(referral)
    if outputs:
        return outputs
    outcome = referral.status_reason or referral.business_status or "Completed"
    if referral.outcome:
        outcome = f"{referral.get_outcome_display()}: {outcome}"
    return [
        {
            "type": {
                "coding": [{"system": TASK_OUTPUT_SYSTEM, "code": "outcome", "display": "Outcome"}]
            },
            "valueString": outcome,
        }
    ]
