"""The shared care plan as FHIR R4 CarePlan and CareTeam (validated with fhir.resources R4B)."""

from __future__ import annotations

from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.careteam import CareTeam as FhirCareTeam

from caretrust.careplans.models import CarePlan
from caretrust.fhir.practitioners import reference as practitioner_reference

FUNDING_EXTENSION = "https://caretrust.example.org/fhir/StructureDefinition/funding-stream"
GOAL_STATUS = {"draft": "proposed", "active": "active", "completed": "completed"}


SERVICE_RELATED = (
    "provider_organisation",
    "provider_team",
    "provider_practitioner",
    "second_worker_team",
)


def _prefetched(plan: CarePlan, name: str) -> bool:
    return name in getattr(plan, "_prefetched_objects_cache", {})


def _services(plan: CarePlan):
    if _prefetched(plan, "services"):  # a Bulk Data export's batch (`EXPORT_PREFETCH`)
        return plan.services.all()
    return plan.services.select_related(*SERVICE_RELATED)


def export_prefetch() -> tuple:
    """What `care_plan` and `care_team` read, for a batch of plans (ADR 117)."""
    from django.db.models import Prefetch

    from caretrust.careplans.models import CareTeamMember, PlannedService

    return (
        "goals",
        Prefetch("services", queryset=PlannedService.objects.select_related(*SERVICE_RELATED)),
        Prefetch(
            "care_team",
            queryset=CareTeamMember.objects.select_related("user", "team", "organisation"),
        ),
    )


def care_plan(plan: CarePlan) -> FhirCarePlan:
    subject = {"reference": f"Patient/{plan.person.ref}", "display": plan.person.display_name}
    goals = [
        {
            "resourceType": "Goal",
            "id": f"goal-{goal.pk}",
            "lifecycleStatus": GOAL_STATUS[plan.status],
            "description": {"text": goal.text},
            "subject": subject,
            "expressedBy": subject,
        }
        for goal in plan.goals.all()
    ]
    activities = []
    for service in _services(plan):
        period = {"start": service.start.isoformat()}
        if service.end:
            period["end"] = service.end.isoformat()
        performer = {"display": service.provider_organisation.name}
        if service.provider_team_id:
            performer = {
                "display": f"{service.provider_team.name}, {service.provider_organisation.name}"
            }
        if service.provider_practitioner_id:
            performer = {
                "display": f"{service.provider_practitioner.get_full_name()}, "
                f"{service.provider_organisation.name}"
            }
        performers = [performer]
        if service.is_double_handed and service.second_worker_team_id:
            # The second worker of a double-handed call, from another team.
            performers.append({"display": service.second_worker_team.name})
        activities.append(
            {
                "detail": {
                    "extension": [{"url": FUNDING_EXTENSION, "valueCode": service.funding_stream}],
                    "kind": "ServiceRequest",
                    "code": {"text": service.get_kind_display()},
                    "status": "scheduled" if plan.status == "active" else "not-started",
                    "scheduledPeriod": period,
                    "performer": performers,
                    "description": "; ".join(
                        x
                        for x in [
                            service.description,
                            service.frequency_text,
                            "double-handed (two workers)" if service.is_double_handed else "",
                        ]
                        if x
                    ),
                }
            }
        )
    resource = {
        "resourceType": "CarePlan",
        "id": str(plan.uuid),
        "meta": {"versionId": str(plan.version), "lastUpdated": plan.updated_at.isoformat()},
        "status": plan.status,
        "intent": "plan",
        "title": f"Shared care plan for {plan.person.display_name}",
        "subject": subject,
        "period": {
            "start": plan.created_at.date().isoformat(),
            "end": plan.review_date.isoformat(),
        },
        "created": plan.created_at.isoformat(),
        "author": practitioner_reference(plan.coordinator),
        "careTeam": [{"reference": f"CareTeam/{plan.care_team_uuid}"}],
        "contained": goals,
        "goal": [{"reference": f"#{g['id']}"} for g in goals],
        "activity": activities,
        "note": [{"text": f"Review by {plan.review_date:%d %B %Y}"}],
    }
    # R4 CarePlan.basedOn may only point at another CarePlan: the referral the plan answers
    # is supporting information (ADR 0122), beside the assessment.
    supporting = []
    if plan.referral_id:
        supporting.append({"reference": f"ServiceRequest/{plan.referral.uuid}"})
    if plan.assessment_id:
        supporting.append({"reference": f"QuestionnaireResponse/{plan.assessment.uuid}"})
    if supporting:
        resource["supportingInfo"] = supporting
    return FhirCarePlan.model_validate(resource)


def care_team(plan: CarePlan) -> FhirCareTeam:
    participants = []
    members = (
        plan.care_team.all()
        if _prefetched(plan, "care_team")
        else plan.care_team.select_related("user", "team", "organisation")
    )
    for member in members:
        entry = {"role": [{"text": member.role}]}
        if member.user_id:
            entry["member"] = {
                **practitioner_reference(member.user),
                "display": member.display_name,
            }
        else:
            entry["member"] = {"display": member.display_name}
        if member.organisation_id:
            entry["onBehalfOf"] = {"display": member.organisation.name}
        participants.append(entry)
    return FhirCareTeam.model_validate(
        {
            "resourceType": "CareTeam",
            "id": str(plan.care_team_uuid),
            "meta": {"versionId": str(plan.version), "lastUpdated": plan.updated_at.isoformat()},
            "status": "active" if plan.status in ("draft", "active") else "inactive",
            "name": f"Care team for {plan.person.display_name}",
            "subject": {
                "reference": f"Patient/{plan.person.ref}",
                "display": plan.person.display_name,
            },
            "participant": participants,
            "note": [{"text": f"Named co-ordinator: {plan.coordinator.get_full_name()}"}],
        }
    )


def referral_export_prefetch(referrals):
    """A Bulk Data export's referrals come with their active care plans (ADR 117)."""
    from django.db.models import Prefetch

    return referrals.prefetch_related(
        Prefetch(
            "care_plans",
            queryset=CarePlan.objects.filter(status=CarePlan.Status.ACTIVE).order_by(
                "-created_at", "-pk"
            ),
            to_attr="active_care_plans",
        )
    )


def referral_task_output(referral) -> list[dict]:
    """A completed referral's Task.output (ADR 116): the active care plan made from it."""
    from caretrust.referrals.fhir import TASK_OUTPUT_SYSTEM

    plans = getattr(referral, "active_care_plans", None)  # a Bulk Data export's batch
    if plans is None:
        plans = CarePlan.objects.filter(referral=referral, status=CarePlan.Status.ACTIVE).order_by(
            "-created_at", "-pk"
        )
    return [
        {
            "type": {
                "coding": [
                    {"system": TASK_OUTPUT_SYSTEM, "code": "care-plan", "display": "Care plan"}
                ]
            },
            "valueReference": {"reference": f"CarePlan/{plan.uuid}"},
        }
        for plan in plans[:1]
    ]
