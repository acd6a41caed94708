"""Writes of carers, their assessment and support plan. Each is authorised, audited in the same
transaction, and moves the assessment only along `carers.states`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.carers import eligibility, states
from caretrust.carers.models import (
    Carer,
    CarerOutcomeFinding,
    CarersAssessment,
    CarerSupportLine,
    CarerSupportPlan,
)
from caretrust.organisations.models import User
from caretrust.people.models import Person

FINDING_FIELDS = (
    "what_matters",
    "caring_role",
    "willing_and_able",
    "needs_from_caring",
    "health_at_risk",
    "health_details",
    "significant_impact",
    "wellbeing_details",
)


def _audit(actor: User, obj, action: str, **details: Any) -> None:
    audit.record(actor=actor, action=action, obj=obj, person_ref=obj.audit_ref, details=details)


@dataclass(frozen=True)
class CarersOwnRecord:
    """Details to add the carer to the people index (their own record)."""

    given_name: str
    family_name: str
    birth_date: date | None = None
    postcode: str = ""
    phone: str = ""


@transaction.atomic
def record_carer(
    *,
    actor: User,
    person: Person,
    name: str,
    relationship: str = "",
    contact: str = "",
    hours_caring_per_week: int | None = None,
    carer_person: Person | None = None,
    own_record: CarersOwnRecord | None = None,
    from_assessment=None,
) -> Carer:
    """Record someone as the person's carer. With `own_record`, the carer is also added to the
    people index (`people.services.create_person`) so they have a record of their own."""
    policy.require(actor, "carers.record", person)
    if not name.strip():
        raise ValidationError({"name": "Enter the carer's name."})
    if carer_person is not None and carer_person.pk == person.pk:
        raise ValidationError({"name": "A person cannot be recorded as their own carer."})
    if own_record is not None and carer_person is None:
        from caretrust.people.fhir_patient import Demographics
        from caretrust.people.services import create_person

        carer_person = create_person(
            actor=actor,
            demographics=Demographics(
                given_name=own_record.given_name.strip(),
                family_name=own_record.family_name.strip(),
                birth_date=own_record.birth_date,
                postcode=own_record.postcode.strip().upper(),
                phone=own_record.phone.strip(),
            ),
            source="carer",
            audit_details={"carer_of": person.audit_ref},
        )
    carer = Carer.objects.create(
        person=person,
        carer_person=carer_person,
        name=name.strip(),
        relationship=relationship.strip(),
        contact=contact.strip(),
        hours_caring_per_week=hours_caring_per_week,
        from_assessment=from_assessment,
        recorded_by=actor,
    )
    _audit(actor, carer, AuditEvent.Action.CREATE, own_record=bool(carer_person))
    return carer


@transaction.atomic
def start_assessment(*, actor: User, carer: Carer) -> CarersAssessment:
    """Start the carer's own assessment (s10), or return the one still being assessed."""
    policy.require(actor, "carers.assess", carer)
    existing = carer.assessments.filter(status=CarersAssessment.Status.DRAFT).first()
    if existing is not None:
        return existing
    assessment = CarersAssessment.objects.create(
        carer=carer, assessor=actor, started_on=clock.today()
    )
    _audit(actor, assessment, AuditEvent.Action.CREATE, status=str(assessment.status))
    return assessment


@transaction.atomic
def record_findings(
    *,
    actor: User,
    assessment: CarersAssessment,
    outcomes: dict[str, tuple[str, str]] | None = None,
    **fields: Any,
) -> CarersAssessment:
    policy.require(actor, "carers.assess", assessment)
    if assessment.status != CarersAssessment.Status.DRAFT:
        raise ValidationError("The eligibility decision is recorded: the findings cannot change.")
    unknown = set(fields) - set(FINDING_FIELDS)
    if unknown:
        raise ValueError(f"not carer's assessment findings: {sorted(unknown)}")
    for code, (difficulty, _notes) in (outcomes or {}).items():
        if code not in eligibility.OUTCOMES or difficulty not in eligibility.DIFFICULTIES:
            raise ValidationError({f"outcome_{code}": "Choose how the carer manages this."})
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.save()
    for code, (difficulty, notes) in (outcomes or {}).items():
        CarerOutcomeFinding.objects.update_or_create(
            assessment=assessment,
            outcome=code,
            defaults={"difficulty": difficulty, "notes": notes.strip()},
        )
    _audit(
        actor,
        assessment,
        AuditEvent.Action.UPDATE,
        fields=sorted(fields),
        outcomes=sorted(outcomes or {}),
    )
    return assessment


def _move(actor: User, assessment: CarersAssessment, target: str, **details: Any) -> None:
    """Change state only along an allowed transition; else ValidationError and nothing changes."""
    try:
        states.check(assessment.status, target)
    except states.InvalidTransition as refused:
        raise ValidationError(str(refused)) from refused
    before = assessment.status
    assessment.status = target
    assessment.save()
    _audit(
        actor, assessment, AuditEvent.Action.UPDATE, status=[str(before), str(target)], **details
    )


@transaction.atomic
def decide(*, actor: User, assessment: CarersAssessment) -> CarersAssessment:
    """Decide eligibility under reg 3 from what is recorded (draft → decided)."""
    policy.require(actor, "carers.decide", assessment)
    assessment = CarersAssessment.objects.select_for_update().get(pk=assessment.pk)
    try:
        states.check(assessment.status, states.DECIDED)
    except states.InvalidTransition as refused:
        raise ValidationError(str(refused)) from refused
    try:
        result = eligibility.decide(
            needs_from_caring=assessment.needs_from_caring,
            health_at_risk=assessment.health_at_risk,
            outcomes=assessment.outcome_map(),
            significant_impact=assessment.significant_impact,
        )
    except eligibility.NotEnoughRecorded as missing:
        raise ValidationError(str(missing)) from missing
    assessment.eligible = result.eligible
    assessment.decision_reasons = list(result.reasons)
    assessment.decided_by = actor
    assessment.decided_on = clock.today()
    _move(actor, assessment, states.DECIDED, eligible=result.eligible)
    return assessment


@dataclass(frozen=True)
class SupportLine:
    kind: str
    description: str
    provider: str = ""
    frequency_text: str = ""
    start: date | None = None


@transaction.atomic
def save_support_plan(
    *,
    actor: User,
    assessment: CarersAssessment,
    goals: str,
    new_line: SupportLine | None = None,
) -> CarerSupportPlan:
    """Write the carer's goals and add a line of support; the plan is agreed separately."""
    policy.require(actor, "carers.agree_plan", assessment)
    if assessment.status != CarersAssessment.Status.DECIDED:
        raise ValidationError(
            "Decide the carer's eligibility before writing a support plan."
            if assessment.status == CarersAssessment.Status.DRAFT
            else "The support plan is agreed: it can no longer change."
        )
    plan, _ = CarerSupportPlan.objects.get_or_create(assessment=assessment)
    plan.goals = "\n".join(line.strip() for line in goals.splitlines() if line.strip())
    plan.save()
    if new_line is not None and new_line.description.strip():
        if new_line.kind not in CarerSupportLine.Kind.values:
            raise ValidationError({"kind": "Choose who the support is given to."})
        CarerSupportLine.objects.create(
            plan=plan,
            kind=new_line.kind,
            description=new_line.description.strip(),
            provider=new_line.provider.strip(),
            frequency_text=new_line.frequency_text.strip(),
            start=new_line.start or clock.today(),
        )
    _audit(actor, plan.assessment, AuditEvent.Action.UPDATE, support_plan="saved")
    return plan


@transaction.atomic
def agree_support_plan(*, actor: User, assessment: CarersAssessment) -> CarerSupportPlan:
    """Agree the carer's support plan (decided → support plan agreed)."""
    policy.require(actor, "carers.agree_plan", assessment)
    assessment = CarersAssessment.objects.select_for_update().get(pk=assessment.pk)
    try:
        states.check(assessment.status, states.PLAN_AGREED)
    except states.InvalidTransition as refused:
        raise ValidationError(str(refused)) from refused
    plan = CarerSupportPlan.objects.filter(assessment=assessment).first()
    if plan is None or not plan.goal_list:
        raise ValidationError("Write at least one of the carer's goals before agreeing the plan.")
    if assessment.eligible and not plan.lines.exists():
        raise ValidationError("Add the support that will meet the carer's eligible needs.")
    plan.agreed_by = actor
    plan.agreed_on = clock.today()
    plan.save()
    _move(actor, assessment, states.PLAN_AGREED)
    return plan
