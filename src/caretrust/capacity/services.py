"""Writes about capacity. Each is authorised and audited in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.capacity import mca
from caretrust.capacity.models import (
    BestInterestsDecision,
    CapacityAssessment,
    DecisionCategory,
    LegalAuthority,
    ReferralConsent,
)
from caretrust.organisations.models import User
from caretrust.people.models import Person


def _audit(actor: User, obj, **details) -> None:
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=obj,
        person_ref=obj.audit_ref,
        details=details,
    )


@transaction.atomic
def record_capacity_assessment(
    *,
    actor: User,
    person: Person,
    decision: str,
    category: str,
    impairment: bool,
    unable_to: set[str],
    practicable_steps: str = "",
    impairment_details: str = "",
    because_of_impairment: bool | None = None,
    functional_details: str = "",
    assessed_on: date | None = None,
) -> CapacityAssessment:
    """Record the two-stage test for one decision; the finding is computed, not chosen."""
    policy.require(actor, "capacity.assess", person)
    errors = {}
    if not decision.strip():
        errors["decision"] = "Enter the decision the person needs to make."
    if category not in DecisionCategory.values:
        errors["category"] = "Choose what kind of decision it is."
    assessed_on = assessed_on or clock.today()
    if assessed_on > clock.today():
        errors["assessed_on"] = "The date of the assessment cannot be in the future."
    if impairment and not impairment_details.strip():
        errors["impairment_details"] = "Describe the impairment or disturbance of mind or brain."
    if unable_to and not functional_details.strip():
        errors["functional_details"] = "Say why the person is unable to make the decision."
    if errors:
        raise ValidationError(errors)
    finding = mca.assess(
        impairment=impairment, unable_to=unable_to, because_of_impairment=because_of_impairment
    )
    assessment = CapacityAssessment.objects.create(
        person=person,
        decision=decision.strip(),
        category=category,
        practicable_steps=practicable_steps.strip(),
        impairment=impairment,
        impairment_details=impairment_details.strip(),
        because_of_impairment=because_of_impairment,
        functional_details=functional_details.strip(),
        lacks_capacity=finding.lacks_capacity,
        reasons=list(finding.reasons),
        assessed_by=actor,
        assessed_on=assessed_on,
        **{f"unable_to_{key}": key in unable_to for key in mca.FUNCTIONAL_ABILITIES},
    )
    _audit(actor, assessment, category=category, lacks_capacity=finding.lacks_capacity)
    return assessment


@transaction.atomic
def record_best_interests(
    *,
    actor: User,
    capacity_assessment: CapacityAssessment,
    decision: str,
    wishes_and_feelings: str,
    consulted: str,
    less_restrictive_options: str,
) -> BestInterestsDecision:
    """A decision for someone who lacks capacity to make it: only on a capacity assessment that
    found so for that decision (MCA s4 applies only then)."""
    person = capacity_assessment.person
    policy.require(actor, "capacity.best_interests", person)
    if not capacity_assessment.lacks_capacity:
        raise ValidationError(
            {
                "capacity_assessment": "This capacity assessment found the person can make the "
                "decision: they decide for themselves, not in their best interests."
            }
        )
    errors = {}
    for name, value, message in (
        ("decision", decision, "Enter the decision taken in the person's best interests."),
        (
            "wishes_and_feelings",
            wishes_and_feelings,
            "Record the person's wishes and feelings, beliefs and values.",
        ),
        ("consulted", consulted, "Record who was consulted and what they said."),
        (
            "less_restrictive_options",
            less_restrictive_options,
            "Record the less restrictive options considered.",
        ),
    ):
        if not value.strip():
            errors[name] = message
    if errors:
        raise ValidationError(errors)
    best_interests = BestInterestsDecision.objects.create(
        person=person,
        capacity_assessment=capacity_assessment,
        decision=decision.strip(),
        wishes_and_feelings=wishes_and_feelings.strip(),
        consulted=consulted.strip(),
        less_restrictive_options=less_restrictive_options.strip(),
        decided_by=actor,
        decided_on=clock.today(),
    )
    _audit(actor, best_interests, capacity_assessment=str(capacity_assessment.uuid))
    return best_interests


@transaction.atomic
def record_authority(
    *,
    actor: User,
    person: Person,
    kind: str,
    holder_name: str,
    registered_on: date | None,
    reference: str,
    holder_relationship: str = "",
    scope_notes: str = "",
    life_sustaining_treatment: bool = False,
    holder_user: User | None = None,
) -> LegalAuthority:
    """Record an LPA (registered with the OPG) or a deputyship (Court of Protection order)."""
    policy.require(actor, "capacity.record_authority", person)
    errors = {}
    if kind not in LegalAuthority.Kind.values:
        errors["kind"] = "Choose the kind of power of attorney or deputyship."
    if not holder_name.strip():
        errors["holder_name"] = "Enter the attorney's or deputy's name."
    if registered_on is None:
        errors["registered_on"] = "Enter the date it was registered or the order was made."
    elif registered_on > clock.today():
        errors["registered_on"] = "The registration date cannot be in the future."
    if not reference.strip():
        errors["reference"] = "Enter the OPG or Court of Protection reference."
    if life_sustaining_treatment and kind != LegalAuthority.Kind.LPA_HEALTH_WELFARE:
        errors["life_sustaining_treatment"] = (
            "Only a health and welfare lasting power of attorney can give authority over "
            "life-sustaining treatment."
        )
    if holder_user is not None and holder_user.role not in (User.Role.CARER, User.Role.PERSON):
        errors["holder_user"] = "Choose the attorney's or deputy's own portal sign-in."
    if errors:
        raise ValidationError(errors)
    authority = LegalAuthority.objects.create(
        person=person,
        kind=kind,
        holder_name=holder_name.strip(),
        holder_relationship=holder_relationship.strip(),
        holder_user=holder_user,
        registered_on=registered_on,
        reference=reference.strip(),
        scope_notes=scope_notes.strip(),
        life_sustaining_treatment=life_sustaining_treatment,
        recorded_by=actor,
    )
    _audit(actor, authority, kind=kind)
    return authority


@dataclass(frozen=True)
class ConsentGiven:
    """Who agreed to a referral, how and when (or that it is made in the person's best interests)."""

    basis: str
    given_by: str
    method: str
    given_on: date


def capacity_behind_best_interests_referral(person: Person | None) -> CapacityAssessment:
    """A referral in the person's best interests rests on a capacity assessment that found they
    lack capacity to agree to being referred (MCA s4 applies only then). The newest finding for
    that decision counts: if they have since been found able to decide, they decide."""
    from caretrust.capacity.selectors import latest_finding

    finding = latest_finding(person, DecisionCategory.REFERRAL) if person is not None else None
    if finding is None or not finding.lacks_capacity:
        raise ValidationError(
            {
                "best_interests": "A referral in the person's best interests needs a recorded "
                "capacity assessment finding they cannot decide about being referred. Record it "
                "on their page (Capacity and consent), or ask them and record that they agree."
            }
        )
    return finding


def record_referral_consent(
    *,
    actor: User | None,
    referral,
    consent: ConsentGiven,
    capacity_assessment: CapacityAssessment | None = None,
) -> ReferralConsent:
    """Called inside the referral's own transaction (the referral submission is authorised)."""
    errors = {}
    if consent.basis not in ReferralConsent.Basis.values:
        errors["basis"] = "Say whether the person agreed or it is in their best interests."
    if consent.method not in ReferralConsent.Method.values:
        errors["method"] = "Say how the person agreed: in person, by phone or in writing."
    if consent.basis == ReferralConsent.Basis.AGREED and not consent.given_by.strip():
        errors["given_by"] = "Enter who agreed to the referral."
    if consent.given_on > clock.today():
        errors["given_on"] = "The date they agreed cannot be in the future."
    if errors:
        raise ValidationError(errors)
    record = ReferralConsent.objects.create(
        referral=referral,
        basis=consent.basis,
        given_by=consent.given_by.strip(),
        method=consent.method,
        given_on=consent.given_on,
        capacity_assessment=capacity_assessment,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=record,
        person_ref=referral.person.audit_ref if referral.person_id else "",
        details={"basis": consent.basis, "method": consent.method},
    )
    return record
